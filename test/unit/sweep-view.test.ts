import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SweepTrialView } from '../../src/protocol/dashboard';
import { axisPosition, formatSweepValue, sortTrials, valueAxis, valueColor } from '../../webview/charts/sweepScale';
import { sweepView } from '../../src/extension/dashboard/sweepView';
import type { SweepSummary } from '../../src/node/sweepFolder';

const trial = (index: number, lr: number, warmup: number | string, metric: number | null, status: SweepTrialView['status'] = 'finished'): SweepTrialView => ({
  index, runId: `run-${index}`, status, values: { 'optimizer.lr': lr, 'schedule.warmup_steps': warmup }, metric, step: 30,
});

describe('sweep view scales and table order', () => {
  const trials = [trial(0, 0.001, 0, 3.49), trial(1, 0.01, 5, 3.18), trial(2, 0.1, 0, null, 'running'), trial(3, 0.01, 0, 3.2)];

  it('puts a key spanning more than a decade on a log axis, and one that does not on a linear axis', () => {
    const lr = valueAxis(trials, 'optimizer.lr');
    assert.deepEqual(lr, { kind: 'numeric', min: 0.001, max: 0.1, log: true });
    assert.equal(axisPosition(lr, 0.01), 0.5);
    assert.deepEqual(valueAxis([trial(0, 0.002, 0, 1), trial(1, 0.01, 0, 1)], 'optimizer.lr'), { kind: 'numeric', min: 0.002, max: 0.01, log: false });
    const warmup = valueAxis(trials, 'schedule.warmup_steps');
    assert.equal(axisPosition(warmup, 5), 1);
    const mixed = valueAxis([trial(0, 1, 'none', 1), trial(1, 1, 5, 1)], 'schedule.warmup_steps');
    assert.deepEqual(mixed, { kind: 'category', categories: ['none', '5'] });
    assert.equal(axisPosition(mixed, 5), 1);
  });

  it('colours along the viridis scale, the ends of the axis at its dark and light ends', () => {
    const lr = valueAxis(trials, 'optimizer.lr');
    assert.notEqual(valueColor(lr, 0.001), valueColor(lr, 0.1));
    assert.equal(valueColor(lr, 0.01), valueColor(lr, 0.01));
    assert.equal(valueColor(lr, undefined), '#888888');
  });

  it('sorts by metric (trials without one last, either way), by a value, by status, ties by trial number', () => {
    assert.deepEqual(sortTrials(trials, { kind: 'metric' }, false).map((t) => t.index), [1, 3, 0, 2]);
    assert.deepEqual(sortTrials(trials, { kind: 'metric' }, true).map((t) => t.index), [0, 3, 1, 2]);
    assert.deepEqual(sortTrials(trials, { kind: 'value', key: 'optimizer.lr' }, false).map((t) => t.index), [0, 1, 3, 2]);
    assert.deepEqual(sortTrials(trials, { kind: 'status' }, false).map((t) => t.index), [2, 0, 1, 3]);
    assert.deepEqual(trials.map((t) => t.index), [0, 1, 2, 3], 'the input is not reordered');
    assert.deepEqual([0.001, 0.0001, 3e-5, 120000, 0.1 + 0.2, 'adamw', true].map(formatSweepValue), ['0.001', '1.0e-4', '3.0e-5', '1.2e+5', '0.3', 'adamw', 'true']);
  });

  it('turns sweep.json into the view: keys in order, trials by run id (none before their folder exists), the best by run id', () => {
    const summary = {
      version: 1, sweep_id: 's1', config: 'c.lab.yaml', config_name: 'c', method: 'grid', metric: 'val_loss',
      parameters: { 'optimizer.lr': [0.001, 0.01], 'schedule.warmup_steps': [0, 5] }, seed: 1, status: 'running', started: '', finished: null,
      parallel: 1, early_stop: null, message: null, overrides: {},
      trials: [
        { index: 0, run_id: 'r0', run_dir: '.losslab/runs/c/r0', values: { 'optimizer.lr': 0.001 }, metric: 3.1, status: 'finished', step: 30 },
        { index: 1, run_id: '', run_dir: '', values: { 'optimizer.lr': 0.01 }, metric: null, status: 'pending', step: 0 },
      ],
      best: { run_dir: '.losslab/runs/c/r0', run_id: 'r0', values: { 'optimizer.lr': 0.001 }, metric: 3.1 },
    } satisfies SweepSummary;
    const view = sweepView(summary);
    assert.deepEqual(view.parameters, ['optimizer.lr', 'schedule.warmup_steps']);
    assert.deepEqual(view.trials.map((t) => t.runId), ['r0', null]);
    assert.equal(view.bestRunId, 'r0');
  });
});
