import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvalMetrics, StepMetrics } from '../../src/engine/train/metrics';
import type { DidSelectConfig, HostToDashboard } from '../../src/protocol/dashboard';
import { packEvals, packHostMessage, packSteps, type EvalColumns, type StepColumns } from '../../src/protocol/metricColumns';
import type { RunInfo } from '../../src/protocol/runInfo';
import { validateHostMessage } from '../../webview/dashboard/hostMessages';

const info = { id: '20261207-120000-abcd', status: 'finished', backend: { name: 'wasm', description: 'CPU', reason: 'auto' } } as RunInfo;
const step = (n: number, padFraction?: number): StepMetrics => ({
  step: n, loss: 3 - n / 7, lr: 1e-3 * n, grad_norm: 1.5 / n, grad_norm_clipped: Math.min(1, 1.5 / n), tokens: 100 + n, tokens_per_sec: 1234.5 + n, time_ms: 50 * n,
  ...(padFraction === undefined ? {} : { pad_fraction: padFraction }),
});

/** The rows of columns as objects, to compare with what the host sent (the dashboard itself reads the columns). */
function stepRows(c: StepColumns): StepMetrics[] {
  return Array.from(c.step, (_, i) => ({
    step: c.step[i], loss: c.loss[i], lr: c.lr[i], grad_norm: c.grad_norm[i], grad_norm_clipped: c.grad_norm_clipped[i],
    tokens: c.tokens[i], tokens_per_sec: c.tokens_per_sec[i], time_ms: c.time_ms[i], ...(Number.isNaN(c.pad_fraction[i]) ? {} : { pad_fraction: c.pad_fraction[i] }),
  }));
}
const evalRows = (c: EvalColumns): EvalMetrics[] => Array.from(c.step, (_, i) => ({ step: c.step[i], val_loss: c.val_loss[i] }));
type Packed = { steps: StepColumns; evals: EvalColumns };
const rows = (holder: Packed) => ({ ...holder, steps: stepRows(holder.steps), evals: evalRows(holder.evals) });

/** What the webview receives (the packed message after a structured clone, as postMessage delivers it), read back as rows. */
function delivered(message: HostToDashboard): unknown {
  const received = structuredClone(packHostMessage(message)) as unknown as Record<string, unknown>;
  if (received.type === 'DidAppendMetrics') return rows(received as unknown as Packed);
  if (received.type === 'DidSelectConfig') return { ...received, runs: (received.runs as Packed[]).map(rows) };
  return received;
}

describe('metrics travel to the dashboard as columns', () => {
  it('packs DidSelectConfig runs into Float64Arrays and unpacks exactly the same steps and evaluations', () => {
    const message: DidSelectConfig = {
      type: 'DidSelectConfig', configFile: '/lab/a.lab.yaml', configName: 'a', schedule: { lrs: [0.1, 0.2], gradClip: 1, error: null }, backendNote: 'auto',
      // An older run without pad_fraction, a newer one with it (0 included), and a run with nothing yet.
      runs: [{ info, steps: [step(1), step(2)], evals: [] }, { info, steps: [step(1, 0.25), step(2, 0)], evals: [{ step: 2, val_loss: 2.5 }] }, { info, steps: [], evals: [] }],
    };
    const packed = packHostMessage(message) as unknown as { runs: { steps: Record<string, unknown> }[] };
    assert.ok(packed.runs[1].steps.loss instanceof Float64Array);
    assert.deepEqual([...(packed.runs[1].steps.pad_fraction as Float64Array)], [0.25, 0]);
    assert.deepEqual(delivered(message), message);
    assert.deepEqual(validateHostMessage(structuredClone(packHostMessage(message))), packHostMessage(message));
  });

  it('packs DidAppendMetrics and leaves the other messages as they are', () => {
    const append: HostToDashboard = { type: 'DidAppendMetrics', runId: info.id, steps: [step(7, 0.5)], evals: [{ step: 7, val_loss: 1.25 }] };
    assert.deepEqual(delivered(append), append);
    const update: HostToDashboard = { type: 'DidUpdateRun', info };
    assert.equal(packHostMessage(update), update);
    assert.deepEqual(delivered(update), update);
  });

  it('sends a value that is not a number as NaN, which the charts skip as they skipped it before', () => {
    const bad = { ...step(3), loss: null as unknown as number };
    const unpacked = delivered({ type: 'DidAppendMetrics', runId: info.id, steps: [bad], evals: [] }) as { steps: StepMetrics[] };
    assert.ok(Number.isNaN(unpacked.steps[0].loss));
    assert.equal(unpacked.steps[0].lr, bad.lr);
  });

  it('rejects columns of unequal lengths, a step that is not a number, and metrics sent as objects', () => {
    const ragged = { type: 'DidAppendMetrics', runId: info.id, steps: { ...packSteps([step(1)]), loss: new Float64Array(2) }, evals: packEvals([]) };
    assert.equal(validateHostMessage(ragged), 'DidAppendMetrics: malformed');
    const nanStep = { type: 'DidAppendMetrics', runId: info.id, steps: packSteps([step(1)]), evals: packEvals([{ step: Number.NaN, val_loss: 1 }]) };
    assert.equal(validateHostMessage(nanStep), 'DidAppendMetrics: malformed');
    assert.equal(validateHostMessage({ type: 'DidAppendMetrics', runId: info.id, steps: [step(1)], evals: [] }), 'DidAppendMetrics: malformed');
    assert.equal(validateHostMessage({ type: 'DidSelectConfig', configFile: null, runs: [null, { info, steps: 'no' }], schedule: null }), 'DidSelectConfig: malformed');
    assert.equal(typeof validateHostMessage({ type: 'DidAppendMetrics', runId: info.id, steps: packSteps([{ ...step(1), loss: Number.NaN }]), evals: packEvals([]) }), 'object');
  });
});
