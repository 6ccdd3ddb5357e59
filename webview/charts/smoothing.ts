/**
 * TensorBoard's debiased exponential moving average, time-weighted: a point that follows a gap of k steps decays
 * the average by weight^k, so a resumed run or sparse logging is smoothed as if the missing steps had been there.
 * With one point per step it is exactly TensorBoard's formula:
 *   last = last·w + (1 − w)·y;  smoothed = last / (1 − w^n).
 * Non-finite values pass through without touching the average (the next finite value then covers their step), and
 * a constant series stays exactly constant, as in TensorBoard.
 */
export class EmaSmoother {
  private readonly weight: number;
  private last = 0;
  /** Written as a recurrence (debias = debias·w + 1 − w), which equals 1 − w^n for unit gaps. */
  private debias = 0;
  private previousX: number | null = null;
  private firstValue: number | null = null;
  private constant = true;

  /** `weight` in [0, 1): 0 = no smoothing. `unit` is the x distance that counts as one sample. */
  constructor(weight: number, private readonly unit = 1) {
    this.weight = Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 0.999);
  }

  /** Feeds the next point (x ascending) and returns its smoothed value. */
  push(x: number, y: number): number {
    if (!Number.isFinite(y)) return y;
    if (this.firstValue === null) this.firstValue = y;
    else if (y !== this.firstValue) this.constant = false;
    if (this.weight === 0) return y;
    // A repeated or out-of-order x counts as one sample rather than being ignored.
    const gap = this.previousX === null || x <= this.previousX ? 1 : (x - this.previousX) / this.unit;
    this.previousX = x;
    const decay = gap === 1 ? this.weight : Math.pow(this.weight, gap);
    this.last = this.last * decay + (1 - decay) * y;
    this.debias = this.debias * decay + (1 - decay);
    if (this.constant) return y;
    return this.debias > 0 ? this.last / this.debias : y;
  }
}

/** Smooths a whole series at once (see EmaSmoother); `xs` defaults to 0, 1, 2, … */
export function smoothSeries(ys: ArrayLike<number>, weight: number, xs?: ArrayLike<number>, unit = 1): number[] {
  const smoother = new EmaSmoother(weight, unit);
  const out = new Array<number>(ys.length);
  for (let i = 0; i < ys.length; i++) out[i] = smoother.push(xs ? xs[i] : i, ys[i]);
  return out;
}
