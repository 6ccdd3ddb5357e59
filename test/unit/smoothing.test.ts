import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmaSmoother, smoothSeries } from '../../webview/charts/smoothing';

/** TensorBoard's smoothing as written in its scalar dashboard (vz_line_chart2 resmoothDataset), for comparison. */
function tensorBoardSmooth(values: number[], weight: number): number[] {
  let last = 0;
  let numAccum = 0;
  const isConstant = values.every((v) => v === values[0]);
  return values.map((next) => {
    if (isConstant || !Number.isFinite(next)) return next;
    last = last * weight + (1 - weight) * next;
    numAccum++;
    const debiasWeight = weight === 1 ? 1 : 1 - Math.pow(weight, numAccum);
    return last / debiasWeight;
  });
}

function noisySeries(n: number, seed: number): number[] {
  let s = seed;
  const random = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => 4 * Math.exp(-i / 200) + 1.5 + (random() - 0.5) * 0.4);
}

const close = (actual: number[], expected: number[], tolerance = 1e-12) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])), `index ${i}: ${v} vs ${expected[i]}`));
};

describe('EMA smoothing (TensorBoard debiased, time-weighted)', () => {
  it('matches hand-computed debiased values', () => {
    // weight 0.5: last = 0.5, 1.25, 2.125, 3.0625; debias = 0.5, 0.75, 0.875, 0.9375.
    close(smoothSeries([1, 2, 3, 4], 0.5), [1, 1.25 / 0.75, 2.125 / 0.875, 3.0625 / 0.9375]);
  });

  it('equals TensorBoard’s formula on a noisy loss curve for several weights', () => {
    const values = noisySeries(2000, 7);
    for (const weight of [0, 0.3, 0.6, 0.9, 0.99]) close(smoothSeries(values, weight), tensorBoardSmooth(values, weight), 1e-10);
  });

  it('starts at the first value (debiased, not pulled towards zero)', () => {
    assert.equal(smoothSeries([5, 6], 0.9)[0], 5);
  });

  it('weighs a gap of k steps like k repeats of the value after it', () => {
    const gapped = smoothSeries([1, 2, 3], 0.5, [1, 2, 4]);
    const repeated = tensorBoardSmooth([1, 2, 3, 3], 0.5);
    close(gapped, [repeated[0], repeated[1], repeated[3]]);
    assert.ok(Math.abs(gapped[2] - 2.5625 / 0.9375) < 1e-12);
  });

  it('passes non-finite values through; the next finite value covers their step, as after any gap', () => {
    const smoothed = smoothSeries([1, Number.NaN, 2, Number.POSITIVE_INFINITY, 3], 0.5);
    assert.ok(Number.isNaN(smoothed[1]));
    assert.equal(smoothed[3], Number.POSITIVE_INFINITY);
    const reference = tensorBoardSmooth([1, 2, 2, 3, 3], 0.5);
    close([smoothed[0], smoothed[2], smoothed[4]], [reference[0], reference[2], reference[4]]);
  });

  it('keeps a constant series exactly constant', () => {
    const values = Array.from({ length: 500 }, () => 0.1);
    assert.deepEqual(smoothSeries(values, 0.95), values);
  });

  it('returns raw values for weight 0 and clamps weights outside [0, 0.999]', () => {
    assert.deepEqual(smoothSeries([3, 1, 2], 0), [3, 1, 2]);
    assert.deepEqual(smoothSeries([3, 1, 2], -1), [3, 1, 2]);
    const high = smoothSeries([1, 2, 3], 5);
    close(high, tensorBoardSmooth([1, 2, 3], 0.999));
  });

  it('gives the same values pushed one at a time as all at once', () => {
    const values = noisySeries(100, 3);
    const smoother = new EmaSmoother(0.8);
    close(values.map((v, i) => smoother.push(i + 1, v)), smoothSeries(values, 0.8, values.map((_, i) => i + 1)));
  });
});
