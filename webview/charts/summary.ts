import { clipCountText } from '../../src/engine/train/gradNormGrid';
import { formatShare, type EvalMetrics } from '../../src/engine/train/metrics';
import { formatValue } from './format';
import type { LatestValue, RunLines } from './series';

/** The latest values of one run, as the text summaries read them. */
export interface RunLatest {
  /** How the run is named to the reader, e.g. "run 03:15:02". */
  label: string;
  train: LatestValue | null;
  val: EvalMetrics | null;
  lr: LatestValue | null;
  preClip: LatestValue | null;
  postClip: LatestValue | null;
  throughput: LatestValue | null;
  /** Mean share of padded target positions per step; null for runs recorded before pad_fraction. */
  padding?: number | null;
  /** How many of its steps were clipped; absent where not counted. */
  clipping?: { clipped: number; steps: number };
}

/** The schedule preview as the learning-rate summary describes it. */
export interface SchedulePreviewSummary {
  lrs: readonly number[];
  gradClip: number;
  error: string | null;
}

export function runLatest(label: string, lines: RunLines, padding: number | null = null): RunLatest {
  return {
    label, train: lines.latest('train'), val: lines.latestEval, lr: lines.latest('lr'),
    preClip: lines.latest('pre'), postClip: lines.latest('post'), throughput: lines.latest('tps'), padding, clipping: lines.clipping,
  };
}

/** "Loss: train 1.234 at step 120 (smoothed 1.250); validation 1.301 at step 100." */
export function lossSummary(runs: readonly RunLatest[]): string {
  return perRun('Loss', runs, (r) => {
    if (!r.train) return null;
    const val = r.val ? `; validation ${formatValue(r.val.val_loss)} at step ${r.val.step}` : '';
    return `train ${valueAt(r.train)}${val}`;
  });
}

/** "Learning rate: 2.98e-3 at step 31; previewed schedule over 200 steps: peak 3.00e-3 at step 20, 3.00e-4 at step 200." */
export function learningRateSummary(runs: readonly RunLatest[], schedule: SchedulePreviewSummary | null): string {
  const actual = perRun('Learning rate', runs, (r) => (r.lr ? `${formatValue(r.lr.value)} at step ${r.lr.step}` : null));
  if (!schedule) return actual;
  const { lrs, error } = schedule;
  if (lrs.length === 0) return `${actual} No schedule preview: ${error ?? 'the config has no steps'}.`;
  let peak = 0;
  for (let i = 1; i < lrs.length; i++) if (lrs[i] > lrs[peak]) peak = i;
  const preview = `Previewed schedule over ${lrs.length} steps: peak ${formatValue(lrs[peak])} at step ${peak + 1}, ${formatValue(lrs[lrs.length - 1])} at step ${lrs.length}.`;
  const stale = error ? ` The config has an error, so this is the last valid preview: ${error}` : '';
  return `${actual} ${preview}${stale}`;
}

/** "Gradient norm: before clipping 0.853 at step 120 (smoothed 0.900), after clipping 0.853 …; clip threshold 1.000." */
export function gradientNormSummary(runs: readonly RunLatest[], gradClip: number | null): string {
  const text = perRun('Gradient norm', runs, (r) => {
    if (!r.preClip) return null;
    const clipped = r.clipping ? clipCountText(r.clipping.clipped, r.clipping.steps) : null;
    return `before clipping ${valueAt(r.preClip)}${r.postClip ? `, after clipping ${valueAt(r.postClip)}` : ''}${clipped ? `; ${clipped}` : ''}`;
  });
  if (gradClip === null) return text;
  return `${text} ${gradClip > 0 ? `Clip threshold ${formatValue(gradClip)}.` : 'No clipping.'}`;
}

/** "Tokens/s: 12,345 at step 120 (smoothed 12,000); padding 23% of target positions." */
export function throughputSummary(runs: readonly RunLatest[]): string {
  return perRun('Tokens/s', runs, (r) => {
    if (!r.throughput) return null;
    const padding = typeof r.padding === 'number' ? `; padding ${formatShare(r.padding)} of target positions` : '';
    return `${valueAt(r.throughput)}${padding}`;
  });
}

function valueAt(v: LatestValue): string {
  const smoothed = v.smoothed !== null && Number.isFinite(v.smoothed) ? ` (smoothed ${formatValue(v.smoothed)})` : '';
  return `${formatValue(v.value)} at step ${v.step}${smoothed}`;
}

// One run reads as "Loss: …."; several name each run: "Loss, 2 runs. run A: …. run B: …."
function perRun(title: string, runs: readonly RunLatest[], describe: (r: RunLatest) => string | null): string {
  const parts = runs.map((r) => ({ label: r.label, text: describe(r) })).filter((p): p is { label: string; text: string } => p.text !== null);
  if (parts.length === 0) return `${title}: no steps yet.`;
  if (parts.length === 1 && runs.length === 1) return `${title}: ${parts[0].text}.`;
  return `${title}, ${parts.length} runs. ${parts.map((p) => `${p.label}: ${p.text}.`).join(' ')}`;
}
