import type { SweepSummary, SweepTrial } from '../sweepFolder';

const ORDER: Record<SweepTrial['status'], number> = { finished: 0, pruned: 1, stopped: 2, running: 3, pending: 4, failed: 5 };

/** Trials best first: finished by the metric, then pruned (by their metric at early_stop.at_step), then the rest. */
export function rankedTrials(summary: SweepSummary): SweepTrial[] {
  const byMetric = (a: SweepTrial, b: SweepTrial) => (a.metric ?? Infinity) - (b.metric ?? Infinity) || a.index - b.index;
  return [...summary.trials].sort((a, b) => ORDER[a.status] - ORDER[b.status] || byMetric(a, b));
}

/** The trials as a plain-text table, best first, one column per swept key. */
export function sweepTable(summary: SweepSummary): string {
  const keys = Object.keys(summary.parameters);
  const header = ['trial', ...keys, summary.metric, 'status', 'steps', 'run'];
  const rows = rankedTrials(summary).map((t) => [
    String(t.index + 1), ...keys.map((k) => String(t.values[k])), t.metric === null ? '–' : t.metric.toFixed(4), t.status, String(t.step), t.run_id || '–',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "best: trial 3 (optimizer.lr=0.003): val_loss 2.1034, run .losslab/runs/story/…" or why there is none. */
export function bestLine(summary: SweepSummary): string {
  const best = summary.best;
  if (!best) return 'best: none yet (no trial has finished)';
  const trial = summary.trials.find((t) => t.run_dir === best.run_dir);
  const values = Object.entries(best.values).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  return `best: trial ${trial ? trial.index + 1 : '?'} (${values}): ${summary.metric} ${best.metric.toFixed(4)}, run ${best.run_dir}`;
}
