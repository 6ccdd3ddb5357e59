import { parameterRow, type ParameterNorms } from '../../engine/train/gradNormGrid';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';

/** The columns of an export, in this order in every file. */
export const METRIC_COLUMNS = [
  'run_id', 'config_name', 'step', 'loss', 'val_loss', 'lr', 'grad_norm', 'grad_norm_clipped', 'tokens', 'tokens_per_sec', 'time_ms',
  'pad_fraction',
] as const;

export type MetricColumn = (typeof METRIC_COLUMNS)[number];

/** One (run, step): null where the run recorded nothing (no evaluation at that step, or an evaluation only). */
export type MetricRow = { [K in MetricColumn]: K extends 'run_id' | 'config_name' ? string : K extends 'step' ? number : number | null } & {
  /** The step's pre-clip norm of each parameter (grad_norms.jsonl), when the export asks for them. */
  grad_norms?: Record<string, number>;
};

/** The column of a parameter's pre-clip gradient norm, e.g. "grad_norm:transformer.wte.weight". */
export const gradNormColumn = (parameter: string): string => `grad_norm:${parameter}`;

/** The metrics of one run, as export input. */
export interface RunMetrics {
  runId: string;
  configName: string;
  steps: readonly StepMetrics[];
  evals: readonly EvalMetrics[];
  /** Per-parameter norms to export as columns (only when asked for: the file grows by a column per parameter). */
  gradNorms?: readonly ParameterNorms[];
}

/**
 * One row per (run, step): the step's record with the evaluation of the same step merged in as val_loss. Runs keep
 * the order given, steps ascend; when a step was recorded twice (a resumed run) the later record wins.
 */
export function metricRows(runs: readonly RunMetrics[]): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const run of runs) {
    const byStep = new Map<number, MetricRow>();
    const row = (step: number): MetricRow => {
      let r = byStep.get(step);
      if (!r) {
        r = { run_id: run.runId, config_name: run.configName, step, loss: null, val_loss: null, lr: null, grad_norm: null,
          grad_norm_clipped: null, tokens: null, tokens_per_sec: null, time_ms: null, pad_fraction: null };
        byStep.set(step, r);
      }
      return r;
    };
    for (const s of run.steps) {
      Object.assign(row(s.step), { loss: s.loss, lr: s.lr, grad_norm: s.grad_norm, grad_norm_clipped: s.grad_norm_clipped,
        tokens: s.tokens, tokens_per_sec: s.tokens_per_sec, time_ms: s.time_ms, pad_fraction: s.pad_fraction ?? null });
    }
    for (const e of run.evals) row(e.step).val_loss = e.val_loss;
    for (const record of run.gradNorms ?? []) row(record.step).grad_norms = { ...record.norms };
    rows.push(...[...byStep.values()].sort((a, b) => a.step - b.step));
  }
  return rows;
}

/** RFC 4180 quoting: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Every parameter the rows hold a norm of, in layer order (embeddings, each layer, the output): the extra columns. */
export function gradNormParameters(rows: readonly MetricRow[]): string[] {
  const seen = new Map<string, number>();
  for (const row of rows) for (const name of Object.keys(row.grad_norms ?? {})) if (!seen.has(name)) seen.set(name, seen.size);
  return [...seen.keys()].sort((a, b) => {
    const [x, y] = [parameterRow(a).order, parameterRow(b).order];
    return x[0] - y[0] || x[1] - y[1] || (seen.get(a) as number) - (seen.get(b) as number);
  });
}

/** A row's cells: the metric columns, then a norm column per parameter (null where the step recorded none). */
function cells(row: MetricRow, parameters: readonly string[]): [string, string | number | null][] {
  return [...METRIC_COLUMNS.map((c) => [c, row[c]] as [string, string | number | null]), ...parameters.map((p) => [gradNormColumn(p), row.grad_norms?.[p] ?? null] as [string, number | null])];
}

/**
 * A header line and one line per row, `\n`-terminated; numbers in JavaScript's shortest round-trip form, nulls empty.
 * Rows with per-parameter norms add a `grad_norm:<parameter>` column each, after the metric columns.
 */
export function toCsv(rows: readonly MetricRow[]): string {
  const parameters = gradNormParameters(rows);
  const header = [...METRIC_COLUMNS, ...parameters.map(gradNormColumn)].map(csvField).join(',');
  const lines = [header, ...rows.map((r) => cells(r, parameters).map(([, value]) => csvField(value)).join(','))];
  return `${lines.join('\n')}\n`;
}

/** One JSON object per row with the columns in order (nulls kept, so every line has every key), norm columns as in CSV. */
export function toJsonl(rows: readonly MetricRow[]): string {
  const parameters = gradNormParameters(rows);
  return rows.map((r) => `${JSON.stringify(Object.fromEntries(cells(r, parameters)))}\n`).join('');
}
