import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvalMetrics, StepMetrics } from '../../src/engine/train/metrics';
import type { RunMetricsEvent } from '../../src/extension/training/events';
import { MetricsBatcher, type BatcherClock } from '../../src/extension/training/metricsBatcher';

/** A clock whose time moves only when the test says so; due timers fire in order. */
class FakeClock implements BatcherClock {
  time = 0;
  private timers: Array<{ at: number; callback: () => void; id: number }> = [];
  private nextId = 0;

  now(): number {
    return this.time;
  }

  schedule(callback: () => void, ms: number): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, callback, id });
    return () => (this.timers = this.timers.filter((t) => t.id !== id));
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = end;
  }

  get pending(): number {
    return this.timers.length;
  }
}

const step = (n: number): StepMetrics => ({ step: n, loss: 1 / n, lr: 0.001, grad_norm: 1, grad_norm_clipped: 1, tokens: 64, tokens_per_sec: 1000, time_ms: n });
const evaluation = (n: number): EvalMetrics => ({ step: n, val_loss: 2 / n });
const event = (runId: string, steps: StepMetrics[], evals: EvalMetrics[] = []): RunMetricsEvent => ({ runId, configFile: `/c/${runId}.lab.yaml`, steps, evals });

function setup(rate = 30) {
  const clock = new FakeClock();
  const emitted: Array<RunMetricsEvent & { at: number }> = [];
  let currentRate = rate;
  const batcher = new MetricsBatcher((e) => emitted.push({ ...e, at: clock.now() }), () => currentRate, clock);
  return { clock, emitted, batcher, setRate: (r: number) => (currentRate = r) };
}

