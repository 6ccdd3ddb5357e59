// Issue 15, item 7: messages from the webview-hosted trainer are checked as strictly as the dashboard's (exact keys,
// types, finite numbers, bounded strings and arrays), and nothing a hostile trainer sends reaches the run folder.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateBrowserTrainerMessage } from '../../src/extension/training/browserTrainerMessages';
import { RelayedRuns } from '../../src/node/relayedRuns';
import type { HostToBrowserTrainer } from '../../src/protocol/browserTrainer';
import type { WorkerToHost } from '../../src/protocol/worker';
import { tempDir } from '../support/cli';

const step = { step: 1, loss: 2.5, lr: 0.01, grad_norm: 1.5, grad_norm_clipped: 1, tokens: 32, pad_fraction: 0.25, tokens_per_sec: 900, time_ms: 12 };
const tensors = () => [{ name: 'w', shape: [2, 3], data: new Float32Array(6) }];
const state = () => ({ step: 3, optimizerStep: 3, optimizerState: tensors(), sampler: { mode: 'random-windows', seed: 1, rng: [1, 2, 3, 4], cursor: 0, epoch: 0, size: 100 } });
const adapter = { vendor: 'v', architecture: 'a', device: 'd', description: 'lavapipe', isFallbackAdapter: true };
const start = () => ({ type: 'DidStartRun', runId: 'r', backend: { name: 'webgpu', description: 'WebGPU', reason: 'asked' }, adapter, parameters: 6, parameterNames: ['w', 'b'] });
const didStep = (over: Record<string, unknown> = {}) => ({ type: 'DidStep', runId: 'r', metrics: [{ ...step, ...over }], parameterNorms: [new Float64Array(2)] });
const HUGE = 'x'.repeat(100_000);

describe('validateBrowserTrainerMessage: what the trainer sends is checked before it is recorded', () => {
  it('accepts each message the trainer really sends, the non-finite loss of a pause included (NaN, or null after JSON)', () => {
    for (const message of [
      start(),
      didStep(),
      { type: 'DidEval', runId: 'r', metrics: { step: 4, val_loss: 2.1 } },
      { type: 'DidPause', runId: 'r', message: 'step 5: the loss (NaN) is not finite', nonFinite: { step: 5, loss: Number.NaN, parameter: null } },
      { type: 'DidPause', runId: 'r', message: 'step 5', nonFinite: { step: 5, loss: null, parameter: 'transformer.h.0.attn.c_attn.weight' } },
      { type: 'DidCheckpoint', runId: 'r', step: 3, weights: tensors(), state: state() },
      { type: 'DidFinish', runId: 'r', status: 'finished', step: 3, weights: tensors(), state: state() },
      { type: 'DidFail', runId: 'r', kind: 'device-lost', message: 'lost' },
    ]) assert.equal(validateBrowserTrainerMessage(message), message, message.type);
  });

  const hostile: [string, unknown][] = [
    ['an extra key on the message', { ...didStep(), note: 'x' }],
    ['an extra key in a metric (would be written verbatim to metrics.jsonl)', didStep({ evil: '<img src=x>' })],
    ['a metric key missing', { ...didStep(), metrics: [{ step: 1, loss: 2 }] }],
    ['a loss that is a string', didStep({ loss: '2.5' })],
    ['a NaN loss in a recorded step', didStep({ loss: Number.NaN })],
    ['an infinite learning rate', didStep({ lr: Number.POSITIVE_INFINITY })],
    ['a negative gradient norm', didStep({ grad_norm: -1 })],
    ['a pad fraction above 1', didStep({ pad_fraction: 1.5 })],
    ['a fractional step', didStep({ step: 1.5 })],
    ['step 0', didStep({ step: 0 })],
    ['nested junk in a number field', didStep({ tokens: { valueOf: () => 3 } })],
    ['norms as a plain array', { ...didStep(), parameterNorms: [[1, 2]] }],
    ['too many steps in one message', { type: 'DidStep', runId: 'r', metrics: Array(10_001).fill(step), parameterNorms: Array(10_001).fill(new Float64Array(1)) }],
    ['an empty DidStep', { type: 'DidStep', runId: 'r', metrics: [], parameterNorms: [] }],
    ['a huge pause message', { type: 'DidPause', runId: 'r', message: HUGE, nonFinite: { step: 1, loss: null, parameter: null } }],
    ['an extra key in the non-finite report', { type: 'DidPause', runId: 'r', message: 'm', nonFinite: { step: 1, loss: null, parameter: null, x: 1 } }],
    ['a parameter name with markup', { type: 'DidPause', runId: 'r', message: 'm', nonFinite: { step: 1, loss: null, parameter: '<b>' } }],
    ['a huge backend description', { ...start(), backend: { name: 'webgpu', description: HUGE, reason: 'r' } }],
    ['an extra adapter key', { ...start(), adapter: { ...adapter, extra: 1 } }],
    ['too many parameter names', { ...start(), parameterNames: Array(10_001).fill('w') }],
    ['a fractional parameter count', { ...start(), parameters: 6.5 }],
    ['an eval with an extra key', { type: 'DidEval', runId: 'r', metrics: { step: 4, val_loss: 2, x: 1 } }],
    ['an infinite val_loss', { type: 'DidEval', runId: 'r', metrics: { step: 4, val_loss: Number.POSITIVE_INFINITY } }],
    ['tensor data shorter than its shape', { type: 'DidCheckpoint', runId: 'r', step: 3, weights: [{ name: 'w', shape: [2, 3], data: new Float32Array(2) }], state: state() }],
    ['a tensor with an extra key', { type: 'DidCheckpoint', runId: 'r', step: 3, weights: [{ ...tensors()[0], x: 1 }], state: state() }],
    ['a sampler with an unknown mode', { type: 'DidFinish', runId: 'r', status: 'finished', step: 3, weights: tensors(), state: { ...state(), sampler: { ...state().sampler, mode: 'chaos' } } }],
    ['a sampler generator of 3 words', { type: 'DidFinish', runId: 'r', status: 'stopped', step: 3, weights: tensors(), state: { ...state(), sampler: { ...state().sampler, rng: [1, 2, 3] } } }],
    ['an unknown failure kind', { type: 'DidFail', runId: 'r', kind: 'meltdown', message: 'x' }],
    ['a run id that is a path', { type: 'DidFail', runId: '../../etc', kind: 'error', message: 'x' }],
    ['a own __proto__ key (as JSON.parse makes it)', JSON.parse('{"type":"DidFail","runId":"r","kind":"error","message":"x","__proto__":{"polluted":1}}')],
    ['an array', [start()]],
    ['a host-bound type', { type: 'TrainPrepared', runId: 'r' }],
  ];
  for (const [what, message] of hostile) {
    it(`refuses ${what}, saying which message and why`, () => {
      const verdict = validateBrowserTrainerMessage(message);
      assert.equal(typeof verdict, 'string');
      assert.ok((verdict as string).length < 400, 'the reason is bounded too');
    });
  }
});

