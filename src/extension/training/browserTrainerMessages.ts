import { BROWSER_TRAINER_LIMITS as LIMITS, type BrowserTrainerToHost } from '../../protocol/browserTrainer';
import { isBoundedString, isPlainObject } from '../../protocol/guards';

// The browser trainer's messages crossed the webview, which may be hostile: every key set is exact, every number
// finite where the run folder needs it, every string and array bounded, before anything reaches metrics.jsonl.

type Check = (m: Record<string, unknown>) => string | null;

const RUN_ID = /^(?!\.+$)[A-Za-z0-9._-]{1,128}$/;
const PARAMETER_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const FAILURES = new Set(['no-adapter', 'device-lost', 'out-of-memory', 'error']);
const SAMPLER_MODES = new Set(['random-windows', 'sequential-windows', 'epochs']);
const STEP_KEYS = 'grad_norm,grad_norm_clipped,loss,lr,pad_fraction,step,time_ms,tokens,tokens_per_sec';

const keysOf = (value: Record<string, unknown>) => Object.keys(value).sort().join(',');
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isSize = (value: unknown): value is number => isFiniteNumber(value) && value >= 0;
const isText = (value: unknown, max: number) => typeof value === 'string' && value.length <= max;
const isParameterName = (value: unknown) => typeof value === 'string' && PARAMETER_NAME.test(value);

/** An object with exactly `keys` (sorted, comma-joined), or why not. */
function exact(value: unknown, keys: string, what: string): string | null {
  if (!isPlainObject(value)) return `${what} must be an object`;
  const found = keysOf(value);
  return found === keys ? null : `${what} has keys ${found.slice(0, 120)}; expected ${keys}`;
}

function stepMetrics(value: unknown): string | null {
  const shape = exact(value, STEP_KEYS, 'a step');
  if (shape) return shape;
  const m = value as Record<string, unknown>;
  if (!isCount(m.step) || m.step < 1) return 'a step number must be a whole number from 1';
  if (!isFiniteNumber(m.loss)) return `step ${m.step}: the loss must be a finite number`;
  if (!isCount(m.tokens)) return `step ${m.step}: tokens must be a whole number`;
  if (!isSize(m.pad_fraction) || m.pad_fraction > 1) return `step ${m.step}: pad_fraction must be a number from 0 to 1`;
  const sizes = ['lr', 'grad_norm', 'grad_norm_clipped', 'tokens_per_sec', 'time_ms'].filter((key) => !isSize(m[key]));
  return sizes.length === 0 ? null : `step ${m.step}: ${sizes.join(', ')} must be finite numbers ≥ 0`;
}

function evalMetrics(value: unknown): string | null {
  const shape = exact(value, 'step,val_loss', 'an evaluation');
  if (shape) return shape;
  const m = value as Record<string, unknown>;
  return isCount(m.step) && isFiniteNumber(m.val_loss) ? null : 'an evaluation needs a whole step number and a finite val_loss';
}

function tensors(value: unknown, what: string): string | null {
  if (!Array.isArray(value) || value.length > LIMITS.tensors) return `${what} must be a list of at most ${LIMITS.tensors} tensors`;
  for (const tensor of value) {
    const shape = exact(tensor, 'data,name,shape', `a tensor of ${what}`);
    if (shape) return shape;
    const t = tensor as Record<string, unknown>;
    if (!isBoundedString(t.name, 256)) return `a tensor of ${what} needs a name`;
    if (!Array.isArray(t.shape) || t.shape.length > 8 || !t.shape.every(isCount)) return `${what} ${t.name}: the shape must be at most 8 whole numbers`;
    const elements = (t.shape as number[]).reduce((a, b) => a * b, 1);
    if (!(t.data instanceof Float32Array) || t.data.length !== elements) return `${what} ${t.name}: data must be a Float32Array of ${elements} values`;
  }
  return null;
}

function trainerState(value: unknown): string | null {
  const shape = exact(value, 'optimizerState,optimizerStep,sampler,step', 'the trainer state');
  if (shape) return shape;
  const s = value as Record<string, unknown>;
  if (!isCount(s.step) || !isCount(s.optimizerStep)) return 'the trainer state needs whole step counts';
  const moments = tensors(s.optimizerState, 'the optimizer state');
  if (moments) return moments;
  const sampler = exact(s.sampler, 'cursor,epoch,mode,rng,seed,size', 'the sampler state');
  if (sampler) return sampler;
  const p = s.sampler as Record<string, unknown>;
  const rng = Array.isArray(p.rng) && p.rng.length === 4 && p.rng.every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32);
  return SAMPLER_MODES.has(p.mode as string) && rng && Number.isSafeInteger(p.seed) && isCount(p.cursor) && isCount(p.epoch) && isCount(p.size)
    ? null : 'the sampler state has a wrong mode, generator or position';
}

