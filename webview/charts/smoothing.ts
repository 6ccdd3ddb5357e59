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
  // Numbers with flags, not number | null: V8 then keeps the fields as doubles instead of boxing each step's value.
  private hasPrevious = false;
  private previousX = 0;
  private hasFirst = false;
  private firstValue = 0;
  private constant = true;

  /** `weight` in [0, 1): 0 = no smoothing. `unit` is the x distance that counts as one sample. */
  constructor(weight: number, private readonly unit = 1) {
    this.weight = Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 0.999);
  }

  /** Feeds the next point (x ascending) and returns its smoothed value. */
  push(x: number, y: number): number {
    if (!Number.isFinite(y)) return y;
    if (!this.hasFirst) {
      this.hasFirst = true;
      this.firstValue = y;
    } else if (y !== this.firstValue) this.constant = false;
    if (this.weight === 0) return y;
    // A repeated or out-of-order x counts as one sample rather than being ignored.
    const gap = !this.hasPrevious || x <= this.previousX ? 1 : (x - this.previousX) / this.unit;
    this.hasPrevious = true;
    this.previousX = x;
    const decay = gap === 1 ? this.weight : Math.pow(this.weight, gap);
    this.last = this.last * decay + (1 - decay) * y;
    this.debias = this.debias * decay + (1 - decay);
    if (this.constant) return y;
    return this.debias > 0 ? this.last / this.debias : y;
  }

  /**
   * `push` for every point of `xs` and `ys` in order, each result written to `out` from `offset` on: the same
   * arithmetic with the state held in locals, for 100 000-step histories (a call per step cost most of the smoothing).
   */
  pushColumns(xs: Float64Array, ys: Float64Array, out: Float64Array, offset: number): void {
    const { weight, unit } = this;
    let { last, debias, hasPrevious, previousX, hasFirst, firstValue, constant } = this;
    for (let i = 0; i < ys.length; i++) {
      const x = xs[i];
      const y = ys[i];
      let smoothed = y;
      if (Number.isFinite(y)) {
        if (!hasFirst) {
          hasFirst = true;
          firstValue = y;
        } else if (y !== firstValue) constant = false;
        if (weight !== 0) {
          const gap = !hasPrevious || x <= previousX ? 1 : (x - previousX) / unit;
          hasPrevious = true;
          previousX = x;
          const decay = gap === 1 ? weight : Math.pow(weight, gap);
          last = last * decay + (1 - decay) * y;
          debias = debias * decay + (1 - decay);
          if (!constant && debias > 0) smoothed = last / debias;
        }
      }
      out[offset + i] = smoothed;
    }
    this.last = last;
    this.debias = debias;
    this.hasPrevious = hasPrevious;
    this.previousX = previousX;
    this.hasFirst = hasFirst;
    this.firstValue = firstValue;
    this.constant = constant;
  }
}

/** Smooths a whole series at once (see EmaSmoother); `xs` defaults to 0, 1, 2, … */
export function smoothSeries(ys: ArrayLike<number>, weight: number, xs?: ArrayLike<number>, unit = 1): number[] {
  const smoother = new EmaSmoother(weight, unit);
  const out = new Array<number>(ys.length);
  for (let i = 0; i < ys.length; i++) out[i] = smoother.push(xs ? xs[i] : i, ys[i]);
  return out;
}
