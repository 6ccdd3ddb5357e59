// The host's side of the training worker without VS Code: TrainingSupervisor over TrainingWorkerClient and the real
// dist/worker.js, including what happens when the worker dies mid-run (killed, crashed, out of memory).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { EvalMetrics, StepMetrics } from '../../src/engine/train/metrics';
import type { RunMetricsEvent } from '../../src/extension/training/events';
import { startRunRequest } from '../../src/extension/training/runRequest';
import { activeRunStatus, endedRunStatus, formatLoss, formatRate } from '../../src/extension/training/statusText';
import { TrainingSupervisor, type RunChange } from '../../src/extension/training/trainingSupervisor';
import { lockState, readRunInfo } from '../../src/node/runFolder';
import type { RunInfo } from '../../src/protocol/runInfo';
import { ensureBuilt, tempDir } from '../support/cli';

const WORKER = join(__dirname, '..', '..', 'dist', 'worker.js');
const TEXT = 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(30);

function project(name: string, training: string): { dir: string; config: string } {
  const dir = tempDir('losslab-client-');
  writeFileSync(join(dir, 'story.txt'), TEXT);
  writeFileSync(join(dir, `${name}.lab.yaml`), `name: ${name}
seed: 3
backend: cpu
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
training: ${training}
`);
  return { dir, config: join(dir, `${name}.lab.yaml`) };
}

/** A supervisor whose listener records everything it hears. */
function supervised(workerFile = WORKER, resourceLimits?: { maxOldGenerationSizeMb: number }) {
  const changes: RunChange[] = [];
  const metrics: RunMetricsEvent[] = [];
  const lost: Array<{ reason: string; runs: RunInfo[] }> = [];
  const logged: string[] = [];
  const supervisor = new TrainingSupervisor({
    workerFile, resourceLimits,
    listener: {
      onRunChanged: (change) => changes.push(change),
      onMetrics: (event) => metrics.push(event),
      onWorkerLost: (reason, runs) => lost.push({ reason, runs }),
      log: (_level, message) => logged.push(message),
    },
  });
  const records = (runId: string) => metrics.filter((e) => e.runId === runId).flatMap((e): Array<StepMetrics | EvalMetrics> => [...e.steps, ...e.evals]);
  return { supervisor, changes, metrics, lost, records, logged };
}

