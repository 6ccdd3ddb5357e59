// The host's side of webview training without VS Code: TrainingSupervisor hands a run to the browser trainer
// through a fake dashboard relay (structured clones both ways, as postMessage does), records what the trainer reports
// into the run folder, and falls back to the extension host's CPU when the browser has no WebGPU adapter. Where this
// machine has a WebGPU adapter, the browser trainer itself (webview/trainer/runs.ts) runs on it through Dawn.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { WebGpuBackend, acquireWebGpu, findGpu } from '../../src/engine/backends/webgpu';
import type { EvalMetrics, StepMetrics } from '../../src/engine/train/metrics';
import { validateBrowserTrainerMessage } from '../../src/extension/training/browserTrainerMessages';
import type { RunMetricsEvent } from '../../src/extension/training/events';
import { TrainingSupervisor, type RunChange } from '../../src/extension/training/trainingSupervisor';
import type { BrowserTrainerToHost, HostToBrowserTrainer } from '../../src/protocol/browserTrainer';
import type { StoredRunInfo } from '../../src/node/runFolder';
import { BrowserRuns } from '../../webview/trainer/runs';
import { probeWebGpu } from '../support/backends';
import { ensureBuilt, tempDir } from '../support/cli';

const WORKER = join(__dirname, '..', '..', 'dist', 'worker.js');
const TEXT = 'the quick brown fox jumps over the lazy dog; a slow red hen naps by the barn. '.repeat(40);
const probe = probeWebGpu();
const noGpu = !probe.available && process.env.LOSSLAB_REQUIRE_WEBGPU !== '1' ? `no WebGPU adapter here: ${probe.reason}` : false;

function project(backend: string, steps = 8): { dir: string; config: string } {
  const dir = tempDir('losslab-relay-');
  writeFileSync(join(dir, 'story.txt'), TEXT);
  writeFileSync(join(dir, 'relay.lab.yaml'), `name: relay
seed: 9
backend: ${backend}
model: { kind: gpt, d_model: 32, n_layers: 2, n_heads: 4, context: 16 }
data: { train: story.txt, vocab: char }
optimizer: { lr: 0.003 }
schedule: { warmup_steps: 2, decay: cosine }
training: { steps: ${steps}, batch_size: 4, checkpoint_interval: 3, eval_interval: 4, eval_steps: 2 }
`);
  return { dir, config: join(dir, 'relay.lab.yaml') };
}

/** The dashboard webview as the host sees it: messages cloned across, the browser trainer behind it. */
class FakeDashboard {
  readonly toTrainer: HostToBrowserTrainer[] = [];
  readonly fromTrainer: BrowserTrainerToHost[] = [];
  readonly rejected: string[] = [];
  supervisor: TrainingSupervisor | null = null;
  readonly trainer: BrowserRuns;

  constructor(gpu: GPU | undefined) {
    this.trainer = new BrowserRuns({ gpu, send: (message) => this.fromBrowser(message) });
  }

  port = { post: (message: HostToBrowserTrainer) => this.toBrowser(structuredClone(message)) };

  private toBrowser(message: HostToBrowserTrainer): void {
    this.toTrainer.push(message);
    setImmediate(() => {
      if (message.type === 'TrainPrepared') void this.trainer.start(message);
      else if (message.type === 'StopRun') this.trainer.stop(message.runId);
      else this.trainer.resume(message.runId);
    });
  }

  private fromBrowser(message: BrowserTrainerToHost): void {
    const copy = structuredClone(message);
    this.fromTrainer.push(copy);
    const valid = validateBrowserTrainerMessage(copy);
    if (typeof valid === 'string') this.rejected.push(valid);
    else setImmediate(() => void this.supervisor?.relayFromBrowser(valid));
  }
}

function supervised(dashboard: FakeDashboard) {
  const changes: RunChange[] = [];
  const metrics: RunMetricsEvent[] = [];
  const supervisor = new TrainingSupervisor({
    workerFile: WORKER, version: 'test',
    connectBrowserTrainer: async () => dashboard.port,
    listener: { onRunChanged: (change) => changes.push(change), onMetrics: (event) => metrics.push(event) },
  });
  dashboard.supervisor = supervisor;
  const records = (runId: string) => metrics.filter((e) => e.runId === runId).flatMap((e): Array<StepMetrics | EvalMetrics> => [...e.steps, ...e.evals]);
  return { supervisor, changes, records };
}

type Line = { step: number; loss?: number; val_loss?: number };
const lines = (folder: string): Line[] => readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
const runJson = (folder: string) => JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8')) as StoredRunInfo;
const losses = (folder: string) => lines(folder).filter((l) => !('val_loss' in l)).map((l) => l.loss as number);

