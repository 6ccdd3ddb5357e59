import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';

/** The columns of an export, in this order in every file. */
export const METRIC_COLUMNS = [
  'run_id', 'config_name', 'step', 'loss', 'val_loss', 'lr', 'grad_norm', 'grad_norm_clipped', 'tokens', 'tokens_per_sec', 'time_ms',
  'pad_fraction',
] as const;

export type MetricColumn = (typeof METRIC_COLUMNS)[number];

/** One (run, step): null where the run recorded nothing (no evaluation at that step, or an evaluation only). */
export type MetricRow = { [K in MetricColumn]: K extends 'run_id' | 'config_name' ? string : K extends 'step' ? number : number | null };

/** The metrics of one run, as export input. */
export interface RunMetrics {
  runId: string;
  configName: string;
  steps: readonly StepMetrics[];
  evals: readonly EvalMetrics[];
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

/** A header line and one line per row, `\n`-terminated; numbers in JavaScript's shortest round-trip form, nulls empty. */
export function toCsv(rows: readonly MetricRow[]): string {
  const lines = [METRIC_COLUMNS.join(','), ...rows.map((r) => METRIC_COLUMNS.map((c) => csvField(r[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

/** One JSON object per row with the columns in order (nulls kept, so every line has every key). */
export function toJsonl(rows: readonly MetricRow[]): string {
  return rows.map((r) => `${JSON.stringify(Object.fromEntries(METRIC_COLUMNS.map((c) => [c, r[c]])))}\n`).join('');
}
