import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateWorkerMessage } from '../../src/extension/training/workerMessages';
import { MessageChannel } from '../../src/protocol/channel';
import { validateDashboardMessage, type DashboardToHost } from '../../src/protocol/dashboard';
import type { HostToWorker, WorkerToHost } from '../../src/protocol/worker';
import { validateHostToWorker } from '../../src/worker/messages';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

/** An object with an own `__proto__` key, as JSON.parse (and so postMessage from a webview) can produce. */
const withProtoKey = (text: string) => JSON.parse(text) as unknown;

describe('validateDashboardMessage', () => {
  const valid: DashboardToHost[] = [
    { type: 'Ready' },
    { type: 'Train' },
    { type: 'OpenConfigDiff', runA: '20261129-031502-3fa2', runB: '20261129-031600-0001' },
    { type: 'StopTraining', runId: '20261129-031502-3fa2' },
    { type: 'ResumeTraining', runId: 'run_1.b-2' },
    { type: 'SaveChartImage', chart: 'grad-norm', dataUrl: PNG },
    { type: 'DidRelayFromTrainer', message: { type: 'DidEval', runId: '20261129-031502-3fa2', metrics: { step: 2, val_loss: 1.5 } } },
  ];

  it('accepts each valid message, returning an equal copy', () => {
    for (const message of valid) {
      const result = validateDashboardMessage(structuredClone(message));
      assert.deepEqual(result, message);
    }
  });

  it('returns a fresh object: nothing of the raw value (prototype, extra state) survives', () => {
    const raw = Object.assign(Object.create({ inherited: true }) as object, { type: 'StopTraining', runId: 'abc' });
    const result = validateDashboardMessage(raw);
    assert.deepEqual(result, { type: 'StopTraining', runId: 'abc' });
    assert.notEqual(result, raw);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
  });

  const rejected: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'Ready'],
    ['a number', 42],
    ['an array', [{ type: 'Ready' }]],
    ['no type', { runId: 'a' }],
    ['an unknown type', { type: 'DeleteEverything' }],
    ['a non-string type', { type: ['Ready'] }],
    ['a host-to-webview type', { type: 'DidSelectConfig', configFile: null, configName: null, runs: [], schedule: null, backendNote: null }],
    ['an extra key', { type: 'Ready', extra: 1 }],
    ['an extra key on Train', { type: 'Train', configFile: '/etc/passwd' }],
    ['a missing run id', { type: 'StopTraining' }],
    ['a numeric run id', { type: 'StopTraining', runId: 7 }],
    ['an empty run id', { type: 'ResumeTraining', runId: '' }],
    ['a run id with a slash', { type: 'StopTraining', runId: '../../etc' }],
    ['a run id with a NUL', { type: 'StopTraining', runId: 'a\u0000b' }],
    ['a huge run id', { type: 'StopTraining', runId: 'a'.repeat(129) }],
    ['a huge string elsewhere', { type: 'OpenConfigDiff', runA: 'a', runB: 'b'.repeat(1_000_000) }],
    ['a diff with one run', { type: 'OpenConfigDiff', runA: 'a' }],
    ['a diff with an object', { type: 'OpenConfigDiff', runA: 'a', runB: { toString: () => 'b' } }],
    ['an image that is not a PNG data URL', { type: 'SaveChartImage', chart: 'loss', dataUrl: 'https://example.invalid/x.png' }],
    ['an SVG data URL', { type: 'SaveChartImage', chart: 'loss', dataUrl: 'data:image/svg+xml;base64,PHN2Zz4=' }],
    ['a chart name with a path', { type: 'SaveChartImage', chart: '../loss', dataUrl: PNG }],
    ['a huge image', { type: 'SaveChartImage', chart: 'loss', dataUrl: PNG + 'A'.repeat(16 * 1024 * 1024) }],
    ['an own __proto__ key', withProtoKey('{"type":"Ready","__proto__":{"polluted":true}}')],
    ['an own __proto__ key beside a run id', withProtoKey('{"type":"StopTraining","runId":"a","__proto__":{"runId":"b"}}')],
    ['a constructor key', { type: 'Train', constructor: { prototype: { polluted: true } } }],
    ['a relay of a host-to-trainer message', { type: 'DidRelayFromTrainer', message: { type: 'TrainPrepared', runId: 'a' } }],
    ['a relay naming a folder above the run', { type: 'DidRelayFromTrainer', message: { type: 'DidFail', runId: '..', kind: 'error', message: 'x' } }],
    ['a relay with an extra key', { type: 'DidRelayFromTrainer', message: { type: 'DidEval', runId: 'a' }, folder: '/etc' }],
    ['a run id only on the prototype', Object.assign(Object.create({ runId: 'a' }) as object, { type: 'StopTraining' })],
  ];

  for (const [what, raw] of rejected) {
    it(`rejects ${what} with a reason`, () => {
      const result = validateDashboardMessage(raw);
      assert.equal(typeof result, 'string', `accepted ${JSON.stringify(result)}`);
      assert.ok((result as string).length > 0 && (result as string).length < 200);
    });
  }

  it('leaves Object.prototype alone', () => {
    for (const [, raw] of rejected) validateDashboardMessage(raw);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  // src/protocol/dashboard.ts's RUN_ID admits "." and "..", which name the runs folder and its parent.
  it('rejects run ids that are "." or ".." (they would name a folder above the run)', () => {
    for (const runId of ['.', '..', '...']) assert.equal(typeof validateDashboardMessage({ type: 'StopTraining', runId }), 'string', runId);
  });
});