describe('RelayedRuns: a hostile trainer cannot write into the run folder', () => {
  it('writes only checked steps, in order, and fails the run (naming why) when a step repeats or skips', async () => {
    const dir = tempDir('losslab-hostile-');
    writeFileSync(join(dir, 'story.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(30));
    writeFileSync(join(dir, 'h.lab.yaml'), 'name: hostile\nseed: 1\nmodel: { kind: gpt, d_model: 8, n_layers: 1, n_heads: 2, context: 8 }\n'
      + 'data: { train: story.txt, vocab: char }\ntraining: { steps: 4, batch_size: 2 }\n');
    const toBrowser: HostToBrowserTrainer[] = [];
    const toHost: WorkerToHost[] = [];
    const relayed = new RelayedRuns({ version: 'test', transport: { post: (m) => toBrowser.push(m) }, send: (m) => toHost.push(m), noAdapter: () => assert.fail('no fallback expected') });
    await relayed.start({ type: 'StartRun', requestId: 'q', configFile: join(dir, 'h.lab.yaml'), overrides: {}, outDir: join(dir, 'run') }, 'test');
    const runId = toBrowser[0]?.runId as string;
    assert.equal(toBrowser[0]?.type, 'TrainPrepared', JSON.stringify(toHost));
    const relay = async (message: Record<string, unknown>) => {
      const valid = validateBrowserTrainerMessage({ ...message, runId });
      if (typeof valid === 'string') return valid;
      await relayed.receive(valid);
      return null;
    };
    assert.equal(await relay(start()), null);
    assert.match(await relay(didStep({ evil: '<img src=x>' })) ?? '', /DidStep: a step has keys/);
    assert.match(await relay(didStep({ loss: Number.NaN })) ?? '', /loss must be a finite number/);
    assert.equal(await relay(didStep()), null);
    assert.equal(await relay(didStep({ step: 2 })), null);
    assert.equal(await relay(didStep({ step: 2, loss: 9 })), null, 'a repeated step has a valid shape: the relay refuses it');

    const lines = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines, [step, { ...step, step: 2 }], 'only the two checked steps, with exactly their keys');
    const info = JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8')) as { status: string; message: string; steps_completed: number };
    assert.equal(info.status, 'failed');
    assert.equal(info.steps_completed, 2);
    assert.match(info.message, /sent step 2 after step 2 of 4/);
    assert.deepEqual(relayed.activeRunIds(), []);
    assert.equal(await relay(didStep({ step: 3 })), null);
    assert.equal(readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2, 'nothing is written after the run failed');
  });
});
