import type { EvalMetrics, StepMetrics } from '../engine/train/metrics';

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
      `|g| ${m.grad_norm.toFixed(3)}  ${Math.round(m.tokens_per_sec)} tok/s  ETA ${formatDuration(this.eta(m))}`;
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

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
