import { statSync } from 'node:fs';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { parseJsonConfig } from '../config/parseJson';
import { parseYamlConfig } from '../config/parseYaml';
import { LineIndex, pathKey } from '../config/sourceMap';
import type { BackendChoice, LabConfig } from '../config/types';
import type { PreparedData } from '../engine/data/prepare';
import { dataTokenCount, estimateMemory, formatMemory, type MemoryBackend, type MemoryEstimate, type MemoryPart } from '../engine/memoryEstimate';
import { UserError, type LoadedConfig } from './configFile';

/** Share of the free memory a run may plan to use when neither the config nor --max-memory sets a limit. */
export const DEFAULT_MEMORY_SHARE = 0.75;
const MiB = 1024 ** 2;

/** The most memory a run may need, and where that number comes from (for the refusal's wording). */
export interface MemoryBudget {
  bytes: number;
  source: string;
}

/** Where the run's tensors live for a backend choice: `auto` is estimated as the CPU path, which holds them all in RAM. */
export function memoryBackendOf(choice: BackendChoice): MemoryBackend {
  if (choice === 'cpu-reference') return 'cpu-reference';
  return choice === 'webgpu' ? 'webgpu' : 'wasm';
}

/** What the estimate needs from loaded data, counted once. */
export interface DataFacts {
  vocabSize: number;
  dataTokens: number;
  dataTextBytes: number;
}

export function dataFacts(config: LabConfig, data: PreparedData): DataFacts {
  const textBytes = fileSize(config.data.train) + (config.data.val === null ? 0 : fileSize(config.data.val));
  return { vocabSize: data.vocab.size, dataTokens: dataTokenCount(data), dataTextBytes: textBytes };
}

/** The estimate for a config whose data is loaded: the vocabulary and token counts come from the data. */
export function estimateRun(config: LabConfig, facts: DataFacts): MemoryEstimate {
  return estimateMemory({ config, ...facts, backend: memoryBackendOf(config.backend), threads: Math.min(availableParallelism(), 64) });
}

/** `--max-memory SIZE`: a number of MiB, or with a unit (K, M, G, T; KB, MiB, GiB, … all in powers of 1024). */
export function parseMemorySize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$/i.exec(text);
  const value = match ? Number(match[1]) : NaN;
  if (!match || !(value > 0)) throw new UserError(`--max-memory ${text}: expected a size such as 800M, 2G or 1536 (MiB)`);
  const unit = match[2].toUpperCase();
  const scale = unit === 'K' ? 1024 : unit === 'G' ? 1024 ** 3 : unit === 'T' ? 1024 ** 4 : MiB;
  return Math.round(value * scale);
}

/** The limit: --max-memory, else training.max_memory_mb, else a share of the free memory (and of a cgroup's limit). */
export function memoryBudget(config: LabConfig, flagBytes?: number): MemoryBudget {
  if (flagBytes !== undefined) return { bytes: flagBytes, source: `--max-memory ${formatMemory(flagBytes)}` };
  const configured = config.training.max_memory_mb ?? 0;
  if (configured > 0) return { bytes: configured * MiB, source: `training.max_memory_mb ${configured}` };
  // The process already holds the runtime and the data, which the estimate counts too.
  const usable = freemem() + process.memoryUsage().rss;
  const constrained = process.constrainedMemory?.() ?? 0;
  const total = constrained > 0 && constrained < totalmem() ? Math.min(usable, constrained) : usable;
  return { bytes: DEFAULT_MEMORY_SHARE * total, source: `three quarters of the ${formatMemory(total)} free now; training.max_memory_mb or --max-memory sets another limit` };
}

/** The estimate's largest parts, as validate and the refusal print them: "activations and their gradients 1.9 GiB, …". */
export function largestParts(estimate: MemoryEstimate, count = 3, tensorsOnly = false): string {
  return estimate.parts.filter((p) => !tensorsOnly || p.tensors).slice(0, count).map((p) => `${p.name} ${formatMemory(p.bytes)}`).join(', ');
}

/**
 * Refuses, before the model is built, a run whose estimated peak passes the budget: the error sits at the config line
 * that sizes the largest part and says what would fit.
 */
