import type { EvalMetrics, StepMetrics } from '../engine/train/metrics';
import type { DidAppendMetrics, DidSelectConfig, HostToDashboard } from './dashboard';
import type { RunInfo } from './runInfo';

/**
 * How the host's metrics travel to the dashboard webview: one Float64Array per field instead of an object per step.
 * VS Code moves typed arrays between the extension host and a webview as binary, where 10 runs of 100 000 step objects
 * cost seconds of JSON and structured cloning (`npm run bench:dashboard`). Non-numbers travel as NaN; an absent
 * pad_fraction (older runs) too, which the dashboard reads as absent.
 */
export const STEP_FIELDS = ['step', 'loss', 'lr', 'grad_norm', 'grad_norm_clipped', 'tokens', 'pad_fraction', 'tokens_per_sec', 'time_ms'] as const;
export const EVAL_FIELDS = ['step', 'val_loss'] as const;

// A field added to StepMetrics or EvalMetrics must be added above, or this stops compiling.
type Unlisted = Exclude<keyof StepMetrics, (typeof STEP_FIELDS)[number]> | Exclude<keyof EvalMetrics, (typeof EVAL_FIELDS)[number]>;
const everyFieldListed: [Unlisted] extends [never] ? true : never = true;
void everyFieldListed;

export type StepColumns = Record<(typeof STEP_FIELDS)[number], Float64Array>;
export type EvalColumns = Record<(typeof EVAL_FIELDS)[number], Float64Array>;

/** A run of DidSelectConfig, as packed for the wire. */
export interface PackedRun {
  info: RunInfo;
  steps: StepColumns;
  evals: EvalColumns;
}

/** A host message as posted to the webview: DidSelectConfig's runs and DidAppendMetrics' metrics as columns. */
export type PackedHostMessage =
  | Exclude<HostToDashboard, DidSelectConfig | DidAppendMetrics>
  | (Omit<DidSelectConfig, 'runs'> & { runs: PackedRun[] })
  | (Omit<DidAppendMetrics, 'steps' | 'evals'> & { steps: StepColumns; evals: EvalColumns });

function pack<F extends string>(fields: readonly F[], rows: readonly Partial<Record<F, unknown>>[]): Record<F, Float64Array> {
  const columns = {} as Record<F, Float64Array>;
  for (const field of fields) {
    const column = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const value = rows[i][field];
      column[i] = typeof value === 'number' ? value : Number.NaN;
    }
    columns[field] = column;
  }
  return columns;
}

/** The columns' length when `value` holds every field as a Float64Array of one length, else -1. */
function columnsLength(value: unknown, fields: readonly string[]): number {
  if (typeof value !== 'object' || value === null) return -1;
  const columns = value as Record<string, unknown>;
  const first = columns[fields[0]];
  if (!(first instanceof Float64Array)) return -1;
  return fields.every((f) => columns[f] instanceof Float64Array && (columns[f] as Float64Array).length === first.length) ? first.length : -1;
}

/** Whether `value` is columns of `fields`, of one length, whose step column is finite (the other fields may be NaN). */
function areColumns(value: unknown, fields: readonly string[]): boolean {
  if (columnsLength(value, fields) < 0) return false;
  const steps = (value as Record<string, Float64Array>).step;
  for (let i = 0; i < steps.length; i++) if (!Number.isFinite(steps[i])) return false;
  return true;
}

export function isStepColumns(value: unknown): value is StepColumns {
  return areColumns(value, STEP_FIELDS);
}

export function isEvalColumns(value: unknown): value is EvalColumns {
  return areColumns(value, EVAL_FIELDS);
}

export function packSteps(steps: readonly StepMetrics[]): StepColumns {
  return pack(STEP_FIELDS, steps);
}

export function packEvals(evals: readonly EvalMetrics[]): EvalColumns {
  return pack(EVAL_FIELDS, evals);
}

/** What the host posts for `message`. */
export function packHostMessage(message: HostToDashboard): PackedHostMessage {
  switch (message.type) {
    case 'DidSelectConfig':
      return { ...message, runs: message.runs.map((run) => ({ info: run.info, steps: packSteps(run.steps), evals: packEvals(run.evals) })) };
    case 'DidAppendMetrics':
      return { ...message, steps: packSteps(message.steps), evals: packEvals(message.evals) };
    default:
      return message;
  }
}
