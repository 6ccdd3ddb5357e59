import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packEvals, packSteps } from '../../src/protocol/metricColumns';
import type { RunInfo } from '../../src/protocol/runInfo';
import { durationStep, formatDuration, formatTick, formatValue, isLogTickLabelled } from '../../webview/charts/format';
import { RunLines } from '../../webview/charts/series';
import { gradientNormSummary, learningRateSummary, lossSummary, runLatest, throughputSummary, type RunLatest } from '../../webview/charts/summary';
import { backendText, meanThroughput, runStatusText, runTimeLabel } from '../../webview/dashboard/status';

const latest = (overrides: Partial<RunLatest>): RunLatest => ({ label: 'run A', train: null, val: null, lr: null, preClip: null, postClip: null, throughput: null, ...overrides });

const info = (overrides: Partial<RunInfo> = {}): RunInfo => ({
  id: '20261129-031502-3fa2', name: 'story', config_file: '/lab/story.lab.yaml', status: 'running',
  backend: { name: 'cpu', description: 'CPU (TypeScript reference kernels, 1 thread)', reason: 'auto: no WebGPU adapter passed the self-test' },
  versions: { losslab: '0.1.0', node: 'v20' }, started_at: '', finished_at: null, steps_completed: 10, total_steps: 200,
  parameters: 1, vocab_size: 1, final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null, ...overrides,
});

describe('value formatting', () => {
  it('writes metric values with 4 significant digits, small ones in exponent form, large ones grouped', () => {
    assert.equal(formatValue(1.23456), '1.235');
    assert.equal(formatValue(0.853), '0.8530');
    assert.equal(formatValue(0.0003), '3.00e-4');
    assert.equal(formatValue(12345.6), '12,346');
    assert.equal(formatValue(0), '0');
    assert.equal(formatValue(Number.NaN), 'NaN');
  });

  it('writes compact ticks and durations', () => {
    assert.equal(formatTick(12000), '12k');
    assert.equal(formatTick(1_500_000), '1.5M');
    assert.equal(formatTick(0.25), '0.25');
    assert.equal(formatTick(0.0003), '3e-4');
    assert.equal(formatDuration(65), '1:05');
    assert.equal(formatDuration(3725), '1:02:05');
  });
});

describe('chart summaries', () => {
  it('describes the loss of one run: train with its smoothed value, and validation', () => {
    const text = lossSummary([latest({ train: { step: 120, value: 1.234, smoothed: 1.25 }, val: { step: 100, val_loss: 1.301 } })]);
    assert.equal(text, 'Loss: train 1.234 at step 120 (smoothed 1.250); validation 1.301 at step 100.');
  });

  it('names each run when several are shown, and says when there is nothing yet', () => {
    const text = lossSummary([latest({ label: 'run B', train: { step: 5, value: 2, smoothed: null } }), latest({ label: 'run A', train: { step: 9, value: 1.5, smoothed: null } })]);
    assert.equal(text, 'Loss, 2 runs. run B: train 2.000 at step 5. run A: train 1.500 at step 9.');
    assert.equal(lossSummary([]), 'Loss: no steps yet.');
    assert.equal(throughputSummary([latest({})]), 'Tokens/s: no steps yet.');
  });

  it('describes the learning rate with the previewed schedule’s peak and end', () => {
    const lrs = [1e-3, 2e-3, 3e-3, 2e-3, 1e-3];
    const text = learningRateSummary([latest({ lr: { step: 2, value: 0.002, smoothed: null } })], { lrs, gradClip: 1, error: null });
    assert.equal(text, 'Learning rate: 2.00e-3 at step 2. Previewed schedule over 5 steps: peak 3.00e-3 at step 3, 1.00e-3 at step 5.');
  });

  it('says when the preview is stale because the config has an error, or missing', () => {
    const stale = learningRateSummary([], { lrs: [0.1], gradClip: 0, error: 'line 3: bad' });
    assert.equal(stale, 'Learning rate: no steps yet. Previewed schedule over 1 steps: peak 0.1000 at step 1, 0.1000 at step 1. The config has an error, so this is the last valid preview: line 3: bad');
    assert.equal(learningRateSummary([], { lrs: [], gradClip: 0, error: 'line 1: empty' }), 'Learning rate: no steps yet. No schedule preview: line 1: empty.');
    assert.equal(learningRateSummary([], null), 'Learning rate: no steps yet.');
  });

  it('describes gradient norms before and after clipping with the threshold', () => {
    const run = latest({ preClip: { step: 7, value: 2.5, smoothed: 2 }, postClip: { step: 7, value: 1, smoothed: 1 } });
    assert.equal(gradientNormSummary([run], 1), 'Gradient norm: before clipping 2.500 at step 7 (smoothed 2.000), after clipping 1.000 at step 7 (smoothed 1.000). Clip threshold 1.000.');
    assert.equal(gradientNormSummary([run], 0).endsWith('No clipping.'), true);
    assert.equal(gradientNormSummary([], null), 'Gradient norm: no steps yet.');
  });

  it('reads the latest values from a run’s lines', () => {
    const lines = new RunLines('r', { xAxis: 'step', smoothing: 0, log: { loss: false, lr: false, 'grad-norm': false, throughput: false } });
    lines.appendSteps(packSteps([{ step: 1, loss: 2, lr: 0.1, grad_norm: 3, grad_norm_clipped: 1, tokens: 8, tokens_per_sec: 12345, time_ms: 5 }]));
    lines.appendEvals(packEvals([{ step: 1, val_loss: 2.2 }]));
    const run = runLatest('run r', lines);
    assert.equal(throughputSummary([run]), 'Tokens/s: 12,345 at step 1.');
    assert.equal(lossSummary([run]), 'Loss: train 2.000 at step 1; validation 2.200 at step 1.');
  });
});