const fileRecords = (folder: string) => readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepMetrics | EvalMetrics);
const runJson = (folder: string) => JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8')) as RunInfo;
const until = async (condition: () => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('TrainingSupervisor and TrainingWorkerClient', () => {
  before(() => ensureBuilt());

  it('trains through the worker: RunInfo updates, every metric in order, whenRunEnds', async () => {
    const { supervisor, changes, records } = supervised();
    const { dir, config } = project('tiny', '{ steps: 6, batch_size: 4, eval_interval: 3, eval_steps: 1 }');
    const { runId, folder } = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'out') });
    assert.deepEqual(supervisor.activeRuns().map((r) => r.id), [runId]);
    const info = await supervisor.whenRunEnds(runId);
    assert.equal(info.status, 'finished');
    assert.deepEqual(info, runJson(folder));
    assert.deepEqual(records(runId), fileRecords(folder));
    assert.deepEqual(changes.map((c) => c.info.status), ['running', 'finished']);
    assert.deepEqual(supervisor.activeRuns(), []);
    assert.deepEqual(await supervisor.whenRunEnds(runId), info, 'an ended run answers at once');
    await supervisor.dispose();
  });

  it('rejects a Train that cannot start with the located message', async () => {
    const { supervisor } = supervised();
    const { config } = project('broken', '{ steps: -3 }');
    await assert.rejects(supervisor.train({ configFile: config, overrides: {} }), /broken\.lab\.yaml:6:\d+: error: training\.steps/);
    await supervisor.dispose();
  });

  it('a GPU failure ends the run paused (not failed) with its message; resuming it on the CPU continues the same run', async () => {
    const { supervisor, changes } = supervised();
    const { dir, config } = project('gpu', '{ steps: 6, batch_size: 4, checkpoint_interval: 2 }');
    // The worker takes its environment when it starts, on the first Train.
    process.env.LOSSLAB_TEST_GPU_FAULT = 'device-lost@3';
    let started: { runId: string; folder: string };
    try {
      started = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'out') });
    } finally {
      delete process.env.LOSSLAB_TEST_GPU_FAULT;
    }
    const { runId, folder } = started;
    const paused = await supervisor.whenRunEnds(runId);
    assert.equal(paused.status, 'paused');
    assert.deepEqual(paused.gpu_failure, { kind: 'device-lost', step: 3, checkpoint_step: 2 });
    assert.equal(paused.message, runJson(folder).message);
    assert.match(paused.message ?? '', /^The WebGPU device was lost during step 4, .*resume on the CPU from checkpoint step 2\.$/);
    assert.equal(paused.steps_completed, 3);
    assert.deepEqual(supervisor.activeRuns(), [], 'a run paused by its GPU is no longer active');
    assert.equal(supervisor.runFolder(runId), folder);
    assert.deepEqual(changes.at(-1), { info: paused });
    assert.match(endedRunStatus(paused).text, /paused at step 3\/6: the GPU failed, resume on the CPU/);

    const again = await supervisor.train({ configFile: config, overrides: {}, resumeFrom: folder, backend: 'cpu', withoutGpu: 'the GPU failed' });
    assert.equal(again.runId, runId);
    const done = await supervisor.whenRunEnds(runId);
    assert.equal(done.status, 'finished');
    assert.equal(done.steps_completed, 6);
    assert.equal(done.gpu_failure, null);
    await supervisor.dispose();
  });

  it('a worker killed mid-run: run.json says failed with the reason, metrics are kept, the next Train gets a fresh worker', async () => {
    const { supervisor, changes, lost, records } = supervised();
    const { dir, config } = project('long', '{ steps: 100000, batch_size: 4, eval_interval: 5, eval_steps: 1 }');
    const { runId, folder } = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'out') });
    await until(() => records(runId).filter((r) => !('val_loss' in r)).length >= 12);
    await supervisor.killWorker();

    const info = runJson(folder);
    const kept = fileRecords(folder);
    const steps = kept.filter((r): r is StepMetrics => !('val_loss' in r));
    assert.equal(info.status, 'failed');
    assert.equal(info.message, `the training worker was killed; the metrics of steps 1–${steps.length} are kept`);
    assert.ok(info.finished_at);
    assert.deepEqual(steps.map((s) => s.step), Array.from({ length: steps.length }, (_, i) => i + 1));
    assert.equal(info.steps_completed, steps.length);
    assert.equal(info.final_loss, steps.at(-1)?.loss);
    assert.deepEqual(records(runId), kept, 'the listener got every metric, including those the worker had not yet sent');
    assert.deepEqual(await supervisor.whenRunEnds(runId), info);
    assert.deepEqual(changes.at(-1), { info, workerLost: 'the training worker was killed' });
    assert.deepEqual(lost, [{ reason: 'the training worker was killed', runs: [info] }]);
    assert.deepEqual(supervisor.activeRuns(), []);

    const next = project('tiny', '{ steps: 3, batch_size: 2 }');
    const again = await supervisor.train({ configFile: next.config, overrides: {}, outDir: join(next.dir, 'out') });
    assert.equal((await supervisor.whenRunEnds(again.runId)).status, 'finished');
    await supervisor.dispose();
  });

  it('a killed worker releases the run lock it held for this process, so the failed run reads failed and can be resumed', async () => {
    const { supervisor, records, logged } = supervised();
    const { dir, config } = project('long', '{ steps: 100000, batch_size: 4, checkpoint_interval: 2 }');
    const { runId, folder } = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'out') });
    await until(() => records(runId).length >= 4);
    assert.equal(lockState(folder), 'live');
    await supervisor.killWorker();
    assert.equal(lockState(folder), 'none');
    assert.equal(readRunInfo(folder).status, 'failed');
    // A lock left by a process that has exited: the resume takes it over and the host's log hears so.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(folder, 'run.lock'), JSON.stringify({ pid: dead, host: hostname(), start: null, token: 'x', since: 'then' }));
    const resumed = await supervisor.train({ configFile: config, overrides: { 'training.steps': 20 }, resumeFrom: folder });
    assert.equal((await supervisor.whenRunEnds(resumed.runId)).status, 'finished');
    assert.deepEqual(fileRecords(folder).filter((r) => !('val_loss' in r)).map((r) => r.step), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.ok(logged.some((line) => line.includes(`took over the lock left by process ${dead}`)), logged.join('\n'));
    await supervisor.dispose();
  });

  it('shutting down (dispose) stops the runs in progress after their step: run.json says stopped, steps match the metrics', async () => {
    const { supervisor, records } = supervised();
    const { dir, config } = project('long', '{ steps: 100000, batch_size: 4 }');
    const { runId, folder } = await supervisor.train({ configFile: config, overrides: {}, outDir: join(dir, 'out') });
    await until(() => records(runId).length >= 3);
    await supervisor.dispose();
    const info = readRunInfo(folder);
    assert.equal(info.status, 'stopped');
    assert.equal(info.steps_completed, fileRecords(folder).filter((r) => !('val_loss' in r)).length);
    assert.equal(lockState(folder), 'none');
  });

  it('runs in workers of their own (sweep trials) train at once in two threads; stop reaches each; each worker ends with its run', async () => {
    const { supervisor, records, logged, lost } = supervised();
    const left = project('left', '{ steps: 100000, batch_size: 4 }');
    const right = project('right', '{ steps: 100000, batch_size: 4 }');
    const runs = [
      await supervisor.trainInOwnWorker({ configFile: left.config, overrides: {}, outDir: join(left.dir, 'left-run') }),
      await supervisor.trainInOwnWorker({ configFile: right.config, overrides: {}, outDir: join(right.dir, 'right-run') }),
    ];
    const threads = runs.map((run) => supervisor.workerThreadOf(run.runId));
    assert.ok(threads.every((thread) => typeof thread === 'number' && thread > 0), String(threads));
    assert.notEqual(threads[0], threads[1]);
    assert.equal(logged.filter((m) => m.startsWith('training worker started')).length, 2, 'the shared worker was not used');
    await until(() => runs.every((run) => records(run.runId).length >= 3));
    for (const run of runs) supervisor.stop(run.runId);
    const ended = await Promise.all(runs.map((run) => supervisor.whenRunEnds(run.runId)));
    assert.deepEqual(ended.map((info) => info.status), ['stopped', 'stopped']);
    for (const [i, run] of runs.entries()) assert.equal(ended[i].steps_completed, fileRecords(run.folder).filter((r) => !('val_loss' in r)).length);
    await until(() => logged.filter((m) => m === 'training worker gone: its run ended').length === 2);
    assert.deepEqual(lost.flatMap((l) => l.runs), [], 'ending a run\'s own worker fails no run');
    await supervisor.dispose();
  });

  it('a worker that crashes reports the error as the reason', async () => {
    const dir = tempDir('losslab-client-');
    const folder = join(dir, 'run');
    mkdirSync(folder);
    const info = { id: 'crash-run', name: 'crash', config_file: join(dir, 'crash.lab.yaml'), status: 'running', backend: { name: 'cpu', description: 'CPU', reason: 'test' },
      versions: { losslab: '0', node: process.version }, started_at: new Date().toISOString(), finished_at: null, steps_completed: 0, total_steps: 10,
      parameters: 1, vocab_size: 1, final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null };
    writeFileSync(join(folder, 'run.json'), JSON.stringify(info));
    const step = { step: 1, loss: 2.5, lr: 0.1, grad_norm: 1, grad_norm_clipped: 1, tokens: 8, tokens_per_sec: 100, time_ms: 5 };
    // Half a line at the end, as a crash in the middle of a write would leave it.
    writeFileSync(join(folder, 'metrics.jsonl'), `${JSON.stringify(step)}\n${JSON.stringify({ ...step, step: 2 })}\n{"step":3,"lo`);
    const fake = join(dir, 'crashing-worker.js');
    writeFileSync(fake, `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  parentPort.postMessage({ type: 'DidStartRun', requestId: m.requestId, runId: 'crash-run', folder: ${JSON.stringify(folder)}, info: ${JSON.stringify(info)} });
  parentPort.postMessage({ type: 'DidStep', runId: 'crash-run', metrics: [${JSON.stringify(step)}] });
  setTimeout(() => { throw new Error('kernel exploded'); }, 50);
});`);
    const { supervisor, lost, records } = supervised(fake);
    await supervisor.train({ configFile: info.config_file, overrides: {} });
    const ended = await supervisor.whenRunEnds('crash-run');
    assert.equal(ended.status, 'failed');
    assert.equal(ended.message, 'the training worker crashed: kernel exploded; the metrics of steps 1–2 are kept');
    assert.deepEqual(runJson(folder), ended);
    assert.deepEqual(records('crash-run').map((r) => r.step), [1, 2]);
    assert.equal(lost[0].reason, 'the training worker crashed: kernel exploded');
  });

  it('a worker out of memory (ERR_WORKER_OUT_OF_MEMORY) says so, with its heap limit', async () => {
    const dir = tempDir('losslab-client-');
    const fake = join(dir, 'hungry-worker.js');
    writeFileSync(fake, `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  parentPort.postMessage({ type: 'DidStartRun', requestId: m.requestId, runId: 'oom-run', folder: ${JSON.stringify(join(dir, 'missing'))},
    info: { id: 'oom-run', name: 'oom', config_file: 'x', status: 'running', backend: {}, total_steps: 1, steps_completed: 0 } });
  const hoard = [];
  setTimeout(() => { for (;;) hoard.push(new Array(1e5).fill({ x: hoard.length })); }, 10);
});`);
    const { supervisor, lost } = supervised(fake, { maxOldGenerationSizeMb: 16 });
    await supervisor.train({ configFile: 'x', overrides: {} });
    const ended = await supervisor.whenRunEnds('oom-run');
    assert.equal(ended.status, 'failed');
    assert.equal(lost[0].reason, 'the training worker ran out of memory (its heap is limited to 16 MB)');
    assert.equal(ended.message, lost[0].reason, 'no run folder to update, the reason still reaches the host');
  });
});

