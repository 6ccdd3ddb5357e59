// The training worker in a real worker_threads Worker, built from dist/worker.js, spoken to in its protocol.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import { DETERMINISTIC_FIELDS, type EvalMetrics, type StepMetrics } from '../../src/engine/train/metrics';
import type { DidFail, DidFinish, DidPause, DidProbeWebGpu, DidStartRun, HostToWorker, WorkerToHost } from '../../src/protocol/worker';
import { probeWebGpu } from '../support/backends';
import { ensureBuilt, tempDir } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(ROOT, 'dist', 'worker.js');
const TEXT = 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(30);

/** A config and its data in a fresh folder; `body` replaces the default training settings. */
function project(name: string, body: string): { dir: string; config: string } {
  const dir = tempDir('losslab-worker-');
  writeFileSync(join(dir, 'story.txt'), TEXT);
  writeFileSync(join(dir, `${name}.lab.yaml`), `name: ${name}
seed: 11
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
${body}`);
  return { dir, config: join(dir, `${name}.lab.yaml`) };
}

const TINY = 'backend: cpu-reference\noptimizer: { lr: 0.01 }\nschedule: { warmup_steps: 2, decay: cosine }\ntraining: { steps: 8, batch_size: 4, eval_interval: 4, eval_steps: 2 }\n';
const LONG = 'backend: cpu-reference\ntraining: { steps: 100000, batch_size: 4 }\n';
// Plain SGD at the schema's largest lr without clipping: the loss explodes and step 6's gradient overflows.
const EXPLODING = 'backend: cpu-reference\noptimizer: { name: sgd, lr: 10 }\nschedule: { warmup_steps: 0, decay: constant }\ntraining: { steps: 40, batch_size: 4, grad_clip: null }\n';

/** The host's side of one worker: sends messages, records every answer, waits for the one a test needs. */
class Host {
  readonly worker: Worker;
  readonly received: WorkerToHost[] = [];
  private waiters: Array<() => void> = [];

  constructor(env?: NodeJS.ProcessEnv) {
    this.worker = new Worker(WORKER, env ? { env } : {});
    this.worker.on('message', (message: WorkerToHost) => {
      this.received.push(message);
      for (const wake of this.waiters) wake();
    });
  }

  send(message: HostToWorker | Record<string, unknown>): void {
    this.worker.postMessage(message);
  }

