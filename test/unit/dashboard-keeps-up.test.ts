import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepMetrics } from '../../src/engine/train/metrics';
import { packEvals, packSteps } from '../../src/protocol/metricColumns';
import type { RunInfo } from '../../src/protocol/runInfo';
import { RunLines } from '../../webview/charts/series';
import { throughputSummary } from '../../webview/charts/summary';
import { dashboardText } from '../../webview/dashboard/dashboardText';
import { DashboardModel, DashboardRun } from '../../webview/dashboard/model';
import { RedrawScheduler, type SchedulerClock } from '../../webview/dashboard/redrawScheduler';
import { meanPadding, meanThroughput, runRowText } from '../../webview/dashboard/status';

const RUN = '20261207-120000-abcd';
const SETTINGS = { xAxis: 'step' as const, smoothing: 0, log: { loss: false, lr: false, 'grad-norm': false, throughput: false } };

// run.json as last saved (at most once a second): six steps behind the metrics that followed it.
const savedInfo: RunInfo = {
  id: RUN, name: 'arithmetic', config_file: '/lab/arithmetic.lab.yaml', status: 'running',
  backend: { name: 'wasm', description: 'CPU (WebAssembly SIMD)', reason: 'auto' }, versions: { losslab: '0', node: 'v20' },
  started_at: '', finished_at: null, steps_completed: 6, total_steps: 60, parameters: 1, vocab_size: 12,
  final_loss: 2.5, final_val_loss: null, tokens_per_sec: 900, message: null,
};

// padFraction null: a line written before pad_fraction was recorded.
const step = (n: number, padFraction: number | null = 0.25): StepMetrics => ({
  step: n, loss: 3 - n / 10, lr: 0.001, grad_norm: 1, grad_norm_clipped: 1, tokens: 100, tokens_per_sec: 1000 + 100 * n, time_ms: 50 * n,
  ...(padFraction === null ? {} : { pad_fraction: padFraction }),
});

function fakeClock(): { clock: SchedulerClock; advance(ms: number): void; runFrames(): number } {
  let now = 0;
  let frames: (() => void)[] = [];
  let timers: { at: number; run: () => void }[] = [];
  return {
    clock: { now: () => now, frame: (f) => void frames.push(f), timer: (f, ms) => void timers.push({ at: now + ms, run: f }) },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.run();
    },
    runFrames() {
      const pending = frames;
      frames = [];
      for (const f of pending) f();
      return pending.length;
    },
  };
}

describe('the dashboard keeps up with the chart while a run trains', () => {
  it('says the newest step in the header, summaries and run table after every metrics batch, ahead of run.json', () => {
    const model = new DashboardModel();
    const lines = new Map<string, RunLines>();
    const fake = fakeClock();
    // What Dashboard.draw does each frame: the charts from `lines`, then the words.
    const drawn: { chartStep: number | undefined; status: string; loss: string; throughput: string; row: string }[] = [];
    const scheduler = new RedrawScheduler((work) => {
      // A frame's work says only whether to rescale: nothing in it can hold the words back from the charts.
      assert.deepEqual(Object.keys(work), ['rescale']);
      const text = dashboardText(model, lines);
      const run = model.run(RUN)!;
      drawn.push({ chartStep: lines.get(RUN)?.latest('train')?.step, status: text.status, loss: text.summaries.loss, throughput: text.summaries.throughput, row: runRowText(run).steps });
    }, fake.clock);
    model.apply({ type: 'DidSelectConfig', configFile: '/lab/arithmetic.lab.yaml', configName: 'arithmetic', backendNote: null, schedule: null,
      runs: [{ info: savedInfo, steps: packSteps([1, 2, 3, 4, 5, 6].map((n) => step(n))), evals: packEvals([]) }] });
    const runLines = new RunLines(RUN, SETTINGS);
    runLines.appendSteps(model.run(RUN)!.steps);
    lines.set(RUN, runLines);
    scheduler.request(true);
    fake.runFrames();
    assert.equal(drawn[0].status, `Training run ${RUN}: step 6 of 60.`);

    for (let n = 7; n <= 12; n++) {
      fake.advance(50);
      const change = model.apply({ type: 'DidAppendMetrics', runId: RUN, steps: packSteps([step(n)]), evals: packEvals([]) });
      assert.equal(change.kind, 'append');
      if (change.kind === 'append') lines.get(RUN)!.appendSteps(change.steps);
      scheduler.request(false);
      assert.equal(fake.runFrames(), 1, `batch ${n} is drawn on the next frame`);
      const last = drawn[drawn.length - 1];
      assert.equal(last.chartStep, n);
      assert.equal(last.status, `Training run ${RUN}: step ${n} of 60.`);
      assert.match(last.loss, new RegExp(`at step ${n}\\b`));
      assert.match(last.throughput, new RegExp(`at step ${n}; padding 25% of target positions\\.$`));
      assert.equal(last.row, `${n} / 60`);
    }
    assert.equal(model.run(RUN)!.info.steps_completed, 6, 'no run.json update came in between');
    assert.equal(dashboardText(model, lines).busy, true);
    model.apply({ type: 'DidUpdateRun', info: { ...savedInfo, status: 'finished', steps_completed: 60 } });
    assert.equal(dashboardText(model, lines).busy, false);
  });

  it('keeps running totals that equal a pass over every step, across appends and a new history', () => {
    const steps: StepMetrics[] = [step(1, 0.5), step(2, null), step(3, 0.1)];
    const full = (all: StepMetrics[]) => all.reduce((n, s) => n + s.tokens, 0) / all.reduce((n, s) => n + s.tokens / s.tokens_per_sec, 0);
    assert.ok(Math.abs(meanPadding(packSteps(steps))! - 0.3) < 1e-12);
    assert.equal(meanThroughput(packSteps(steps)), full(steps));
    for (let n = 4; n <= 1000; n++) steps.push(step(n, n % 2 ? 0.2 : 0.4));
    assert.ok(Math.abs(meanThroughput(packSteps(steps))! - full(steps)) < 1e-9);
    assert.ok(Math.abs(meanPadding(packSteps(steps))! - (0.5 + 0.1 + 0.2 * 498 + 0.4 * 499) / 999) < 1e-12);
    const older = [step(1, null), step(2, null)];
    assert.equal(meanPadding(packSteps(older)), null);
    assert.equal(runRowText(new DashboardRun(savedInfo, packSteps(older), packEvals([]))).padding, '—');
    assert.equal(runRowText(new DashboardRun(savedInfo)).steps, '6 / 60');
  });

  it('leaves padding out of the tokens/s summary for runs recorded before pad_fraction', () => {
    const throughput = { step: 4, value: 1200, smoothed: null };
    const base = { label: 'run A', train: null, val: null, lr: null, preClip: null, postClip: null, throughput };
    assert.equal(throughputSummary([{ ...base, padding: null }]), 'Tokens/s: 1,200 at step 4.');
    assert.equal(throughputSummary([{ ...base, padding: 0.034 }]), 'Tokens/s: 1,200 at step 4; padding 3.4% of target positions.');
  });
});
