/** What one redraw should do besides refreshing the charts and their words (header, summaries, run list). */
export interface RedrawWork {
  /** Recompute the robust y ranges (sorts a sample of every line). */
  rescale: boolean;
}

/** Time and frame sources (the browser's, or a fake clock in tests). */
export interface SchedulerClock {
  now(): number;
  frame(callback: () => void): void;
  timer(callback: () => void, ms: number): void;
}

/** Intervals of the scheduler, in ms. */
export interface SchedulerIntervals {
  rescale: number;
  /** A redraw is followed by a pause of this multiple of its own cost (keeps the UI responsive on huge runs). */
  costFactor: number;
}

const DEFAULT_INTERVALS: SchedulerIntervals = { rescale: 400, costFactor: 2 };

/**
 * Decides when the dashboard redraws. Urgent requests (new config, settings) redraw everything on the next frame.
 * Live appends redraw at most once a frame and, when a redraw is slow (100 000-point runs), no sooner than twice its
 * cost after the last, so the panel stays responsive. The words are redrawn with the charts, so they never lag them;
 * rescaling is rate-limited, and a rescale a redraw skipped is done once the data goes quiet.
 */
export class RedrawScheduler {
  private framePending = false;
  private gapTimerPending = false;
  private trailTimerPending = false;
  private urgent = false;
  private lastEnd = -Infinity;
  private lastCost = 0;
  private lastRescale = -Infinity;

  constructor(
    private readonly draw: (work: RedrawWork) => void,
    private readonly clock: SchedulerClock,
    private readonly intervals: SchedulerIntervals = DEFAULT_INTERVALS,
  ) {}

  request(urgent: boolean): void {
    if (urgent) this.urgent = true;
    if (this.framePending) return;
    const wait = urgent ? 0 : this.lastEnd + this.intervals.costFactor * this.lastCost - this.clock.now();
    if (wait <= 0) {
      this.scheduleFrame();
    } else if (!this.gapTimerPending) {
      this.gapTimerPending = true;
      this.clock.timer(() => {
        this.gapTimerPending = false;
        this.scheduleFrame();
      }, wait);
    }
  }

  private scheduleFrame(): void {
    if (this.framePending) return;
    this.framePending = true;
    this.clock.frame(() => this.run());
  }

  private run(): void {
    this.framePending = false;
    const start = this.clock.now();
    const work: RedrawWork = { rescale: this.urgent || start - this.lastRescale >= this.intervals.rescale };
    this.urgent = false;
    if (work.rescale) this.lastRescale = start;
    this.draw(work);
    this.lastEnd = this.clock.now();
    this.lastCost = this.lastEnd - start;
    if (!work.rescale && !this.trailTimerPending) {
      const due = this.lastRescale + this.intervals.rescale;
      this.trailTimerPending = true;
      this.clock.timer(() => {
        this.trailTimerPending = false;
        this.request(false);
      }, Math.max(0, due - this.lastEnd));
    }
  }
}
