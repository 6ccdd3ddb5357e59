import type { RunMetricsEvent } from './events';

/** Time and timers, injectable so tests can run the batcher on a fake clock. */
export interface BatcherClock {
  now(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  schedule(callback: () => void, ms: number): () => void;
}

export const systemClock: BatcherClock = {
  now: () => performance.now(),
  schedule: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

const MIN_RATE = 1;
const MAX_RATE = 60;
const DEFAULT_RATE = 30;

/**
 * Coalesces runs' metrics into at most `rate()` emissions a second (losslab.metricsRate), dropping and reordering
 * nothing: each emission carries everything one run has pending, the run that has waited longest first.
 */
export class MetricsBatcher {
  // Insertion order is the order runs started waiting, which is the order they are served.
  private readonly pending = new Map<string, RunMetricsEvent>();
  private lastEmit = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly emit: (event: RunMetricsEvent) => void,
    private readonly rate: () => number,
    private readonly clock: BatcherClock = systemClock,
  ) {}

  add(event: RunMetricsEvent): void {
    if (event.steps.length === 0 && event.evals.length === 0) return;
    const batch = this.pending.get(event.runId);
    if (batch) {
      batch.steps.push(...event.steps);
      batch.evals.push(...event.evals);
    } else {
      this.pending.set(event.runId, { runId: event.runId, configFile: event.configFile, steps: [...event.steps], evals: [...event.evals] });
    }
    this.scheduleNext();
  }

  /** Emits a run's pending metrics now, whatever the rate (its run ended: listeners get every metric before the end). */
  flush(runId: string): void {
    const batch = this.pending.get(runId);
    if (!batch) return;
    this.pending.delete(runId);
    this.send(batch);
  }

  /** Stops the timer and forgets what is pending. */
  dispose(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.pending.clear();
  }

  private scheduleNext(): void {
    if (this.cancelTimer || this.pending.size === 0) return;
    this.cancelTimer = this.clock.schedule(() => {
      this.cancelTimer = null;
      // Timers may fire a little early; emitting only once a whole interval has passed keeps the rate a true bound.
      if (this.waitMs() > 0) return this.scheduleNext();
      const [oldest] = this.pending.values();
      try {
        if (oldest) {
          this.pending.delete(oldest.runId);
          this.send(oldest);
        }
      } finally {
        this.scheduleNext(); // a listener that throws must not strand the other runs' metrics
      }
    }, this.waitMs());
  }

  private waitMs(): number {
    return Math.max(0, this.lastEmit + this.intervalMs() - this.clock.now());
  }

  private send(batch: RunMetricsEvent): void {
    this.lastEmit = this.clock.now();
    this.emit(batch);
  }

  private intervalMs(): number {
    const rate = this.rate();
    const perSecond = Number.isFinite(rate) ? Math.min(MAX_RATE, Math.max(MIN_RATE, rate)) : DEFAULT_RATE;
    return Math.ceil(1000 / perSecond);
  }
}
