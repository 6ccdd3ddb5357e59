import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import { writeFileAtomic } from '../../node/runFolder';
import type { RunInfo } from '../../protocol/runInfo';

/** A metrics.jsonl record: a step line or an eval line, in file order. */
export type MetricsRecord = StepMetrics | EvalMetrics;

/** A run lost with its worker, as now written to its run.json. */
export interface FailedRun {
  info: RunInfo;
  /** Every metric the worker wrote before it went away, in file order. */
  records: MetricsRecord[];
}

/**
 * Marks a run whose worker died as failed in its run.json (atomically), with `reason` and the progress that
 * metrics.jsonl shows; the metrics file itself is left as the worker wrote it.
 */
export function markRunFailed(folder: string, reason: string, known: RunInfo): FailedRun {
  const records = readMetricsRecords(join(folder, 'metrics.jsonl'));
  const info: RunInfo = { ...(readRunInfo(join(folder, 'run.json')) ?? known) };
  const steps = records.filter((r): r is StepMetrics => !('val_loss' in r));
  const evals = records.filter((r): r is EvalMetrics => 'val_loss' in r);
  const last = steps.at(-1);
  if (last) Object.assign(info, { steps_completed: last.step, final_loss: last.loss, tokens_per_sec: meanTokensPerSecond(steps) });
  const lastEval = evals.at(-1);
  if (lastEval) info.final_val_loss = lastEval.val_loss;
  const kept = last ? `; the metrics of steps 1–${last.step} are kept` : '';
  Object.assign(info, { status: 'failed', finished_at: new Date().toISOString(), message: `${reason}${kept}` });
  writeFileAtomic(join(folder, 'run.json'), `${JSON.stringify(info, null, 2)}\n`);
  return { info, records };
}

/** The records of a metrics.jsonl; a line cut short by the crash (the last one) is skipped. */
export function readMetricsRecords(file: string): MetricsRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const records: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as MetricsRecord);
    } catch {
      break;
    }
  }
  return records;
}

function readRunInfo(file: string): RunInfo | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
  } catch {
    return null;
  }
}

/** Tokens over training time, as the run writer computes it. */
function meanTokensPerSecond(steps: StepMetrics[]): number {
  let tokens = 0;
  let ms = 0;
  for (const s of steps) {
    tokens += s.tokens;
    ms += (1000 * s.tokens) / Math.max(1e-9, s.tokens_per_sec);
  }
  return tokens / Math.max(1e-9, ms / 1000);
}
