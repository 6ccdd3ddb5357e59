import type { BrowserTrainerToHost } from '../../protocol/browserTrainer';

type Check = (m: Record<string, unknown>) => boolean;

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStep = (value: unknown) => isObject(value) && isNumber(value.step) && isNumber(value.loss) && isNumber(value.tokens) && isNumber(value.tokens_per_sec);
const isEval = (value: unknown) => isObject(value) && isNumber(value.step) && isNumber(value.val_loss);
const isTensor = (value: unknown) => isObject(value) && isString(value.name) && Array.isArray(value.shape) && value.shape.every(Number.isInteger)
  && value.data instanceof Float32Array;
const isTensors = (value: unknown) => Array.isArray(value) && value.every(isTensor);
const isState = (value: unknown) => isObject(value) && Number.isInteger(value.step) && Number.isInteger(value.optimizerStep)
  && isTensors(value.optimizerState) && isObject(value.sampler);
const isAdapter = (value: unknown) => isObject(value) && isString(value.vendor) && isString(value.architecture) && isString(value.device)
  && isString(value.description) && typeof value.isFallbackAdapter === 'boolean';
const FAILURES = new Set(['no-adapter', 'device-lost', 'out-of-memory', 'error']);

// The browser trainer's messages crossed the webview: their bodies are checked before they reach the run folder.
const CHECKS: Record<BrowserTrainerToHost['type'], Check> = {
  DidStartRun: (m) => isObject(m.backend) && isString(m.backend.name) && isString(m.backend.description) && isString(m.backend.reason)
    && isAdapter(m.adapter) && isNumber(m.parameters) && Array.isArray(m.parameterNames) && m.parameterNames.every(isString),
  DidStep: (m) => Array.isArray(m.metrics) && m.metrics.every(isStep) && Array.isArray(m.parameterNorms)
    && m.parameterNorms.length === m.metrics.length && m.parameterNorms.every((n) => n instanceof Float64Array),
  DidEval: (m) => isEval(m.metrics),
  DidPause: (m) => isString(m.message) && isObject(m.nonFinite) && isNumber(m.nonFinite.step),
  DidCheckpoint: (m) => Number.isInteger(m.step) && isTensors(m.weights) && isState(m.state),
  DidFinish: (m) => (m.status === 'finished' || m.status === 'stopped') && Number.isInteger(m.step) && isTensors(m.weights) && isState(m.state),
  DidFail: (m) => isString(m.kind) && FAILURES.has(m.kind) && isString(m.message),
};

/** Checks a message relayed from the browser trainer; returns it typed, or why it was rejected. */
export function validateBrowserTrainerMessage(raw: unknown): BrowserTrainerToHost | string {
  if (!isObject(raw)) return 'not an object';
  const type = raw.type;
  if (!isString(type) || !Object.prototype.hasOwnProperty.call(CHECKS, type)) return `unknown message type ${JSON.stringify(type)?.slice(0, 40) ?? String(type)}`;
  if (!isString(raw.runId)) return `${type}: needs a run id`;
  return CHECKS[type as BrowserTrainerToHost['type']](raw) ? (raw as unknown as BrowserTrainerToHost) : `${type}: malformed`;
}