export function checkMemory(loaded: LoadedConfig, data: PreparedData, budget: MemoryBudget): MemoryEstimate {
  const facts = dataFacts(loaded.config, data);
  const estimate = estimateRun(loaded.config, facts);
  if (fitsBudget(estimate, budget)) return estimate;
  const largest = estimate.parts[0];
  const advice = adviceFor(loaded.config, facts, budget, largest);
  const where = keyPosition(loaded.source, loaded.file, advice.key);
  const wasm = estimate.wasm;
  const why = wasm && wasm.bytes > wasm.limitBytes
    ? `its tensors would need about ${formatMemory(wasm.bytes)} (${largestParts(estimate, 3, true)}), more than the ${formatMemory(wasm.limitBytes)} one WebAssembly memory of the cpu backend holds` +
      (loaded.config.backend === 'auto' ? ' (backend: auto is estimated as the cpu backend; backend: webgpu keeps them on a GPU)' : '')
    : `this run would need about ${formatMemory(estimate.peakBytes)} at its peak (${largestParts(estimate)}), more than the ${formatMemory(budget.bytes)} allowed (${budget.source})`;
  throw new UserError(`${loaded.file}:${where.line}:${where.column}: error: ${advice.key}: ${why}. ${advice.text}`);
}

/** Whether the estimate is within the budget and, on the wasm backend, within one WebAssembly memory. */
export function fitsBudget(estimate: MemoryEstimate, budget: MemoryBudget): boolean {
  return estimate.peakBytes <= budget.bytes && (estimate.wasm === null || estimate.wasm.bytes <= estimate.wasm.limitBytes);
}

interface Advice {
  key: string;
  text: string;
}

/**
 * What would fit, searched downwards: the largest batch_size, else context, else d_model (with d_ff 4×), else
 * batch_size 1 with the largest d_model. The key named is the one to change first.
 */
function adviceFor(config: LabConfig, facts: DataFacts, budget: MemoryBudget, largest: MemoryPart): Advice {
  const fits = (changed: LabConfig) => fitsBudget(estimateRun(changed, facts), budget);
  const withBatch = (c: LabConfig, batch: number): LabConfig => ({ ...c, training: { ...c.training, batch_size: batch } });
  const withModel = (c: LabConfig, model: Partial<LabConfig['model']>): LabConfig => ({ ...c, model: { ...c.model, ...model } });
  const heads = config.model.n_heads;
  const withWidth = (c: LabConfig, units: number) => withModel(c, { d_model: units * heads, d_ff: 4 * units * heads });
  const smallest = withWidth(withModel(withBatch(config, 1), { context: 2 }), 1);
  if (!fits(smallest)) {
    const floor = estimateRun(smallest, facts);
    return { key: largest.key, text: `Even the smallest model needs about ${formatMemory(floor.peakBytes)} here (${largestParts(floor, 2)}): raise the limit or free memory.` };
  }
  const batch = largestFitting(config.training.batch_size - 1, (b) => fits(withBatch(config, b)));
  if (batch !== null) {
    return { key: 'training.batch_size', text: `batch_size ${batch} fits (grad_accumulation ${Math.ceil(config.training.batch_size / batch)} keeps about the same batch per update).` };
  }
  const context = largestFitting(config.model.context - 1, (t) => t >= 2 && fits(withModel(config, { context: t })));
  if (context !== null && context >= 2) return { key: 'model.context', text: `context ${context} fits.` };
  const vocabulary = `the vocabulary has ${facts.vocabSize.toLocaleString('en-US')} tokens`;
  const units = largestFitting(Math.floor((config.model.d_model - 1) / heads), (w) => fits(withWidth(config, w)));
  if (units !== null) return { key: 'model.d_model', text: `d_model ${units * heads} (with d_ff ${4 * units * heads}) fits; ${vocabulary}.` };
  const unitsAtBatchOne = largestFitting(Math.floor(config.model.d_model / heads), (w) => fits(withWidth(withBatch(config, 1), w)));
  if (unitsAtBatchOne !== null) {
    return { key: 'model.d_model', text: `batch_size 1 with d_model ${unitsAtBatchOne * heads} (d_ff ${4 * unitsAtBatchOne * heads}) fits; ${vocabulary}.` };
  }
  return { key: largest.key, text: 'Lower training.batch_size, model.context and model.d_model together, or raise the limit.' };
}

/** The largest n in [1, upTo] for which `fits(n)` holds (it holds for all smaller n when it holds for n), or null. */
function largestFitting(upTo: number, fits: (n: number) => boolean): number | null {
  if (upTo < 1 || !fits(1)) return null;
  let low = 1;
  let high = upTo;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The 1-based line and column of a dotted key in the config text; the start of the file when it is not written there. */
export function keyPosition(source: string, file: string, dottedKey: string): { line: number; column: number } {
  const lines = new LineIndex(source);
  const document = /\.json$/i.test(file) ? parseJsonConfig(source, lines) : parseYamlConfig(source, lines);
  const path = dottedKey.split('.');
  for (let depth = path.length; depth > 0; depth--) {
    const location = document.locations.get(pathKey(path.slice(0, depth)));
    if (location) return lines.position((location.key ?? location.value)[0]);
  }
  return { line: 1, column: 1 };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export { formatMemory };