const CHECKS: Record<BrowserTrainerToHost['type'], Check> = {
  DidStartRun: (m) => exact(m, 'adapter,backend,parameterNames,parameters,runId,type', 'DidStartRun')
    ?? exact(m.backend, 'description,name,reason', 'the backend')
    ?? exact(m.adapter, 'architecture,description,device,isFallbackAdapter,vendor', 'the adapter')
    ?? startRunValues(m),
  DidStep: (m) => {
    const shape = exact(m, 'metrics,parameterNorms,runId,type', 'DidStep');
    if (shape) return shape;
    if (!Array.isArray(m.metrics) || m.metrics.length === 0 || m.metrics.length > LIMITS.stepsPerMessage) return `metrics must list 1 to ${LIMITS.stepsPerMessage} steps`;
    const bad = m.metrics.map(stepMetrics).find((reason) => reason !== null);
    if (bad) return bad;
    const norms = m.parameterNorms;
    if (!Array.isArray(norms) || norms.length !== m.metrics.length) return 'parameterNorms must have one entry per step';
    return norms.every((n) => n instanceof Float64Array && n.length <= LIMITS.parameters) ? null : `each parameterNorms entry must be a Float64Array of at most ${LIMITS.parameters} norms`;
  },
  DidEval: (m) => exact(m, 'metrics,runId,type', 'DidEval') ?? evalMetrics(m.metrics),
  DidPause: (m) => {
    const shape = exact(m, 'message,nonFinite,runId,type', 'DidPause') ?? exact(m.nonFinite, 'loss,parameter,step', 'nonFinite');
    if (shape) return shape;
    const report = m.nonFinite as Record<string, unknown>;
    // The loss is the non-finite value itself (NaN or ±Infinity), which a JSON hop turns into null.
    const loss = typeof report.loss === 'number' || report.loss === null;
    return isText(m.message, LIMITS.messageChars) && isCount(report.step) && loss && (report.parameter === null || isParameterName(report.parameter))
      ? null : 'DidPause needs a bounded message and a non-finite report of a step, its loss and a parameter name or null';
  },
  DidCheckpoint: (m) => exact(m, 'runId,state,step,type,weights', 'DidCheckpoint')
    ?? (isCount(m.step) ? null : 'the checkpoint step must be a whole number') ?? tensors(m.weights, 'the weights') ?? trainerState(m.state),
  DidFinish: (m) => exact(m, 'runId,state,status,step,type,weights', 'DidFinish')
    ?? (m.status === 'finished' || m.status === 'stopped' ? null : 'the status must be finished or stopped')
    ?? (isCount(m.step) ? null : 'the final step must be a whole number') ?? tensors(m.weights, 'the weights') ?? trainerState(m.state),
  DidFail: (m) => exact(m, 'kind,message,runId,type', 'DidFail')
    ?? (FAILURES.has(m.kind as string) && isText(m.message, LIMITS.messageChars) ? null : 'DidFail needs a known kind and a bounded message'),
};

function startRunValues(m: Record<string, unknown>): string | null {
  const backend = m.backend as Record<string, unknown>;
  const adapter = m.adapter as Record<string, unknown>;
  const texts = [backend.name, backend.description, backend.reason, adapter.vendor, adapter.architecture, adapter.device, adapter.description];
  if (!texts.every((text) => isText(text, LIMITS.messageChars)) || typeof adapter.isFallbackAdapter !== 'boolean') return 'the backend and adapter need bounded texts';
  if (!isCount(m.parameters)) return 'parameters must be a whole number';
  const names = m.parameterNames;
  return Array.isArray(names) && names.length <= LIMITS.parameters && names.every(isParameterName)
    ? null : `parameterNames must be at most ${LIMITS.parameters} state-dict names`;
}

/** Checks a message relayed from the browser trainer; returns it typed, or why it was rejected. */
export function validateBrowserTrainerMessage(raw: unknown): BrowserTrainerToHost | string {
  if (!isPlainObject(raw)) return 'not an object';
  const type = raw.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(CHECKS, type)) return `unknown message type ${JSON.stringify(type)?.slice(0, 40) ?? String(type)}`;
  if (typeof raw.runId !== 'string' || !RUN_ID.test(raw.runId)) return `${type}: needs a run id`;
  const problem = CHECKS[type as BrowserTrainerToHost['type']](raw);
  return problem === null ? (raw as unknown as BrowserTrainerToHost) : `${type}: ${problem}`;
}
