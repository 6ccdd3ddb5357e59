import assert from 'node:assert/strict';
import type { Backend } from '../../src/engine/backend';

/** Φ(x) in float64 at points down the lower tail, where GELU = x·Φ(x) is tiny, and one above zero. */
const NORMAL_CDF: [number, number][] = [
  [-3, 1.3498980316300946e-3], [-5, 2.866515718791939e-7], [-6, 9.865876450376946e-10], [-8, 6.22096057427178e-16], [2, 0.9772498680518208],
];

/**
 * The backend's GELU and its slope Φ(x) + x·φ(x) at those points, each within a relative error: a GELU that takes
 * Φ as ½(1 + erf) cancels to 0 there.
 */
export async function assertGeluLowerTail(backend: Backend): Promise<void> {
  const n = NORMAL_CDF.length;
  const x = backend.upload(Float32Array.from(NORMAL_CDF, ([v]) => v)), y = backend.alloc('f32', n), slope = backend.alloc('f32', n);
  backend.kernels.activationForward('gelu', x, y, slope, n);
  const [values, slopes] = [await backend.read(y, 'f32'), await backend.read(slope, 'f32')];
  [x, y, slope].forEach((s) => backend.release(s));
  NORMAL_CDF.forEach(([v, cdf], i) => {
    const value = v * cdf, derivative = cdf + (v * Math.exp(-v * v / 2)) / Math.sqrt(2 * Math.PI);
    assert.ok(Math.abs(values[i] - value) <= 1.5e-2 * Math.abs(value), `${backend.name} gelu(${v}) = ${values[i]}, expected ${value}`);
    assert.ok(Math.abs(slopes[i] - derivative) <= 1e-3 * Math.abs(derivative), `${backend.name} gelu'(${v}) = ${slopes[i]}, expected ${derivative}`);
  });
}
