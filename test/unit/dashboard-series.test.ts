import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepMetrics } from '../../src/engine/train/metrics';
import { packEvals, packSteps } from '../../src/protocol/metricColumns';
import { RunLines, nearestIndex, previewPoints, type ChartKind, type SeriesSettings, type XAxisMode } from '../../webview/charts/series';

const noLog: Record<ChartKind, boolean> = { loss: false, lr: false, 'grad-norm': false, throughput: false };
const settings = (xAxis: XAxisMode, smoothing = 0.6, log = noLog): SeriesSettings => ({ xAxis, smoothing, log });

function step(n: number, overrides: Partial<StepMetrics> = {}): StepMetrics {
  return { step: n, loss: 3 - n / 10, lr: 0.001 * n, grad_norm: 2, grad_norm_clipped: 1, tokens: 10 * n, tokens_per_sec: 1000, time_ms: 1500 * n, ...overrides };
}

const xs = (lines: RunLines, kind: ChartKind, metric: string, role = 'main') => lines.lines[kind].find((l) => l.metric === metric && l.role === role)?.points.map((p) => p.x);

describe('run series', () => {
  it('places steps on the step, cumulative-token and wall-time axes', () => {
    const steps = [step(1), step(2), step(3)];
    const byStep = new RunLines('r', settings('step'));
    byStep.appendSteps(packSteps(steps));
    assert.deepEqual(xs(byStep, 'loss', 'train'), [1, 2, 3]);
    const byTokens = new RunLines('r', settings('tokens'));
    byTokens.appendSteps(packSteps(steps));
    assert.deepEqual(xs(byTokens, 'loss', 'train'), [10, 30, 60]);
    const byTime = new RunLines('r', settings('time'));
    byTime.appendSteps(packSteps(steps));
    assert.deepEqual(xs(byTime, 'throughput', 'tokens/s'), [1.5, 3, 4.5]);
  });

  it('places an evaluation at the x of its step, even when it arrives in a later batch', () => {
    const lines = new RunLines('r', settings('tokens'));
    lines.appendSteps(packSteps([step(1), step(2)]));
    lines.appendEvals(packEvals([{ step: 2, val_loss: 2.5 }]));
    lines.appendSteps(packSteps([step(3)]));
    lines.appendEvals(packEvals([{ step: 3, val_loss: 2.4 }, { step: 9, val_loss: 1 }]));
    assert.deepEqual(lines.lines.loss.find((l) => l.role === 'eval')?.points, [{ x: 30, y: 2.5 }, { x: 60, y: 2.4 }]);
    assert.deepEqual(lines.latestEval, { step: 9, val_loss: 1 });
  });

  it('ignores steps and evals it already has (a history resend overlapping a live batch)', () => {
    const lines = new RunLines('r', settings('step'));
    lines.appendSteps(packSteps([step(1), step(2)]));
    lines.appendSteps(packSteps([step(2), step(3)]));
    lines.appendEvals(packEvals([{ step: 2, val_loss: 2 }]));
    lines.appendEvals(packEvals([{ step: 2, val_loss: 2 }]));
    assert.deepEqual(xs(lines, 'loss', 'train'), [1, 2, 3]);
    assert.equal(lines.lines.loss.find((l) => l.role === 'eval')?.points.length, 1);
    assert.equal(lines.lastStep, 3);
  });

  it('draws the raw series behind the smoothed one, and only the raw values without smoothing', () => {
    const smoothed = new RunLines('r', settings('step', 0.5));
    smoothed.appendSteps(packSteps([step(1, { loss: 1 }), step(2, { loss: 2 })]));
    assert.deepEqual(smoothed.lines.loss.map((l) => `${l.metric}/${l.role}`), ['train/raw', 'train/main', 'validation/eval']);
    assert.deepEqual(smoothed.lines.loss[1].points.map((p) => p.y), [1, 1.25 / 0.75]);
    assert.deepEqual(smoothed.latest('train'), { step: 2, value: 2, smoothed: 1.25 / 0.75 });
    const raw = new RunLines('r', settings('step', 0));
    raw.appendSteps(packSteps([step(1, { loss: 1 }), step(2, { loss: 2 })]));
    assert.deepEqual(raw.lines.loss.map((l) => l.role), ['main', 'eval']);
    assert.deepEqual(raw.lines.loss[0].points.map((p) => p.y), [1, 2]);
    assert.equal(raw.latest('train')?.smoothed, null);
  });

  it('never smooths the learning rate and marks the post-clip norm as secondary', () => {
    const lines = new RunLines('r', settings('step'));
    lines.appendSteps(packSteps([step(1), step(2)]));
    assert.deepEqual(lines.lines.lr.map((l) => l.role), ['main']);
    assert.deepEqual(lines.lines.lr[0].points.map((p) => p.y), [0.001, 0.002]);
    assert.deepEqual(lines.lines['grad-norm'].map((l) => `${l.metric}/${l.role}/${l.secondary}`),
      ['before clipping/raw/false', 'before clipping/main/false', 'after clipping/raw/true', 'after clipping/main/true', 'clipped step/event/false']);
  });

  it('marks the clipped steps (post-clip norm below pre-clip) at their pre-clip norm, and counts them', () => {
    const lines = new RunLines('r', settings('step'));
    lines.appendSteps(packSteps([step(1, { grad_norm: 2.5, grad_norm_clipped: 0.9999996 }), step(2, { grad_norm: 0.8, grad_norm_clipped: 0.8 }), step(3, { grad_norm: 1.2, grad_norm_clipped: 0.99999 })]));
    assert.deepEqual(lines.lines['grad-norm'].find((l) => l.role === 'event')?.points, [{ x: 1, y: 2.5 }, { x: 3, y: 1.2 }]);
    assert.deepEqual(lines.clipping, { clipped: 2, steps: 3 });
  });

  it('drops values a log axis cannot place, on the log-scaled chart only', () => {
    const lines = new RunLines('r', settings('step', 0, { ...noLog, lr: true }));
    lines.appendSteps(packSteps([step(1, { lr: 0, loss: 0 }), step(2, { lr: 0.5, loss: Number.NaN }), step(3, { lr: 0.2, loss: -1 })]));
    assert.deepEqual(lines.lines.lr[0].points, [{ x: 2, y: 0.5 }, { x: 3, y: 0.2 }]);
    assert.deepEqual(lines.lines.loss[0].points, [{ x: 1, y: 0 }, { x: 3, y: -1 }]);
  });

  it('knows the run’s pace for placing the schedule preview on a tokens or time axis', () => {
    const lines = new RunLines('r', settings('tokens'));
    assert.equal(lines.pace, null);
    lines.appendSteps(packSteps([step(1, { tokens: 100, time_ms: 500 }), step(2, { tokens: 100, time_ms: 1000 })]));
    assert.deepEqual(lines.pace, { tokensPerStep: 100, secondsPerStep: 0.5 });
    assert.deepEqual(previewPoints([0.1, 0.2], settings('tokens'), lines.pace), [{ x: 100, y: 0.1 }, { x: 200, y: 0.2 }]);
    assert.deepEqual(previewPoints([0.1, 0.2], settings('time'), lines.pace), [{ x: 0.5, y: 0.1 }, { x: 1, y: 0.2 }]);
    assert.deepEqual(previewPoints([0.1, 0.2], settings('step'), null), [{ x: 1, y: 0.1 }, { x: 2, y: 0.2 }]);
    assert.equal(previewPoints([0.1, 0.2], settings('tokens'), null), null);
  });

  it('finds the nearest point by x', () => {
    const pts = [1, 2, 4, 8].map((x) => ({ x, y: 0 }));
    assert.equal(nearestIndex(pts, 0), 0);
    assert.equal(nearestIndex(pts, 2.9), 1);
    assert.equal(nearestIndex(pts, 3.1), 2);
    assert.equal(nearestIndex(pts, 100), 3);
    assert.equal(nearestIndex([], 1), -1);
  });

  it('appends 100 000 steps in linear time (seconds at most, even on a loaded machine)', () => {
    const steps = Array.from({ length: 100_000 }, (_, i) => step(i + 1));
    const lines = new RunLines('r', settings('tokens'));
    const start = performance.now();
    lines.appendSteps(packSteps(steps));
    const elapsed = performance.now() - start;
    assert.equal(lines.lines.loss[1].points.length, 100_000);
    assert.ok(elapsed < 3000, `${elapsed} ms`);
  });
});
