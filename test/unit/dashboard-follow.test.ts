import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { StepMetrics } from '../../src/engine/train/metrics';
import { RecordsTail, loadRun } from '../../src/node/runFolder';
import { SentLedger } from '../../src/extension/dashboard/sentLedger';
import type { RunInfo } from '../../src/protocol/runInfo';

const step = (n: number): StepMetrics => ({ step: n, loss: 2 - n / 100, lr: 0.1, grad_norm: 1, grad_norm_clipped: 1, tokens: 8, tokens_per_sec: 100, time_ms: n });
const line = (record: object) => `${JSON.stringify(record)}\n`;
const info = (status: RunInfo['status']): RunInfo => ({
  id: 'run-a', name: 'story', config_file: join(tmpdir(), 'story.lab.yaml'), status, backend: { name: 'cpu', description: 'CPU', reason: 'auto' },
  versions: { losslab: '0', node: 'v20' }, started_at: '', finished_at: null, steps_completed: 0, total_steps: 10,
  parameters: 1, vocab_size: 1, final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null,
});

describe('following a growing metrics.jsonl', () => {
  it('reads only appended complete lines, and a half-written line on the next read', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'losslab-tail-')), 'metrics.jsonl');
    const tail = new RecordsTail(file);
    assert.deepEqual(await tail.readMetrics(), { steps: [], evals: [] }, 'no file yet');
    const first = line(step(1)) + line({ step: 1, val_loss: 2.5 });
    const second = line(step(2));
    writeFileSync(file, first + second.slice(0, 20));
    assert.deepEqual(await tail.readMetrics(), { steps: [step(1)], evals: [{ step: 1, val_loss: 2.5 }] });
    assert.equal(tail.bytesRead, Buffer.byteLength(first));
    assert.deepEqual(await tail.readMetrics(), { steps: [], evals: [] }, 'the half line waits');
    appendFileSync(file, second.slice(20) + line(step(3)));
    assert.deepEqual((await tail.readMetrics()).steps, [step(2), step(3)]);
    assert.equal(tail.bytesRead, Buffer.byteLength(first + second + line(step(3))));
  });

  it('starts where the history stopped and rereads a file that was rewritten shorter', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'losslab-tail-'));
    writeFileSync(join(folder, 'run.json'), JSON.stringify(info('running')));
    // A multi-byte character before the cut: offsets count bytes, not characters.
    const head = line({ ...step(1), note: 'λ→' }) + line(step(2));
    const third = line(step(3));
    writeFileSync(join(folder, 'metrics.jsonl'), `${head}${third.slice(0, 12)}`);
    const stored = await loadRun(folder);
    assert.ok(stored);
    assert.deepEqual(stored.series.steps.map((s) => s.step), [1, 2]);
    assert.equal(stored.metricsBytes, Buffer.byteLength(head));
    const tail = new RecordsTail(join(folder, 'metrics.jsonl'), stored.metricsBytes);
    appendFileSync(join(folder, 'metrics.jsonl'), third.slice(12));
    assert.deepEqual((await tail.readMetrics()).steps.map((s) => s.step), [3]);
    writeFileSync(join(folder, 'metrics.jsonl'), line(step(1)));
    assert.deepEqual((await tail.readMetrics()).steps, [step(1)], 'shorter than the offset: read from the start');
  });

  it('rereads a file replaced atomically even when the new one is no shorter (a resume that went on training)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'losslab-tail-'));
    const file = join(folder, 'metrics.jsonl');
    writeFileSync(file, line(step(1)) + line(step(2)) + line(step(3)));
    const tail = new RecordsTail(file);
    assert.deepEqual((await tail.readMetrics()).steps.map((s) => s.step), [1, 2, 3]);
    // Resumed from step 1's checkpoint: steps 2 and 3 trained again (other values), then step 4; renamed into place.
    const again = (n: number) => ({ ...step(n), loss: 9 - n });
    writeFileSync(join(folder, 'metrics.jsonl.tmp'), line(step(1)) + line(again(2)) + line(again(3)) + line(again(4)));
    renameSync(join(folder, 'metrics.jsonl.tmp'), file);
    assert.deepEqual((await tail.readMetrics()).steps, [step(1), again(2), again(3), again(4)], 'a new file: read from the start');
  });

  it('loads a run folder without metrics as an empty series', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'losslab-tail-'));
    await assert.rejects(loadRun(folder), /run\.json: no such file/);
    mkdirSync(join(folder, 'checkpoints'));
    writeFileSync(join(folder, 'run.json'), JSON.stringify(info('running')));
    const stored = await loadRun(folder);
    assert.deepEqual([stored?.series.steps, stored?.metricsBytes], [[], 0]);
  });
});

describe('what the dashboard has been sent', () => {
  it('announces a run new to the webview, then its history', () => {
    const ledger = new SentLedger();
    ledger.record({ type: 'DidSelectConfig', configFile: null, configName: 'story', runs: [], schedule: null, backendNote: null });
    assert.deepEqual(ledger.unsent(info('running'), [step(1), step(2)], []), [
      { type: 'DidUpdateRun', info: info('running') },
      { type: 'DidAppendMetrics', runId: 'run-a', steps: [step(1), step(2)], evals: [] },
    ]);
    assert.deepEqual(ledger.unsent(info('running'), [], []), [{ type: 'DidUpdateRun', info: info('running') }], 'nothing recorded yet');
  });

  it('sends only the steps, evals and status changes the webview has not had', () => {
    const ledger = new SentLedger();
    ledger.record({ type: 'DidSelectConfig', configFile: null, configName: 'story', runs: [{ info: info('running'), steps: [step(1), step(2)], evals: [] }], schedule: null, backendNote: null });
    assert.deepEqual(ledger.unsent(info('running'), [step(2), step(3)], [{ step: 2, val_loss: 1 }]), [
      { type: 'DidAppendMetrics', runId: 'run-a', steps: [step(3)], evals: [{ step: 2, val_loss: 1 }] },
    ]);
    ledger.record({ type: 'DidAppendMetrics', runId: 'run-a', steps: [step(3), step(4)], evals: [{ step: 2, val_loss: 1 }] });
    assert.deepEqual(ledger.unsent(info('running'), [step(3), step(4)], [{ step: 2, val_loss: 1 }]), [], 'streamed already');
    assert.deepEqual(ledger.unsent(info('finished'), [step(4), step(5)], []), [
      { type: 'DidAppendMetrics', runId: 'run-a', steps: [step(5)], evals: [] },
      { type: 'DidUpdateRun', info: info('finished') },
    ], 'metrics before the status change');
    ledger.record({ type: 'DidUpdateRun', info: info('finished') });
    assert.deepEqual(ledger.unsent(info('finished'), [], []), []);
  });

  it('forgets everything on a new selection', () => {
    const ledger = new SentLedger();
    ledger.record({ type: 'DidUpdateRun', info: info('running') });
    ledger.record({ type: 'DidAppendMetrics', runId: 'run-a', steps: [step(1)], evals: [] });
    ledger.record({ type: 'DidSelectConfig', configFile: null, configName: 'story', runs: [], schedule: null, backendNote: null });
    assert.equal(ledger.unsent(info('running'), [step(1)], []).length, 2);
  });
});