describe('MetricsBatcher', () => {
  it('emits at most `rate` times a second under a flood, dropping and reordering nothing', () => {
    const { clock, emitted, batcher } = setup(30);
    let n = 0;
    // 1000 steps a second for 3 seconds, an eval every 100 steps.
    for (let ms = 0; ms < 3000; ms++) {
      n++;
      batcher.add(event('a', [step(n)], n % 100 === 0 ? [evaluation(n)] : []));
      clock.advance(1);
    }
    clock.advance(1000);
    for (let start = 0; start < 4000; start += 50) {
      const inWindow = emitted.filter((e) => e.at >= start && e.at < start + 1000).length;
      assert.ok(inWindow <= 30, `${inWindow} emissions in [${start}, ${start + 1000}) ms`);
    }
    assert.ok(emitted.length >= 85, `kept up with the rate (${emitted.length} emissions)`);
    assert.deepEqual(emitted.flatMap((e) => e.steps.map((s) => s.step)), Array.from({ length: 3000 }, (_, i) => i + 1));
    assert.deepEqual(emitted.flatMap((e) => e.evals.map((s) => s.step)), Array.from({ length: 30 }, (_, i) => (i + 1) * 100));
    assert.ok(emitted.every((e) => e.runId === 'a' && e.configFile === '/c/a.lab.yaml'));
  });

  it('emits a lone batch at once, and coalesces what arrives within the interval', () => {
    const { clock, emitted, batcher } = setup(10);
    batcher.add(event('a', [step(1)]));
    clock.advance(0);
    assert.deepEqual(emitted.map((e) => e.steps.map((s) => s.step)), [[1]]);
    batcher.add(event('a', [step(2)]));
    clock.advance(40);
    batcher.add(event('a', [step(3), step(4)], [evaluation(4)]));
    clock.advance(59);
    assert.equal(emitted.length, 1, 'nothing before 100 ms have passed at 10/s');
    clock.advance(1);
    assert.deepEqual(emitted.map((e) => [e.at, e.steps.map((s) => s.step), e.evals.map((s) => s.step)]), [[0, [1], []], [100, [2, 3, 4], [4]]]);
    assert.equal(clock.pending, 0, 'no timer left when idle');
  });

  it('shares the rate between runs, serving the run that waited longest first', () => {
    const { clock, emitted, batcher } = setup(20);
    batcher.add(event('a', [step(1)]));
    clock.advance(0);
    batcher.add(event('b', [step(1)]));
    batcher.add(event('a', [step(2)]));
    batcher.add(event('b', [step(2)]));
    clock.advance(49);
    assert.equal(emitted.length, 1);
    clock.advance(1);
    clock.advance(50);
    assert.deepEqual(emitted.map((e) => [e.at, e.runId, e.steps.map((s) => s.step)]), [[0, 'a', [1]], [50, 'b', [1, 2]], [100, 'a', [2]]]);
  });

  it('flush emits a run at once (its run ended) and the rate holds for the rest', () => {
    const { clock, emitted, batcher } = setup(10);
    batcher.add(event('a', [step(1)]));
    clock.advance(0);
    batcher.add(event('a', [step(2)], [evaluation(2)]));
    batcher.add(event('b', [step(7)]));
    clock.advance(10);
    batcher.flush('a');
    assert.deepEqual(emitted.map((e) => [e.at, e.runId, e.steps.map((s) => s.step), e.evals.length]), [[0, 'a', [1], 0], [10, 'a', [2], 1]]);
    batcher.flush('a');
    assert.equal(emitted.length, 2, 'a second flush has nothing to send');
    clock.advance(200);
    assert.deepEqual(emitted.slice(2).map((e) => [e.runId, e.steps.map((s) => s.step)]), [['b', [7]]]);
  });

  it('reads the rate each time, clamped to 1..60 per second', () => {
    const { clock, emitted, batcher, setRate } = setup(1000);
    for (let ms = 0; ms < 1000; ms++) {
      batcher.add(event('a', [step(ms + 1)]));
      clock.advance(1);
    }
    assert.ok(emitted.length <= 60 && emitted.length >= 55, `${emitted.length} emissions at a requested 1000/s`);
    setRate(0);
    const before = emitted.length;
    for (let ms = 0; ms < 3000; ms++) {
      batcher.add(event('a', [step(2000 + ms)]));
      clock.advance(1);
    }
    assert.ok(emitted.length - before <= 4, `${emitted.length - before} emissions in 3 s at a requested 0/s`);
    setRate(Number.NaN);
    clock.advance(5000);
    assert.equal(emitted.flatMap((e) => e.steps).length, 4000);
  });

  it('copies what it is given, ignores empty batches, and dispose drops the timer', () => {
    const { clock, emitted, batcher } = setup(30);
    const steps = [step(1)];
    batcher.add(event('a', []));
    clock.advance(100);
    assert.equal(emitted.length, 0);
    batcher.add(event('a', steps));
    steps.push(step(99));
    clock.advance(0);
    assert.deepEqual(emitted[0].steps.map((s) => s.step), [1]);
    batcher.add(event('a', [step(2)]));
    batcher.dispose();
    clock.advance(1000);
    assert.equal(emitted.length, 1);
    assert.equal(clock.pending, 0);
  });

  it('holds the rate when timers fire early, and on the real clock', async () => {
    class EarlyClock extends FakeClock {
      override schedule(callback: () => void, ms: number): () => void {
        return super.schedule(callback, Math.max(1, ms - 3)); // early, but time still moves on
      }
    }
    const clock = new EarlyClock();
    const times: number[] = [];
    const early = new MetricsBatcher(() => times.push(clock.now()), () => 30, clock);
    for (let ms = 0; ms < 2000; ms++) {
      early.add(event('a', [step(ms + 1)]));
      clock.advance(1);
    }
    assert.ok(times.every((t, i) => i === 0 || t - times[i - 1] >= 1000 / 30), 'never two emissions within 1/30 s');

    const stamps: number[] = [];
    const real = new MetricsBatcher(() => stamps.push(performance.now()), () => 20);
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < 500) {
      real.add(event('a', [step(++n)]));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    real.dispose();
    assert.ok(stamps.length >= 5 && stamps.length <= 11, `${stamps.length} emissions in 0.5 s at 20/s`);
    assert.ok(stamps.every((t, i) => i === 0 || t - stamps[i - 1] >= 49), 'at least 50 ms apart');
  });

  it('a listener that throws does not strand later metrics', () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    const batcher = new MetricsBatcher((e) => {
      seen.push(...e.steps.map((s) => s.step));
      if (e.runId === 'a') throw new Error('listener bug');
    }, () => 30, clock);
    batcher.add(event('a', [step(1)]));
    batcher.add(event('b', [step(5)]));
    assert.throws(() => clock.advance(0), /listener bug/);
    clock.advance(100);
    assert.deepEqual(seen, [1, 5]);
  });
});