  /** The first message (from `from` on) that matches, waiting up to `timeoutMs` for it. */
  async next<T extends WorkerToHost>(match: (m: WorkerToHost) => m is T, timeoutMs = 60_000, from = 0): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; got ${this.received.map((m) => m.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  of(runId: string): WorkerToHost[] {
    return this.received.filter((m) => 'runId' in m && m.runId === runId);
  }
}

const started = (requestId: string) => (m: WorkerToHost): m is DidStartRun => m.type === 'DidStartRun' && m.requestId === requestId;
const failedRequest = (requestId: string) => (m: WorkerToHost): m is DidFail => m.type === 'DidFail' && m.requestId === requestId;
const finished = (runId: string) => (m: WorkerToHost): m is DidFinish => m.type === 'DidFinish' && m.runId === runId;
const paused = (runId: string) => (m: WorkerToHost): m is DidPause => m.type === 'DidPause' && m.runId === runId;
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('training worker (dist/worker.js)', () => {
  let host: Host;
  before(() => {
    ensureBuilt();
    host = new Host();
  });
  after(() => host.worker.terminate());

  it('trains a run: DidStartRun, DidStep batches and DidEval equal to metrics.jsonl, then DidFinish', async () => {
    const { dir, config } = project('tiny', TINY);
    host.send({ type: 'StartRun', requestId: 'ok', configFile: config, overrides: {}, outDir: join(dir, 'run-ok') });
    const start = await host.next(started('ok'));
    assert.equal(start.folder, join(dir, 'run-ok'));
    assert.equal(start.info.status, 'running');
    assert.equal(start.info.total_steps, 8);
    const end = await host.next(finished(start.runId));
    assert.equal(end.info.status, 'finished');
    assert.equal(end.info.steps_completed, 8);

    const messages = host.of(start.runId);
    const streamed = messages.flatMap((m): Array<StepMetrics | EvalMetrics> => (m.type === 'DidStep' ? m.metrics : m.type === 'DidEval' ? [m.metrics] : []));
    assert.deepEqual(streamed, lines(join(start.folder, 'metrics.jsonl')), 'every metric, in file order');
    assert.deepEqual(streamed.filter((r) => 'val_loss' in r).map((r) => r.step), [4, 8]);
    assert.equal(messages.at(-1)?.type, 'DidFinish');
    assert.deepEqual(end.info, JSON.parse(readFileSync(join(start.folder, 'run.json'), 'utf8')));
  });

  it('StopRun mid-run ends the run within a second with status stopped', async () => {
    const { dir, config } = project('long', LONG);
    host.send({ type: 'StartRun', requestId: 'long', configFile: config, overrides: {}, outDir: join(dir, 'run-long') });
    const { runId, folder } = await host.next(started('long'));
    await host.next((m): m is WorkerToHost => m.type === 'DidStep' && m.runId === runId && m.metrics.some((s) => s.step >= 50));
    const stoppedAt = Date.now();
    host.send({ type: 'StopRun', runId });
    const end = await host.next(finished(runId), 5000);
    assert.ok(Date.now() - stoppedAt < 1000, `stopped after ${Date.now() - stoppedAt} ms`);
    assert.equal(end.info.status, 'stopped');
    const info = JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8'));
    assert.equal(info.status, 'stopped');
    assert.ok(info.steps_completed >= 50 && info.steps_completed < 100000);
    assert.equal(lines(join(folder, 'metrics.jsonl')).filter((r) => !('val_loss' in r)).length, info.steps_completed);
    const batches = host.of(runId).filter((m) => m.type === 'DidStep');
    assert.deepEqual(batches.flatMap((m) => m.metrics.map((s) => s.step)), Array.from({ length: info.steps_completed }, (_, i) => i + 1));
    assert.ok(batches.length < info.steps_completed / 2, `steps of a few ms are batched: ${batches.length} DidStep for ${info.steps_completed} steps`);
  });

  it('StopRun stops a bundled example (examples/story.lab.yaml) within a second', async () => {
    const out = join(tempDir('losslab-worker-'), 'story');
    host.send({ type: 'StartRun', requestId: 'story', configFile: join(ROOT, 'examples', 'story.lab.yaml'), overrides: {}, outDir: out });
    const { runId } = await host.next(started('story'));
    await host.next((m): m is WorkerToHost => m.type === 'DidStep' && m.runId === runId);
    const stoppedAt = Date.now();
    host.send({ type: 'StopRun', runId });
    const end = await host.next(finished(runId), 5000);
    assert.ok(Date.now() - stoppedAt < 1000, `stopped after ${Date.now() - stoppedAt} ms`);
    assert.equal(end.info.status, 'stopped');
  });

  it('a config error answers DidFail with the located message and starts nothing', async () => {
    const { config } = project('broken', TINY.replace('lr: 0.01', 'lr: -1'));
    host.send({ type: 'StartRun', requestId: 'broken', configFile: config, overrides: {} });
    const fail = await host.next(failedRequest('broken'));
    assert.equal(fail.runId, null);
    assert.match(fail.message, /broken\.lab\.yaml:6:\d+: error: optimizer\.lr: /);
    assert.ok(!host.received.some(started('broken')));
  });

  it('an override error and a missing file are located too', async () => {
    const { config } = project('tiny', TINY);
    host.send({ type: 'StartRun', requestId: 'override', configFile: config, overrides: { 'training.steps': 0 } });
    assert.match((await host.next(failedRequest('override'))).message, /training\.steps/);
    host.send({ type: 'StartRun', requestId: 'missing', configFile: join(tempDir(), 'none.lab.yaml'), overrides: {} });
    assert.match((await host.next(failedRequest('missing'))).message, /none\.lab\.yaml: no such file/);
  });

  it('a non-finite gradient pauses the run, naming step and parameter; it stays paused until StopRun', async () => {
    const { dir, config } = project('exploding', EXPLODING);
    host.send({ type: 'StartRun', requestId: 'nan', configFile: config, overrides: {}, outDir: join(dir, 'run-nan') });
    const { runId, folder } = await host.next(started('nan'));
    const pause = await host.next(paused(runId));
    assert.ok(pause.nonFinite, 'the pause says what went non-finite');
    assert.equal(pause.nonFinite.step, 6);
    assert.equal(pause.nonFinite.parameter, 'transformer.wte.weight');
    assert.match(pause.message, /^step 6: the gradient of transformer\.wte\.weight is not finite/);
    const stepsBefore = lines(join(folder, 'metrics.jsonl'));
    assert.deepEqual(stepsBefore.map((s) => s.step), [1, 2, 3, 4, 5]);
    assert.ok(stepsBefore.every((s) => Number.isFinite(s.loss) && Number.isFinite(s.grad_norm)), 'steps before the pause were finite');
    assert.equal(JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8')).status, 'paused');

    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(host.of(runId).at(-1)?.type, 'DidPause', 'nothing more while paused');
    host.send({ type: 'StopRun', runId });
    const end = await host.next(finished(runId), 2000);
    assert.equal(end.info.status, 'stopped');
    assert.equal(end.info.steps_completed, 5);
  });

  it('ResumeRun continues a paused run (which here pauses again at the next non-finite step)', async () => {
    const { dir, config } = project('exploding', EXPLODING);
    host.send({ type: 'StartRun', requestId: 'resume', configFile: config, overrides: {}, outDir: join(dir, 'run-resume') });
    const { runId } = await host.next(started('resume'));
    await host.next(paused(runId));
    const from = host.received.length;
    host.send({ type: 'ResumeRun', runId });
    const again = await host.next(paused(runId), 10_000, from);
    assert.equal(again.nonFinite?.step, 6, 'the skipped step is retried');
    host.send({ type: 'StopRun', runId });
    assert.equal((await host.next(finished(runId), 2000)).info.status, 'stopped');
  });

  it('refuses a second Train of a config while it trains; other configs train alongside', async () => {
    const first = project('long', LONG);
    const second = project('tiny', TINY);
    host.send({ type: 'StartRun', requestId: 'one', configFile: first.config, overrides: {}, outDir: join(first.dir, 'a') });
    const { runId } = await host.next(started('one'));
    host.send({ type: 'StartRun', requestId: 'again', configFile: first.config, overrides: {}, outDir: join(first.dir, 'b') });
    const refusal = await host.next(failedRequest('again'));
    assert.match(refusal.message, new RegExp(`long\\.lab\\.yaml is already training \\(run ${runId}\\); stop it before training it again`));
    host.send({ type: 'StartRun', requestId: 'other', configFile: second.config, overrides: {}, outDir: join(second.dir, 'run-other') });
    const other = await host.next(started('other'));
    assert.equal((await host.next(finished(other.runId))).info.status, 'finished');
    host.send({ type: 'StopRun', runId });
    assert.equal((await host.next(finished(runId), 5000)).info.status, 'stopped');
  });

  it('losslab.defaultBackend (StartRun.backend) applies only where the config says auto', async () => {
    const auto = project('auto', TINY.replace('backend: cpu-reference', 'backend: auto'));
    host.send({ type: 'StartRun', requestId: 'auto-webgpu', configFile: auto.config, overrides: {}, backend: 'webgpu', outDir: join(auto.dir, 'run-auto-webgpu') });
    // Whether WebGPU runs on this machine or not, the answer must be about the requested webgpu backend.
    const answer = await host.next((m): m is DidStartRun | DidFail => started('auto-webgpu')(m) || failedRequest('auto-webgpu')(m));
    if (answer.type === 'DidStartRun') {
      assert.match(answer.info.backend.reason, /^backend: webgpu was requested/);
      await host.next(finished(answer.runId));
    } else {
      assert.match(answer.message, /backend: webgpu /);
    }
    const pinned = project('pinned', TINY);
    host.send({ type: 'StartRun', requestId: 'pinned', configFile: pinned.config, overrides: {}, backend: 'webgpu', outDir: join(pinned.dir, 'run-pinned') });
    const start = await host.next(started('pinned'));
    assert.equal(start.info.backend.name, 'cpu-reference');
    assert.equal(start.info.backend.reason, 'backend: cpu-reference was requested (the one-thread TypeScript reference kernels)');
    await host.next(finished(start.runId));
  });

  it('ProbeWebGpu answers whether WebGPU passes its self-test in the worker, naming the adapter', async () => {
    host.send({ type: 'ProbeWebGpu', requestId: 'probe', allowFallback: true });
    const answer = await host.next((m): m is DidProbeWebGpu => m.type === 'DidProbeWebGpu' && m.requestId === 'probe');
    const here = probeWebGpu();
    assert.equal(answer.passed, here.available);
    assert.equal(answer.reason, here.reason);
    if (answer.passed) assert.ok(answer.adapter && here.reason.includes(answer.adapter.vendor), 'the adapter is the one named');
  });

  it('rejects malformed messages with DidFail and keeps working', async () => {
    const from = host.received.length;
    host.send({ type: 'StartRun', requestId: 'bad', configFile: 42, overrides: {} });
    assert.match((await host.next(failedRequest('bad'))).message, /rejected a message: StartRun: needs the path of a config file/);
    host.send({ type: 'Explode' });
    await host.next((m): m is DidFail => m.type === 'DidFail' && /unknown message type "Explode"/.test(m.message), 5000, from);
    host.send({ type: 'StopRun', runId: 'no-such-run' });
    const { dir, config } = project('tiny', TINY);
    host.send({ type: 'StartRun', requestId: 'after', configFile: config, overrides: {}, outDir: join(dir, 'run-after') });
    const start = await host.next(started('after'));
    assert.equal((await host.next(finished(start.runId))).info.status, 'finished');
  });
});

describe('training worker: the GPU fails mid-run (LOSSLAB_TEST_GPU_FAULT)', () => {
  const CHECKPOINTED = TINY.replace('eval_interval: 4', 'eval_interval: 4, checkpoint_interval: 2');
  const deterministic = (folder: string) => lines(join(folder, 'metrics.jsonl'))
    .map((r) => ('val_loss' in r ? { step: r.step, val_loss: r.val_loss } : Object.fromEntries(DETERMINISTIC_FIELDS.map((f) => [f, r[f]]))));
  let reference: string;
  before(async () => {
    ensureBuilt();
    const plain = new Host();
    const { dir, config } = project('tiny', CHECKPOINTED);
    plain.send({ type: 'StartRun', requestId: 'whole', configFile: config, overrides: {}, outDir: join(dir, 'whole') });
    const start = await plain.next(started('whole'));
    assert.equal((await plain.next(finished(start.runId))).info.status, 'finished');
    reference = start.folder;
    await plain.worker.terminate();
  });

  /** Trains CHECKPOINTED in a worker whose GPU gives up as `fault` says; resolves with the pause and the run folder. */
  async function failingRun(fault: string): Promise<{ host: Host; pause: DidPause; folder: string; config: string }> {
    const host = new Host({ ...process.env, LOSSLAB_TEST_GPU_FAULT: fault });
    const { dir, config } = project('tiny', CHECKPOINTED);
    host.send({ type: 'StartRun', requestId: 'gpu', configFile: config, overrides: {}, outDir: join(dir, 'run') });
    const { runId, folder } = await host.next(started('gpu'));
    return { host, pause: await host.next(paused(runId)), folder, config };
  }

  it('device loss: DidPause says which, at what step, from which checkpoint; the run ends paused; StartRun resumeFrom on the CPU completes it', async () => {
    const { host, pause, folder, config } = await failingRun('device-lost@3');
    try {
      assert.equal(pause.nonFinite, null);
      assert.deepEqual(pause.gpuFailure, { kind: 'device-lost', step: 3, checkpoint_step: 2 });
      assert.equal(pause.message, 'The WebGPU device was lost during step 4, so the run paused (steps 1–3 are kept): resume on the CPU from checkpoint step 2.');
      const info = JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8'));
      assert.equal(info.status, 'paused');
      assert.equal(info.message, pause.message);
      assert.deepEqual(lines(join(folder, 'metrics.jsonl')).map((r) => r.step), [1, 2, 3]);
      const streamed = host.of(pause.runId).flatMap((m) => (m.type === 'DidStep' ? m.metrics.map((s) => s.step) : []));
      assert.deepEqual(streamed, [1, 2, 3], 'every kept step reached the host before the pause');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(host.of(pause.runId).at(-1)?.type, 'DidPause', 'the pause ends the run: no DidFinish or DidFail follows');

      host.send({ type: 'StartRun', requestId: 'cpu', configFile: config, overrides: {}, resumeFrom: folder, backend: 'cpu-reference', withoutGpu: 'the GPU failed' });
      const resumed = await host.next(started('cpu'));
      assert.equal(resumed.runId, pause.runId, 'the same run continues');
      assert.equal(resumed.info.backend.name, 'cpu-reference');
      const end = await host.next((m): m is DidFinish => finished(pause.runId)(m), 60_000, host.received.indexOf(resumed));
      assert.equal(end.info.status, 'finished');
      assert.equal(end.info.gpu_failure, null);
      assert.deepEqual(deterministic(folder), deterministic(reference), 'the metrics equal an uninterrupted run');
    } finally {
      await host.worker.terminate();
    }
  });

  it('out of memory before the first checkpoint: the pause says so and the CPU run starts over in the same folder', async () => {
    const { host, pause, folder, config } = await failingRun('out-of-memory@1');
    try {
      assert.deepEqual(pause.gpuFailure, { kind: 'out-of-memory', step: 1, checkpoint_step: 0 });
      assert.equal(pause.message, 'The GPU ran out of memory during step 2, so the run paused (step 1 is kept): resume on the CPU from the start (no checkpoint was saved yet).');
      host.send({ type: 'StartRun', requestId: 'cpu', configFile: config, overrides: {}, resumeFrom: folder, backend: 'cpu-reference', withoutGpu: 'the GPU ran out of memory' });
      const resumed = await host.next(started('cpu'));
      assert.equal(resumed.info.steps_completed, 0);
      assert.equal((await host.next(finished(pause.runId), 60_000, host.received.indexOf(resumed))).info.status, 'finished');
      assert.deepEqual(deterministic(folder), deterministic(reference));
    } finally {
      await host.worker.terminate();
    }
  });
});
