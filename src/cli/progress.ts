import type { AdapterSummary } from '../engine/backends/webgpu/adapter';
import { formatShare, type EvalMetrics, type StepMetrics } from '../engine/train/metrics';

/** A typical terminal's width: the startup line fits in it. */
const LINE_COLUMNS = 80;

/** What the startup lines need of run.json. */
export interface StartedRun {
  name: string;
  parameters: number;
  backend: { name: string; description: string; reason: string; adapter?: AdapterSummary | null };
}

/**
 * The backend line printed when training starts: one terminal line (the backend's description when it fits, its name
 * otherwise); `verbose` adds why it was chosen and the GPU adapter, which run.json also records.
 */
export function backendLines(run: StartedRun, verbose: boolean): string[] {
  const head = `${run.name}: ${run.parameters.toLocaleString('en-US')} parameters on `;
  const described = head + run.backend.description;
  if (!verbose) return [described.length <= LINE_COLUMNS ? described : `${head}${run.backend.name} (--verbose says more)`];
  const adapter = run.backend.adapter;
  return [
    described,
    `why: ${run.backend.reason}`,
    ...(adapter ? [`adapter: ${[adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter((s) => s).join(', ')}` +
      `${adapter.isFallbackAdapter ? ' (software fallback)' : ''}`] : []),
  ];
}

/** Progress output: one redrawn bar on a TTY, plain lines (every `every` steps) otherwise. */
export class Progress {
  private lastLine = 0;
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream, private readonly total: number, private readonly quiet: boolean) {
    this.tty = Boolean(out.isTTY);
  }

  step(m: StepMetrics): void {
    if (this.quiet) return;
    const text = `step ${m.step}/${this.total}  loss ${m.loss.toFixed(4)}  lr ${m.lr.toExponential(2)}  ` +
      `|g| ${m.grad_norm.toFixed(3)}  ${Math.round(m.tokens_per_sec)} tok/s${padText(m)}  ETA ${formatDuration(this.eta(m))}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * m.step) / this.total);
      this.out.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
    } else if (m.step === 1 || m.step === this.total || m.step - this.lastLine >= Math.max(1, Math.floor(this.total / 20))) {
      this.lastLine = m.step;
      this.out.write(`${text}\n`);
    }
  }

  evaluation(m: EvalMetrics): void {
    this.message(`step ${m.step}: val_loss ${m.val_loss.toFixed(4)}`);
  }

  /** A line that must not be overwritten by the bar. */
  message(text: string): void {
    if (this.quiet) return;
    this.out.write(this.tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }

  end(): void {
    if (this.tty && !this.quiet) this.out.write('\n');
  }

  private eta(m: StepMetrics): number {
    return m.step > 0 ? (m.time_ms / m.step) * (this.total - m.step) : 0;
  }
}

/** " (12% pad)" beside tokens/s when the step's batches were padded. */
function padText(m: StepMetrics): string {
  return m.pad_fraction ? ` (${formatShare(m.pad_fraction)} pad)` : '';
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
