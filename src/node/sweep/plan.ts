import { applyOverrides, formatDiagnostic } from '../../config';
import { parseJsonConfig } from '../../config/parseJson';
import { parseYamlConfig } from '../../config/parseYaml';
import { LineIndex } from '../../config/sourceMap';
import { sweepSpecOf, type SweepSpec } from '../../config/sweep';
import { sweepTrials, type TrialValues } from '../../config/sweepTrials';
import type { LabConfig } from '../../config/types';
import { prepareData } from '../../engine/data/prepare';
import { formatMemory } from '../../engine/memoryEstimate';
import { UserError, loadConfigFile, type LoadedConfig } from '../configFile';
import { readDatasetFiles } from '../dataFiles';
import { dataFacts, estimateRun, fitsBudget, keyPosition, memoryBudget, type DataFacts } from '../memoryCheck';
import { userFacing } from '../userFacing';

/** What `losslab sweep` (or Run Sweep) was asked beyond the config. */
export interface SweepPlanOptions {
  configFile: string;
  /** Overrides every trial shares, e.g. { 'training.steps': 20 } from --steps. */
  overrides?: Record<string, unknown>;
  /** --parallel: overrides sweep.parallel. */
  parallel?: number;
  /** --seed: overrides sweep.seed (and the config's seed) for random draws. */
  seed?: number;
  /** --max-memory: the budget the trials training at once must fit in together. */
  maxMemoryBytes?: number;
}

/** A sweep whose every trial config is valid and whose parallel trials fit in memory: ready to train. */
export interface SweepPlan {
  loaded: LoadedConfig;
  spec: SweepSpec;
  seed: number;
  parallel: number;
  trials: TrialValues[];
  overrides: Record<string, unknown>;
}

/** The config's sweep block (defaults filled in), or null when it has none; the config must have loaded without errors. */
export function sweepBlockOf(loaded: Pick<LoadedConfig, 'source' | 'file'>): SweepSpec | null {
  const lines = new LineIndex(loaded.source);
  const document = /\.json$/i.test(loaded.file) ? parseJsonConfig(loaded.source, lines) : parseYamlConfig(loaded.source, lines);
  return sweepSpecOf(document.value);
}

/** "optimizer.lr=0.003, schedule.warmup_steps=0": a trial's values as --set would write them. */
export function describeValues(values: TrialValues): string {
  return Object.entries(values).map(([key, value]) => `${key}=${String(value)}`).join(', ');
}

/**
 * Reads the config and its sweep block and checks, before anything trains: the block (located), every trial's full
 * config (a bad trial is named with its values), every trial's memory, and that `parallel` trials fit together.
 */
export async function planSweep(options: SweepPlanOptions): Promise<SweepPlan> {
  const overrides = options.overrides ?? {};
  const loaded = await loadConfigFile(options.configFile, overrides);
  const spec = sweepBlockOf(loaded);
  if (!spec) {
    throw new UserError(`${options.configFile}: has no sweep block to run; add one, e.g.\nsweep:\n  parameters:\n    optimizer.lr: [0.001, 0.003, 0.01]`);
  }
  const seed = options.seed ?? spec.seed ?? loaded.config.seed;
  const trials = sweepTrials(spec, seed);
  const configs = trialConfigs(loaded, overrides, trials);
  const parallel = options.parallel ?? spec.parallel;
  await checkTrialMemory(loaded, configs, trials, { parallel, fromFlag: options.parallel !== undefined, maxMemoryBytes: options.maxMemoryBytes });
  return { loaded, spec, seed, parallel, trials, overrides };
}

/** Every trial's resolved config; all bad trials at once, each named by its number and values, with its problems located. */
function trialConfigs(loaded: LoadedConfig, overrides: Record<string, unknown>, trials: TrialValues[]): LabConfig[] {
  const configs: LabConfig[] = [];
  const refusals: string[] = [];
  trials.forEach((values, index) => {
    const result = applyOverrides(loaded.source, loaded.file, { ...overrides, ...values });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (result.config && errors.length === 0) configs.push(result.config);
    else refusals.push(`trial ${index + 1} (${describeValues(values)}) is not a valid config:\n${errors.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`);
  });
  if (refusals.length > 0) throw new UserError(`${refusals.join('\n')}\nnothing was trained; change the sweep's values or the config`);
  return configs;
}

/**
 * Each trial must fit the memory budget alone (named when it does not), and the `parallel` largest together; when
 * they do not, the refusal says how many would.
 */
async function checkTrialMemory(
  loaded: LoadedConfig, configs: LabConfig[], trials: TrialValues[], options: { parallel: number; fromFlag: boolean; maxMemoryBytes?: number },
): Promise<void> {
  const facts = new Map<string, DataFacts>();
  const peaks: number[] = [];
  for (const [index, config] of configs.entries()) {
    const dataKey = JSON.stringify(config.data);
    let known = facts.get(dataKey);
    if (!known) {
      known = await userFacing(async () => dataFacts(config, prepareData(config, await readDatasetFiles(config))));
      facts.set(dataKey, known);
    }
    const estimate = estimateRun(config, known);
    const budget = memoryBudget(config, options.maxMemoryBytes);
    if (!fitsBudget(estimate, budget)) {
      throw new UserError(`trial ${index + 1} (${describeValues(trials[index])}) would need about ${formatMemory(estimate.peakBytes)} at its peak, more than the ${formatMemory(budget.bytes)} allowed (${budget.source}); nothing was trained`);
    }
    peaks.push(estimate.peakBytes);
  }
  const budget = memoryBudget(loaded.config, options.maxMemoryBytes);
  const largest = [...peaks].sort((a, b) => b - a);
  const together = (n: number) => largest.slice(0, n).reduce((sum, bytes) => sum + bytes, 0);
  const atOnce = Math.min(options.parallel, trials.length);
  if (together(atOnce) <= budget.bytes) return;
  let fits = atOnce - 1;
  while (fits > 1 && together(fits) > budget.bytes) fits--;
  const where = options.fromFlag ? `--parallel ${options.parallel}` : (() => {
    const at = keyPosition(loaded.source, loaded.file, 'sweep.parallel');
    return `${loaded.file}:${at.line}:${at.column}: error: sweep.parallel`;
  })();
  throw new UserError(`${where}: ${atOnce} trials training at once would need about ${formatMemory(together(atOnce))} together (the largest trial ${formatMemory(largest[0])}), `
    + `more than the ${formatMemory(budget.bytes)} allowed (${budget.source}); parallel ${fits} fits${fits === 1 ? ' (one trial at a time)' : ''}. Nothing was trained.`);
}
