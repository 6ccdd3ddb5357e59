import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepMetrics } from '../../src/engine/train/metrics';
import { packSteps } from '../../src/protocol/metricColumns';
import { RunLines, type ChartKind, type SeriesSettings } from '../../webview/charts/series';
import { smoothSeries } from '../../webview/charts/smoothing';
import { SmoothingCache } from '../../webview/charts/smoothingCache';

const noLog: Record<ChartKind, boolean> = { loss: false, lr: false, 'grad-norm': false, throughput: false };
const settings = (smoothing: number): SeriesSettings => ({ xAxis: 'step', smoothing, log: noLog });

function steps(from: number, to: number, seed = 5): StepMetrics[] {
  let s = seed;
  const random = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: to - from + 1 }, (_, i) => {
    const n = from + i;
    return { step: n, loss: 3 * Math.exp(-n / 100) + random(), lr: 0.001, grad_norm: 1 + random(), grad_norm_clipped: 1, tokens: 100, tokens_per_sec: 1000 + random(), time_ms: 10 * n };
  });
}

const smoothedLoss = (lines: RunLines) => lines.lines.loss.find((l) => l.role === 'main')!.columns.ys;

describe('smoothing cache', () => {
  it('gives the same smoothed lines as smoothing afresh, and reuses them when smoothing returns to a weight', () => {
    const history = steps(1, 500);
    const cache = new SmoothingCache();
    const first = new RunLines('r', settings(0.6), cache);
    first.appendSteps(packSteps(history));
    const expected = smoothSeries(history.map((s) => s.loss), 0.6, history.map((s) => s.step));
    assert.deepEqual([...smoothedLoss(first)], expected);
    const cached = cache.series('r/train', 0.6);
    assert.equal(cached.length, 500);
    new RunLines('r', settings(0), cache).appendSteps(packSteps(history));
    const again = new RunLines('r', settings(0.6), cache);
    again.appendSteps(packSteps(history));
    assert.equal(cache.series('r/train', 0.6), cached);
    assert.equal(cached.length, 500, 'read back, not smoothed a second time');
    assert.deepEqual([...smoothedLoss(again)], expected);
  });

  it('smooths only the new steps of a live run, exactly as a whole-history pass would', () => {
    const cache = new SmoothingCache();
    const lines = new RunLines('r', settings(0.9), cache);
    lines.appendSteps(packSteps(steps(1, 300)));
    lines.appendSteps(packSteps(steps(1, 450).slice(300)));
    const whole = steps(1, 450);
    assert.equal(cache.series('r/train', 0.9).length, 450);
    assert.deepEqual([...smoothedLoss(lines)], smoothSeries(whole.map((s) => s.loss), 0.9, whole.map((s) => s.step)));
  });

  it('smooths again from the start when a run’s history differs from the cached one', () => {
    const cache = new SmoothingCache();
    new RunLines('r', settings(0.6), cache).appendSteps(packSteps(steps(1, 200, 5)));
    const other = steps(1, 200, 11);
    const lines = new RunLines('r', settings(0.6), cache);
    lines.appendSteps(packSteps(other));
    assert.deepEqual([...smoothedLoss(lines)], smoothSeries(other.map((s) => s.loss), 0.6, other.map((s) => s.step)));
  });

  it('leaves lines built earlier as they were when it smooths another history or more steps (they hold its values, not copies)', () => {
    const cache = new SmoothingCache();
    const history = steps(1, 200, 5);
    const packed = packSteps(history);
    const sent = [...packed.loss];
    const earlier = new RunLines('r', settings(0.6), cache);
    earlier.appendSteps(packed);
    const expected = smoothSeries(history.map((s) => s.loss), 0.6, history.map((s) => s.step));
    new RunLines('r', settings(0.6), cache).appendSteps(packSteps(steps(1, 200, 11)));
    assert.deepEqual([...smoothedLoss(earlier)], expected, 'a restart of the cached series kept the earlier values');
    earlier.appendSteps(packSteps(steps(1, 260, 5).slice(200)));
    assert.deepEqual([...smoothedLoss(earlier)].slice(0, 200), expected);
    assert.deepEqual([...packed.loss], sent, 'the columns the lines were built from are untouched');
  });

  it('keeps the series of the most recently used weights only', () => {
    const cache = new SmoothingCache(2);
    for (const weight of [0.5, 0.6, 0.7]) new RunLines('r', settings(weight), cache).appendSteps(packSteps(steps(1, 10)));
    assert.equal(cache.series('r/train', 0.7).length, 10);
    assert.equal(cache.series('r/train', 0.5).length, 0, '0.5 was dropped');
  });
});

describe('smoothing changed in place', () => {
  it('gives the same lines and latest values as lines built with the new weight, through on, off and on again', () => {
    const history = steps(1, 400);
    const cache = new SmoothingCache();
    const lines = new RunLines('r', settings(0.6), cache);
    lines.appendSteps(packSteps(history));
    for (const weight of [0.9, 0, 0.6, 0.3]) {
      lines.setSmoothing(weight);
      const fresh = new RunLines('r', settings(weight));
      fresh.appendSteps(packSteps(history));
      for (const kind of ['loss', 'lr', 'grad-norm', 'throughput'] as const) {
        assert.deepEqual(lines.lines[kind].map((l) => [l.key, l.role, [...l.columns.xs], [...l.columns.ys]]), fresh.lines[kind].map((l) => [l.key, l.role, [...l.columns.xs], [...l.columns.ys]]), `${kind} at ${weight}`);
      }
      assert.deepEqual(lines.latest('train'), fresh.latest('train'));
      assert.deepEqual(lines.latest('pre'), fresh.latest('pre'));
    }
  });
});
