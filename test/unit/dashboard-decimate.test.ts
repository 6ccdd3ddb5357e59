import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecimatedLines, decimateMinMax } from '../../webview/charts/decimate';
import { LineColumns } from '../../webview/charts/lineColumns';

function noisyLine(n: number, seed: number): LineColumns {
  let s = seed;
  const random = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const columns = new LineColumns();
  for (let i = 0; i < n; i++) columns.push(i + 1, 4 * Math.exp(-i / 5000) + (random() - 0.5) + (random() < 0.001 ? 50 : 0));
  return columns;
}

/** The lowest and highest point of every bucket, found by a plain scan (the referee for decimateMinMax). */
function bucketExtremes(columns: LineColumns, xMin: number, xMax: number, buckets: number): { x: number; y: number }[] {
  const width = (xMax - xMin) / buckets;
  const lowest = new Map<number, { x: number; y: number }>();
  const highest = new Map<number, { x: number; y: number }>();
  for (const p of columns.toPoints()) {
    if (p.x < xMin || p.x > xMax) continue;
    const b = Math.min(buckets - 1, Math.floor((p.x - xMin) / width));
    if (!lowest.has(b) || p.y < lowest.get(b)!.y) lowest.set(b, p);
    if (!highest.has(b) || p.y > highest.get(b)!.y) highest.set(b, p);
  }
  return [...lowest.values(), ...highest.values()];
}

describe('min-max decimation of line columns', () => {
  it('returns a short series exactly', () => {
    const columns = LineColumns.fromPoints([{ x: 1, y: 3 }, { x: 2, y: -1 }, { x: 5, y: 7 }]);
    assert.deepEqual(decimateMinMax(columns, 1, 5, 2), columns.toPoints());
    assert.deepEqual(decimateMinMax(new LineColumns(), 0, 1, 10), []);
  });

  it('keeps the min and max of every bucket, the first and last points, in x order, at most 2 per bucket', () => {
    const columns = noisyLine(100_000, 7);
    const buckets = 600;
    const drawn = decimateMinMax(columns, 1, 100_000, buckets);
    assert.ok(drawn.length <= 2 * buckets + 2, `${drawn.length} points`);
    assert.ok(drawn.length >= buckets, `${drawn.length} points`);
    assert.deepEqual(drawn[0], columns.point(0));
    assert.deepEqual(drawn[drawn.length - 1], columns.point(columns.length - 1));
    for (let i = 1; i < drawn.length; i++) assert.ok(drawn[i].x > drawn[i - 1].x, `x order at ${i}`);
    const kept = new Set(drawn.map((p) => `${p.x}:${p.y}`));
    for (const p of bucketExtremes(columns, 1, 100_000, buckets)) assert.ok(kept.has(`${p.x}:${p.y}`), `bucket extreme ${JSON.stringify(p)} dropped`);
    const ys = [...columns.ys];
    assert.equal(Math.max(...drawn.map((p) => p.y)), Math.max(...ys));
    assert.equal(Math.min(...drawn.map((p) => p.y)), Math.min(...ys));
  });

  it('decimates only the shown x range, with one point beyond each edge so the line leaves the plot', () => {
    const columns = noisyLine(50_000, 3);
    const drawn = decimateMinMax(columns, 10_000.5, 20_000.5, 100);
    assert.deepEqual(drawn[0], columns.point(9_999));
    assert.deepEqual(drawn[drawn.length - 1], columns.point(20_000));
    assert.ok(drawn.length <= 2 * 100 + 2);
    const kept = new Set(drawn.map((p) => `${p.x}:${p.y}`));
    for (const p of bucketExtremes(columns, 10_000.5, 20_000.5, 100)) assert.ok(kept.has(`${p.x}:${p.y}`));
  });

  it('decimates a line again only when it grew or the range or width changed', () => {
    const columns = noisyLine(10_000, 1);
    const lines = new DecimatedLines();
    const first = lines.points(columns, 1, 10_000, 100);
    assert.equal(lines.points(columns, 1, 10_000, 100), first);
    assert.equal(lines.latest(columns), first);
    columns.push(10_001, 99);
    const grown = lines.points(columns, 1, 10_001, 100);
    assert.notEqual(grown, first);
    assert.deepEqual(grown[grown.length - 1], { x: 10_001, y: 99 });
    assert.notEqual(lines.points(columns, 1, 10_001, 200), grown);
  });

  it('finds the nearest point by binary search over the columns', () => {
    const columns = LineColumns.fromPoints([1, 2, 4, 8].map((x) => ({ x, y: x * 10 })));
    assert.equal(columns.nearestIndex(0), 0);
    assert.equal(columns.nearestIndex(2.9), 1);
    assert.equal(columns.nearestIndex(3.1), 2);
    assert.equal(columns.nearestIndex(100), 3);
    assert.equal(new LineColumns().nearestIndex(1), -1);
  });
});