describe('startRunRequest (losslab.defaultBackend, losslab.runFolder)', () => {
  const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
  let named: { dir: string; config: string };
  before(() => (named = project('named', '{ steps: 2 }')));

  it('passes backend only when the setting is not auto, and no outDir without a run folder', async () => {
    assert.deepEqual(await startRunRequest(named.config, {}, { defaultBackend: 'auto', runFolder: '' }), { configFile: named.config, overrides: {} });
    assert.deepEqual(await startRunRequest(named.config, { 'training.steps': 1 }, { defaultBackend: 'cpu', runFolder: '  ' }),
      { configFile: named.config, overrides: { 'training.steps': 1 }, backend: 'cpu' });
  });

  it('puts runs in <runFolder>/<config name>/<run id>, relative to the config folder or absolute', async () => {
    const relative = (await startRunRequest(named.config, {}, { defaultBackend: 'auto', runFolder: '../runs' })).outDir ?? '';
    assert.equal(dirname(relative), join(dirname(named.dir), 'runs', 'named'));
    assert.match(basename(relative), RUN_ID);
    const absolute = (await startRunRequest(named.config, {}, { defaultBackend: 'auto', runFolder: join(named.dir, 'abs') })).outDir ?? '';
    assert.equal(dirname(absolute), join(named.dir, 'abs', 'named'));
    assert.match(basename(absolute), RUN_ID);
  });

  it('leaves outDir to the worker when the config does not load (it reports the error, located)', async () => {
    const broken = project('broken', '{ steps: [] }');
    assert.equal((await startRunRequest(broken.config, {}, { defaultBackend: 'auto', runFolder: 'runs' })).outDir, undefined);
  });
});