describe('validateHostToWorker (the training worker\'s inbound messages)', () => {
  const valid: HostToWorker[] = [
    { type: 'StartRun', requestId: 'start-1', configFile: '/p/a.lab.yaml', overrides: {} },
    { type: 'StartRun', requestId: 'start-2', configFile: '/p/a.lab.yaml', overrides: { 'training.steps': 5 }, backend: 'cpu', outDir: '/p/runs/a/1' },
    { type: 'StopRun', runId: '20261129-031502-3fa2' },
    { type: 'ResumeRun', runId: '20261129-031502-3fa2' },
    { type: 'StartRun', requestId: 'start-3', configFile: '/p/a.lab.yaml', overrides: {}, backend: 'cpu', resumeFrom: '/p/runs/a/1', withoutGpu: 'its GPU failed' },
    { type: 'ProbeWebGpu', requestId: 'probe-1', allowFallback: false },
  ];

  it('accepts each valid message, and optional fields posted as undefined', () => {
    for (const message of valid) assert.deepEqual(validateHostToWorker(structuredClone(message)), message);
    assert.deepEqual(validateHostToWorker({ type: 'StartRun', requestId: 'r', configFile: 'c', overrides: {}, backend: undefined, outDir: undefined }),
      { type: 'StartRun', requestId: 'r', configFile: 'c', overrides: {} });
  });

  const rejected: Array<[string, unknown]> = [
    ['null', null],
    ['an unknown type', { type: 'Shutdown' }],
    ['a start without a config', { type: 'StartRun', requestId: 'r', overrides: {} }],
    ['a start with a numeric config', { type: 'StartRun', requestId: 'r', configFile: 1, overrides: {} }],
    ['a start with a huge path', { type: 'StartRun', requestId: 'r', configFile: 'x'.repeat(5000), overrides: {} }],
    ['a start with array overrides', { type: 'StartRun', requestId: 'r', configFile: 'c', overrides: [] }],
    ['a start with class-instance overrides', { type: 'StartRun', requestId: 'r', configFile: 'c', overrides: new Map() }],
    ['a start with an unknown backend', { type: 'StartRun', requestId: 'r', configFile: 'c', overrides: {}, backend: 'tpu' }],
    ['a start with an extra key', { type: 'StartRun', requestId: 'r', configFile: 'c', overrides: {}, eval: 'x' }],
    ['a start with an own __proto__ key', withProtoKey('{"type":"StartRun","requestId":"r","configFile":"c","overrides":{},"__proto__":{}}')],
    ['a stop without a run id', { type: 'StopRun' }],
    ['a stop with an extra key', { type: 'StopRun', runId: 'a', all: true }],
    ['a resume with a huge run id', { type: 'ResumeRun', runId: 'a'.repeat(200) }],
    ['a start with a huge withoutGpu reason', { type: 'StartRun', requestId: 'r', configFile: 'c', overrides: {}, withoutGpu: 'x'.repeat(2000) }],
    ['a probe without allowFallback', { type: 'ProbeWebGpu', requestId: 'p' }],
    ['a probe with an extra key', { type: 'ProbeWebGpu', requestId: 'p', allowFallback: true, gpu: 'nvidia' }],
  ];
  for (const [what, raw] of rejected) {
    it(`rejects ${what}`, () => assert.equal(typeof validateHostToWorker(raw), 'string'));
  }
});

