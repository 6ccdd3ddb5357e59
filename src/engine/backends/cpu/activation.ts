import type { ActivationKind } from '../../backend';

type F32 = Float32Array;

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TANH_K = Math.sqrt(2 / Math.PI);
const TANH_C = 0.044715;

/**
 * erfc(x) from its Chebyshev fit (Numerical Recipes), fractional error below 1.2e-7 everywhere. GELU takes
 * Φ(x) = erfc(−x/√2)/2 from it: ½(1 + erf) would cancel to nothing in the lower tail, where x·Φ(x) is tiny.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const tail = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? tail : 2 - tail;
}

/** y = act(x) and slope = act′(x). */
export function activationForward(kind: ActivationKind, x: F32, y: F32, slope: F32, n: number): void {
  switch (kind) {
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const cdf = 0.5 * erfc(-v * SQRT_HALF);
        y[i] = v * cdf;
        slope[i] = cdf + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
      }
      return;
    case 'gelu_tanh':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const th = Math.tanh(TANH_K * (v + TANH_C * v * v * v));
        const dInner = TANH_K * (1 + 3 * TANH_C * v * v);
        y[i] = 0.5 * v * (1 + th);
        slope[i] = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * dInner;
      }
      return;
    case 'relu':
      for (let i = 0; i < n; i++) {
        y[i] = x[i] > 0 ? x[i] : 0;
        slope[i] = x[i] > 0 ? 1 : 0;
      }
      return;
  }
}
