import { rmSync } from 'node:fs';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import type { RunInfo } from '../../protocol/runInfo';
import { RunFolderError } from './checks';
import { runFile } from './layout';
import { lockHeldByThisProcess } from './lock';
import { readMetrics, readRunInfo } from './reader';
import { writeFileAtomic } from './writer';

/** A run lost with the thread that wrote it, as now recorded. */
export interface FailedRun {
  info: RunInfo;
  /** Every metric the writer recorded before it went away. */
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/**
 * Records as failed a run whose writer died inside this process (a worker thread): run.json takes `reason` and the
 * progress metrics.jsonl shows, and the lock the dead thread held for this process is released, so the run can be
 * resumed. The metrics are left as written. `known` stands in for a run.json that cannot be read.
 */
export function markRunFailed(folder: string, reason: string, known: RunInfo): FailedRun {
  let info: RunInfo;
  try {
    info = { ...readRunInfo(folder) };
  } catch (error) {
    if (!(error instanceof RunFolderError)) throw error;
    info = { ...known };
  }
  let records: { steps: StepMetrics[]; evals: EvalMetrics[] };
  try {
    records = readMetrics(folder);
  } catch (error) {
    if (!(error instanceof RunFolderError)) throw error;
    records = { steps: [], evals: [] };
    reason = `${reason} (${error.message})`;
  }
  const { steps, evals } = records;
  const last = steps.at(-1);
  Object.assign(info, { steps_completed: last?.step ?? 0, final_loss: last?.loss ?? null, tokens_per_sec: last ? meanTokensPerSecond(steps) : null });
  const lastEval = evals.at(-1);
  if (lastEval) info.final_val_loss = lastEval.val_loss;
  const kept = last ? `; the metrics of steps 1–${last.step} are kept` : '';
  Object.assign(info, { status: 'failed', finished_at: new Date().toISOString(), message: `${reason}${kept}` });
  writeFileAtomic(runFile(folder, 'info'), `${JSON.stringify(info, null, 2)}\n`);
  if (lockHeldByThisProcess(folder)) rmSync(runFile(folder, 'lock'), { force: true });
  return { info, steps, evals };
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
