// The one-line summary of a run (final loss, tokens/s, backend), the same in the chart output, its text/plain
// fallback and the compare overlay. No VS Code API: the renderer bundles it too.
import { formatShare } from '../../engine/train/metrics';
import type { OutputRun, RunSummary } from './outputData';

/** "finished 200/200 steps · final loss 1.234 (validation 1.301) · 12,345 tokens/s · backend cpu" */
export function summaryLine(summary: RunSummary): string {
  const parts = [`${summary.status} ${summary.steps}/${summary.totalSteps} steps`];
  if (summary.finalLoss !== null) {
    const val = summary.finalValLoss !== null ? ` (validation ${formatLoss(summary.finalValLoss)})` : '';
    parts.push(`final loss ${formatLoss(summary.finalLoss)}${val}`);
  }
  if (summary.tokensPerSec !== null) parts.push(`${Math.round(summary.tokensPerSec).toLocaleString('en-US')} tokens/s${paddingText(summary)}`);
  if (summary.backend) parts.push(`backend ${summary.backend}`);
  if (summary.message && summary.status !== 'finished') parts.push(summary.message);
  return parts.join(' · ');
}

/** " (12% padding)" when the run's batches were padded. */
function paddingText(summary: RunSummary): string {
  return typeof summary.padFraction === 'number' && summary.padFraction > 0 ? ` (${formatShare(summary.padFraction)} padding)` : '';
}

/** "name: <summary line>", one per run. */
export function runsSummaryText(runs: readonly OutputRun[]): string {
  return runs.map((run) => `${run.name}: ${summaryLine(run.summary)}`).join('\n');
}

export function formatLoss(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}