describe('validateBrowserTrainerMessage (what the dashboard relays from the trainer)', () => {
  const tensors = [{ name: 'w', shape: [2], data: new Float32Array(2) }];
  const state = { step: 3, optimizerStep: 3, optimizerState: tensors, sampler: { mode: 'random-windows', seed: 1, rng: [1, 2, 3, 4], cursor: 0, epoch: 0, size: 100 } };
  const step = { step: 1, loss: 2, lr: 0.1, grad_norm: 1, grad_norm_clipped: 1, tokens: 8, pad_fraction: 0, tokens_per_sec: 10, time_ms: 1 };

  it('accepts the trainer\'s messages with their typed arrays', () => {
    for (const message of [
      { type: 'DidStep', runId: 'r', metrics: [step], parameterNorms: [new Float64Array(1)] },
      { type: 'DidCheckpoint', runId: 'r', step: 3, weights: tensors, state },
      { type: 'DidFinish', runId: 'r', status: 'stopped', step: 3, weights: tensors, state },
      { type: 'DidFail', runId: 'r', kind: 'device-lost', message: 'lost' },
    ]) assert.equal(validateBrowserTrainerMessage(message), message);
  });

  it('rejects tensors that lost their typed arrays, mismatched norms, unknown kinds and types', () => {
    for (const message of [
      { type: 'DidStep', runId: 'r', metrics: [step], parameterNorms: [[1]] },
      { type: 'DidStep', runId: 'r', metrics: [step, step], parameterNorms: [new Float64Array(1)] },
      { type: 'DidCheckpoint', runId: 'r', step: 3, weights: [{ name: 'w', shape: [2], data: [0, 0] }], state },
      { type: 'DidFinish', runId: 'r', status: 'failed', step: 3, weights: tensors, state },
      { type: 'DidFail', runId: 'r', kind: 'meltdown', message: 'x' },
      { type: 'TrainPrepared', runId: 'r' },
      { type: 'DidEval', metrics: { step: 1, val_loss: 1 } },
    ]) assert.equal(typeof validateBrowserTrainerMessage(message), 'string', JSON.stringify(message.type));
  });
});