describe('validateWorkerMessage (the host\'s inbound messages from the worker)', () => {
  const info = { id: 'r1', status: 'running', backend: { name: 'cpu' } };
  const step = { step: 1, loss: 2, lr: 0.1, grad_norm: 1, grad_norm_clipped: 1, tokens: 8, pad_fraction: 0, tokens_per_sec: 10, time_ms: 1 };

  it('accepts each message type', () => {
    const messages = [
      { type: 'DidStartRun', requestId: 'start-1', runId: 'r1', folder: '/runs/r1', info },
      { type: 'DidStep', runId: 'r1', metrics: [step, { ...step, step: 2 }] },
      { type: 'DidEval', runId: 'r1', metrics: { step: 2, val_loss: 1.5 } },
      { type: 'DidPause', runId: 'r1', message: 'step 3: …', nonFinite: { step: 3, loss: 1, parameter: 'lm_head.weight' }, gpuFailure: null },
      { type: 'DidPause', runId: 'r1', message: 'paused', nonFinite: null, gpuFailure: { kind: 'device-lost', step: 4, checkpoint_step: 2 } },
      { type: 'DidFinish', runId: 'r1', info: { ...info, status: 'finished' } },
      { type: 'DidFail', requestId: 'start-2', runId: null, message: 'a.lab.yaml:1:1: error: …' },
      { type: 'DidFail', requestId: null, runId: 'r1', message: 'internal error' },
      { type: 'DidProbeWebGpu', requestId: 'probe-1', passed: false, adapter: null, reason: 'no WebGPU adapter was found' },
    ];
    for (const message of messages) assert.equal(validateWorkerMessage(message), message as unknown as WorkerToHost);
  });

  it('rejects unknown types and malformed messages', () => {
    for (const raw of [null, [], { type: 'toString' }, { type: '__proto__' }, { type: 'DidStep', runId: 'r1', metrics: [{ step: '1' }] },
      { type: 'DidStep', runId: 'r1', metrics: step }, { type: 'DidStartRun', requestId: 'x', runId: 'r1', folder: '/f' },
      { type: 'DidFail', requestId: 1, runId: null, message: 'm' }, { type: 'DidEval', runId: 'r1', metrics: { step: 1 } }]) {
      assert.equal(typeof validateWorkerMessage(raw), 'string', JSON.stringify(raw));
    }
  });
});

describe('MessageChannel', () => {
  type In = { type: 'Ping'; n: number } | { type: 'Other' };
  const validate = (raw: unknown): In | string => {
    const m = raw as Record<string, unknown>;
    if (m?.type === 'Ping' && typeof m.n === 'number') return { type: 'Ping', n: m.n };
    if (m?.type === 'Other') return { type: 'Other' };
    return 'bad';
  };

  it('dispatches validated messages by type, sends through post, and reports rejects, throws and rejections', async () => {
    const sent: Array<{ type: string }> = [];
    const invalid: string[] = [];
    const failures: string[] = [];
    const channel = new MessageChannel<In, { type: 'Pong' }>((m) => sent.push(m), validate, (reason) => invalid.push(reason), (error, message) => failures.push(`${message.type}: ${String(error)}`));
    const pings: number[] = [];
    const off = channel.on('Ping', (m) => {
      pings.push(m.n);
      if (m.n === 2) throw new Error('sync');
      if (m.n === 3) return Promise.reject(new Error('async'));
    });
    channel.receive({ type: 'Ping', n: 1 });
    channel.receive({ type: 'Ping', n: 'one' });
    channel.receive({ type: 'Other' });
    channel.receive({ type: 'Ping', n: 2 });
    channel.receive({ type: 'Ping', n: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    off();
    channel.receive({ type: 'Ping', n: 4 });
    channel.send({ type: 'Pong' });
    assert.deepEqual(pings, [1, 2, 3]);
    assert.deepEqual(invalid, ['bad']);
    assert.deepEqual(failures, ['Ping: Error: sync', 'Ping: Error: async']);
    assert.deepEqual(sent, [{ type: 'Pong' }]);
  });
});