describe('status bar text of a run', () => {
  const info: RunInfo = {
    id: 'r', name: 'story', config_file: '/p/story.lab.yaml', status: 'running', backend: { name: 'cpu', description: 'CPU (1 thread)', reason: 'auto: no GPU, so the CPU runs' },
    versions: { losslab: '0', node: 'v20' }, started_at: '', finished_at: null, steps_completed: 0, total_steps: 300, parameters: 1, vocab_size: 1,
    final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null,
  };
  const step: StepMetrics = { step: 120, loss: 1.23449, lr: 0.001, grad_norm: 1, grad_norm_clipped: 1, tokens: 64, tokens_per_sec: 5140, time_ms: 1 };

  it('shows step/total, loss, tokens/s and backend while training; the backend reason in the tooltip', () => {
    assert.deepEqual(activeRunStatus(info, step, 0).text, '$(sync~spin) Loss Lab step 120/300 · loss 1.234 · 5.1k tok/s · cpu');
    assert.equal(activeRunStatus(info, undefined, 2).text, '$(sync~spin) Loss Lab step 0/300 · cpu (+2 more)');
    assert.match(activeRunStatus(info, step, 0).tooltip, /^story — \/p\/story\.lab\.yaml\nBackend: CPU \(1 thread\) \(auto: no GPU, so the CPU runs\)\n/);
    const paused = activeRunStatus({ ...info, status: 'paused', steps_completed: 6, message: 'step 7: the gradient of lm_head.weight is not finite' }, undefined, 0);
    assert.deepEqual([paused.text, paused.tone], ['$(debug-pause) Loss Lab paused at step 6/300 · cpu', 'warning']);
    assert.match(paused.tooltip, /step 7: the gradient of lm_head\.weight is not finite/);
  });

  it('shows the result after a run', () => {
    const done = { ...info, steps_completed: 300, final_loss: 0.98765 };
    assert.equal(endedRunStatus({ ...done, status: 'finished' }).text, '$(check) Loss Lab finished 300/300 · loss 0.9877');
    assert.equal(endedRunStatus({ ...done, status: 'stopped', steps_completed: 42 }).text, '$(debug-stop) Loss Lab stopped at step 42/300 · loss 0.9877');
    assert.deepEqual([endedRunStatus({ ...done, status: 'failed' }).tone, endedRunStatus({ ...done, status: 'failed' }).text], ['error', '$(error) Loss Lab failed at step 300/300']);
  });

  it('formats rates and losses for reading at a glance', () => {
    assert.deepEqual([512.4, 999.7, 5140, 999_999, 2_345_678, Number.NaN].map(formatRate), ['512', '1.0k', '5.1k', '1.0M', '2.3M', '–']);
    assert.deepEqual([1.23449, 0.0123456, 1234.5, 264750768, Number.NaN, Infinity].map(formatLoss), ['1.234', '0.01235', '1235', '264800000', 'NaN', 'Infinity']);
  });
});
