import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { includeValues, quantileSorted, robustRange } from '../../webview/charts/autoscale';

const points = (ys: number[]) => ys.map((y, x) => ({ x, y }));

describe('robust autoscale', () => {
  it('takes numpy’s linear-interpolated quantiles', () => {
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
    assert.equal(quantileSorted([7], 0.9), 7);
  });

  it('leaves an isolated spike off-range but keeps it for fit all', () => {
    const ys = Array.from({ length: 1000 }, (_, i) => 1 + (i % 10) / 100);
    ys[500] = 1e4;
    const robust = robustRange([points(ys)], false);
    assert.ok(robust);
    assert.ok(robust.max < 1.3, `max ${robust.max}`);
    assert.ok(robust.min > 0.9 && robust.min < 1, `min ${robust.min}`);
    assert.equal(robust.clipped, true);
    const all = robustRange([points(ys)], true);
    assert.ok(all && all.max >= 1e4 && !all.clipped);
  });

  it('keeps a slow trend such as the initial loss descent fully in view', () => {
    const ys = Array.from({ length: 2000 }, (_, i) => 1.5 + 2.5 * Math.exp(-i / 300));
    const range = robustRange([points(ys)], false);
    assert.ok(range);
    assert.equal(range.clipped, false);
    assert.ok(range.max >= 4 && range.min <= 1.5, JSON.stringify(range));
  });

  it('pads by 5 % of the range and never below zero for non-negative data', () => {
    const range = robustRange([points([0, 10])], true);
    assert.deepEqual(range, { min: 0, max: 10.5, clipped: false });
    const shifted = robustRange([points([2, 12])], true);
    assert.deepEqual(shifted, { min: 1.5, max: 12.5, clipped: false });
  });

  it('works in log10 space on a logarithmic axis and ignores values ≤ 0', () => {
    const range = robustRange([points([0, -1, 1e-4, 1e-3, 1e-2])], true, { log: true });
    assert.ok(range);
    const margin = 0.05 * 2;
    assert.ok(Math.abs(Math.log10(range.min) - (-4 - margin)) < 1e-9);
    assert.ok(Math.abs(Math.log10(range.max) - (-2 + margin)) < 1e-9);
  });

  it('puts a flat series mid-chart and returns null without data', () => {
    assert.deepEqual(robustRange([points([3, 3, 3])], false), { min: 2.7, max: 3.3, clipped: false });
    assert.equal(robustRange([points([]), points([Number.NaN])], false), null);
  });

  it('combines several series and samples long ones without losing their spread', () => {
    const long = Array.from({ length: 300_000 }, (_, i) => (i % 1000) / 1000);
    const range = robustRange([points(long), points([5])], true);
    assert.ok(range && range.max >= 5 && range.min === 0);
    const sampled = robustRange([points(long)], false, { maxSamples: 1000 });
    assert.ok(sampled && sampled.min === 0 && sampled.max > 0.9 && sampled.max < 1.1, JSON.stringify(sampled));
  });

  it('widens a range to include reference lines', () => {
    const range = includeValues({ min: 0.2, max: 0.5, clipped: true }, [1]);
    assert.ok(range && range.max > 1 && range.min <= 0.2 && range.clipped);
    assert.deepEqual(includeValues({ min: 0, max: 2, clipped: false }, [1]), { min: 0, max: 2, clipped: false });
    assert.equal(includeValues(null, []), null);
  });
});
