import type { StepMetrics } from '../../engine/train/metrics';
import type { RunInfo } from '../../protocol/runInfo';

/** What the status bar item shows; `tone` picks its background. */
export interface StatusView {
  text: string;
  tooltip: string;
  tone: 'normal' | 'warning' | 'error';
}

/** The status bar while a run trains or is paused: `$(sync~spin) Loss Lab step 120/300 · loss 1.234 · 5.1k tok/s · cpu`. */
export function activeRunStatus(info: RunInfo, latest: StepMetrics | undefined, othersActive: number): StatusView {
  const step = `${latest?.step ?? info.steps_completed}/${info.total_steps}`;
  const more = othersActive > 0 ? ` (+${othersActive} more)` : '';
  if (info.status === 'paused') {
    return { text: `$(debug-pause) Loss Lab paused at step ${step} · ${info.backend.name}${more}`, tooltip: tooltip(info), tone: 'warning' };
  }
  const parts = [`step ${step}`];
  if (latest) parts.push(`loss ${formatLoss(latest.loss)}`, `${formatRate(latest.tokens_per_sec)} tok/s`);
  parts.push(info.backend.name);
  return { text: `$(sync~spin) Loss Lab ${parts.join(' · ')}${more}`, tooltip: tooltip(info), tone: 'normal' };
}

/** The status bar for a few seconds after a run ended. */
export function endedRunStatus(info: RunInfo): StatusView {
  const step = `${info.steps_completed}/${info.total_steps}`;
  const loss = info.final_loss !== null ? ` · loss ${formatLoss(info.final_loss)}` : '';
  switch (info.status) {
    case 'finished':
      return { text: `$(check) Loss Lab finished ${step}${loss}`, tooltip: tooltip(info), tone: 'normal' };
    case 'stopped':
      return { text: `$(debug-stop) Loss Lab stopped at step ${step}${loss}`, tooltip: tooltip(info), tone: 'normal' };
    case 'paused':
      return { text: `$(debug-pause) Loss Lab paused at step ${step}: the GPU failed, resume on the CPU`, tooltip: tooltip(info), tone: 'warning' };
    default:
      return { text: `$(error) Loss Lab failed at step ${step}`, tooltip: tooltip(info), tone: 'error' };
  }
}

/** 512 → "512", 5140 → "5.1k", 2300000 → "2.3M". */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–';
  if (perSecond < 999.5) return String(Math.round(perSecond));
  if (perSecond < 999_950) return `${(perSecond / 1000).toFixed(1)}k`;
  return `${(perSecond / 1e6).toFixed(1)}M`;
}

/** Four significant digits, as loss curves are read: 1.234, 0.01234, 1234. */
export function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? String(Number(loss.toPrecision(4))) : String(loss);
}

function tooltip(info: RunInfo): string {
  const lines = [`${info.name} — ${info.config_file}`, `Backend: ${info.backend.description} (${info.backend.reason})`];
  if (info.message) lines.push(info.message);
  lines.push('Click to open the dashboard');
  return lines.join('\n');
}