describe('header text', () => {
  it('says what the newest run is doing', () => {
    assert.equal(runStatusText('/lab/story.lab.yaml', info(), 31), 'Training run 20261129-031502-3fa2: step 31 of 200.');
    assert.equal(runStatusText('/lab/story.lab.yaml', info({ status: 'paused', message: 'step 12: the loss is NaN' }), 12), 'Run 20261129-031502-3fa2 paused at step 12 of 200: step 12: the loss is NaN.');
    assert.equal(runStatusText('/lab/story.lab.yaml', info({ status: 'finished', steps_completed: 200, final_loss: 1.5, final_val_loss: 1.6 }), 0), 'Run 20261129-031502-3fa2 finished: 200 steps, final loss 1.500 (validation 1.600).');
    assert.equal(runStatusText('/lab/story.lab.yaml', null, 0), 'No runs yet: press Train to start one.');
    assert.match(runStatusText(null, null, 0), /^No config selected/);
  });

  it('says which backend and why', () => {
    assert.equal(backendText(info(), null), 'Backend: CPU (TypeScript reference kernels, 1 thread) — auto: no WebGPU adapter passed the self-test');
    assert.equal(backendText(null, 'cpu, set by the config'), 'Backend: cpu, set by the config');
    assert.match(backendText(null, null), /chosen when training starts/);
  });

  it('names the WebGPU adapter: vendor and architecture, and a software fallback as one', () => {
    const gpu = (isFallbackAdapter: boolean, vendor: string, architecture: string, description: string) => info({
      backend: { name: 'webgpu', description: 'WebGPU', reason: 'passed its self-test', adapter: { vendor, architecture, device: '', description, isFallbackAdapter } },
    });
    assert.equal(backendText(gpu(false, 'nvidia', 'hopper', 'NVIDIA H200'), null), 'Backend: WebGPU — passed its self-test · Adapter: nvidia hopper (NVIDIA H200)');
    assert.equal(backendText(gpu(true, 'mesa', 'software', 'llvmpipe'), null), 'Backend: WebGPU — passed its self-test · Adapter: mesa software (llvmpipe), a software fallback');
    assert.equal(backendText(gpu(false, '', '', ''), null), 'Backend: WebGPU — passed its self-test · Adapter: unknown');
    assert.equal(backendText(info({ backend: { ...info().backend, adapter: null } }), null), backendText(info(), null), 'no adapter, no note');
  });

  it('averages throughput over the run’s training time', () => {
    const step = (tokens: number, tps: number) => ({ step: 1, loss: 1, lr: 1, grad_norm: 1, grad_norm_clipped: 1, tokens, tokens_per_sec: tps, time_ms: 0 });
    assert.equal(meanThroughput(packSteps([step(100, 100), step(300, 300)])), 200);
    assert.equal(meanThroughput(packSteps([step(100, 50), step(100, 0)])), 50);
    assert.equal(meanThroughput(packSteps([])), null);
  });

  it('turns a run id into its start time', () => {
    assert.equal(runTimeLabel('20261129-031502-3fa2'), '2026-11-29 03:15:02');
    assert.equal(runTimeLabel('custom'), 'custom');
  });
});

describe('axis ticks', () => {
  it('labels log ticks by how many decades the axis spans', () => {
    assert.deepEqual([1, 2, 3, 5, 7].map((v) => isLogTickLabelled(v, 0.8)), [true, true, true, true, true]);
    assert.deepEqual([1e-4, 2e-4, 3e-4, 5e-4, 0.001].map((v) => isLogTickLabelled(v, 2.5)), [true, true, false, true, true]);
    assert.deepEqual([1e-6, 2e-6, 1e-3].map((v) => isLogTickLabelled(v, 6)), [true, false, true]);
    assert.equal(isLogTickLabelled(7.65, 0.8), false);
    assert.equal(isLogTickLabelled(0, 1), false);
  });

  it('spaces wall-time ticks on clock-friendly steps', () => {
    assert.equal(durationStep(50), 10);
    assert.equal(durationStep(460), 60);
    assert.equal(durationStep(3 * 3600), 1800);
    assert.equal(durationStep(30 * 86400), 4 * 86400);
  });
});