describe('webview training: the host side of the relay', () => {
  before(() => ensureBuilt());

  it('a browser without a WebGPU adapter: the run trains on the CPU in the extension host, and run.json says why', async () => {
    const dashboard = new FakeDashboard(undefined);
    const { supervisor, changes } = supervised(dashboard);
    const { dir, config } = project('webgpu', 4);
    const started = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'run') }, 'webview', 'losslab.trainingLocation is webview');
    assert.deepEqual(dashboard.toTrainer.map((m) => m.type), ['TrainPrepared']);
    assert.deepEqual(dashboard.fromTrainer.map((m) => [m.type, m.type === 'DidFail' ? m.kind : '']), [['DidFail', 'no-adapter']]);
    const info = await supervisor.whenRunEnds(started.runId);
    assert.equal(info.status, 'finished');
    assert.equal(info.steps_completed, 4);
    assert.equal(started.folder, join(dir, 'run'));
    const prepared = dashboard.toTrainer[0];
    assert.equal(prepared.type === 'TrainPrepared' && prepared.runId, started.runId, 'the CPU trains the run the browser was offered');
    const stored = runJson(started.folder);
    assert.notEqual(stored.backend.name, 'webgpu');
    assert.equal(stored.backend.adapter, null);
    assert.match(stored.backend.reason, /^backend: webgpu was set aside; auto: .*no WebGPU: losslab\.trainingLocation is webview; the dashboard webview has no usable WebGPU adapter \(this webview has no navigator\.gpu/);
    assert.equal(changes[0].info.id, started.runId);
    assert.deepEqual(dashboard.rejected, []);
    await supervisor.dispose();
  });

  it('a StartRun the host cannot prepare fails at once with the located message; nothing reaches the browser', async () => {
    const dashboard = new FakeDashboard(undefined);
    const { supervisor } = supervised(dashboard);
    const { config } = project('webgpu', -2);
    await assert.rejects(supervisor.train({ configFile: config, overrides: {} }, 'webview', 'test'), /relay\.lab\.yaml:\d+:\d+: error: training\.steps/);
    assert.deepEqual(dashboard.toTrainer, []);
    await supervisor.dispose();
  });

  describe('with the browser trainer on this machine\'s WebGPU adapter', { skip: noGpu }, () => {
    let gpu: GPU;
    before(async () => {
      const found = await findGpu();
      assert.ok(typeof found !== 'string', String(found));
      gpu = found;
    });

    it('records the run like an extension-host one: run.json with the adapter, metrics, checkpoints, final weights; losses equal the CPU run', async () => {
      const dashboard = new FakeDashboard(gpu);
      const { supervisor, records } = supervised(dashboard);
      const { dir, config } = project('webgpu');
      const started = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'run') }, 'webview', 'losslab.trainingLocation is webview');
      const info = await supervisor.whenRunEnds(started.runId);
      assert.equal(info.status, 'finished');
      const stored = runJson(started.folder);
      assert.equal(stored.status, 'finished');
      assert.equal(stored.steps_completed, 8);
      assert.equal(stored.backend.name, 'webgpu');
      assert.match(stored.backend.reason, /^losslab\.trainingLocation is webview; .*passed its self-test/);
      assert.equal(stored.backend.adapter?.isFallbackAdapter, probe.reason.includes('software fallback'));
      assert.deepEqual(records(started.runId), lines(started.folder), 'the listener got every metric, in file order');
      assert.deepEqual(lines(started.folder).filter((l) => 'val_loss' in l).map((l) => l.step), [4, 8]);
      for (const file of ['step-000003.safetensors', 'step-000006.state.safetensors', 'final.safetensors']) {
        assert.ok(existsSync(join(started.folder, 'checkpoints', file)), file);
      }
      assert.ok(existsSync(join(started.folder, 'vocab.json')));
      assert.ok(readFileSync(join(started.folder, 'grad_norms.jsonl'), 'utf8').trim().split('\n').length === 8);

      const cpu = await supervisor.train({ configFile: config, overrides: { backend: 'cpu-reference' }, outDir: join(dir, 'cpu') });
      assert.equal((await supervisor.whenRunEnds(cpu.runId)).status, 'finished');
      const reference = losses(cpu.folder);
      losses(started.folder).forEach((loss, i) => assert.ok(Math.abs(loss - reference[i]) <= 1e-4, `step ${i + 1}: ${loss} vs ${reference[i]}`));
      assert.deepEqual(dashboard.rejected, []);
      await supervisor.dispose();
    });

    it('Stop reaches the browser trainer; the stopped run keeps its steps and gets its checkpoint and final weights', async () => {
      const dashboard = new FakeDashboard(gpu);
      const { supervisor, records } = supervised(dashboard);
      const { dir, config } = project('webgpu', 100000);
      const started = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'run') }, 'webview', 'test');
      const stepsHeard = () => records(started.runId).filter((r) => !('val_loss' in r)).length;
      for (let waited = 0; waited < 60_000 && stepsHeard() < 5; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
      supervisor.stop(started.runId);
      const info = await supervisor.whenRunEnds(started.runId);
      assert.equal(info.status, 'stopped');
      assert.ok(dashboard.toTrainer.some((m) => m.type === 'StopRun' && m.runId === started.runId));
      const stored = runJson(started.folder);
      assert.equal(stored.status, 'stopped');
      assert.ok(stored.finished_at);
      const steps = losses(started.folder).length;
      assert.equal(stored.steps_completed, steps);
      assert.ok(steps >= 5 && steps < 100000, `stopped after ${steps} steps`);
      const last = `step-${String(steps).padStart(6, '0')}.safetensors`;
      assert.ok(existsSync(join(started.folder, 'checkpoints', last)) && existsSync(join(started.folder, 'checkpoints', 'final.safetensors')), last);
      await supervisor.dispose();
    });

    it('a device lost in the browser pauses the run (steps and checkpoint kept); resuming on the CPU in the extension host completes it', async () => {
      const dashboard = new FakeDashboard(gpu);
      const { supervisor, changes } = supervised(dashboard);
      const { dir, config } = project('webgpu', 12);
      const started = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'run') }, 'webview', 'test');
      const shared = await acquireWebGpu({ allowFallback: true, gpu });
      assert.ok(shared.backend instanceof WebGpuBackend);
      const device = shared.backend.device;
      for (let waited = 0; waited < 60_000 && !existsSync(join(started.folder, 'checkpoints', 'step-000003.safetensors')); waited += 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      device.destroy();
      const paused = await supervisor.whenRunEnds(started.runId);
      assert.equal(paused.status, 'paused');
      const failure = paused.gpu_failure;
      assert.ok(failure, 'the pause says the GPU failed');
      assert.equal(failure.kind, 'device-lost');
      const kept = losses(started.folder).length;
      assert.equal(failure.step, kept);
      assert.ok(kept >= 3 && kept < 12, `lost mid-run, after step ${kept}`);
      assert.equal(failure.checkpoint_step, Math.floor(kept / 3) * 3);
      assert.match(paused.message ?? '', new RegExp(`^The WebGPU device was lost during step ${kept + 1}, .*resume on the CPU from checkpoint step ${failure.checkpoint_step}\\.$`));
      assert.deepEqual(runJson(started.folder).gpu_failure, failure);
      assert.deepEqual(changes.at(-1), { info: paused });

      const resumed = await supervisor.train({ configFile: config, overrides: {}, resumeFrom: started.folder, backend: 'cpu', withoutGpu: 'its GPU failed' });
      assert.equal(resumed.runId, started.runId);
      const done = await supervisor.whenRunEnds(started.runId);
      assert.equal(done.status, 'finished');
      assert.equal(done.backend.name, 'wasm');
      assert.deepEqual(lines(started.folder).filter((l) => !('val_loss' in l)).map((l) => l.step), Array.from({ length: 12 }, (_, i) => i + 1));
      assert.deepEqual(runJson(started.folder).resumes?.map((r) => r.from_step), [failure.checkpoint_step]);
      await supervisor.dispose();
    });
  });
});
