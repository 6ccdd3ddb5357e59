// Where training runs (losslab.trainingLocation) and what a GPU failure mid-run does, in the real extension host.
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { LossLabApi } from '../../src/extension/api';
import type { HostToDashboard } from '../../src/protocol/dashboard';
import { dashboardHooks } from './support/dashboardHooks';
import { activateLossLab, waitUntil } from './support/lossLab';
import { readMetrics, readRunInfo } from './support/runFolder';
import { RunRecorder } from './support/runRecorder';
import { assertContiguous, trainFixture, type StartedRun } from './support/training';

const setLocation = (value: string | undefined) =>
  vscode.workspace.getConfiguration('losslab').update('trainingLocation', value, vscode.ConfigurationTarget.Workspace);

suite('training location and GPU failures', () => {
  let api: LossLabApi;
  let recorder: RunRecorder;

  suiteSetup(async () => {
    api = (await activateLossLab()).api;
    recorder = new RunRecorder(api);
  });
  suiteTeardown(() => recorder.dispose());
  teardown(async () => {
    await setLocation(undefined);
    // A worker started with a test's fault injection must not train the next test's runs.
    delete process.env.LOSSLAB_TEST_GPU_FAULT;
    await api.killWorkerForTesting();
  });

  test('webview: the dashboard is asked to train; a webview without a usable WebGPU adapter hands the run to the CPU, saying why', async () => {
    await setLocation('webview');
    const run = await trainFixture('tiny.lab.yaml');
    const ended = await api.whenRunEnds(run.runId);
    assert.equal(ended.status, 'finished', ended.message ?? '');
    const info = readRunInfo(run.folder);
    const relayed = (dashboardHooks(api)?.posted ?? []).filter((m): m is Extract<HostToDashboard, { type: 'RelayToTrainer' }> => m.type === 'RelayToTrainer');
    assert.deepEqual(relayed.map((m) => [m.message.type, m.message.runId]), [['TrainPrepared', run.runId]], 'the run was handed to the dashboard');
    if (info.backend.name === 'webgpu') {
      // This browser has WebGPU: the run trained in the dashboard's Web Worker.
      assert.ok(info.backend.adapter, 'run.json names the adapter');
      assert.match(info.backend.reason, /^losslab\.trainingLocation is webview; /);
    } else {
      assert.equal(info.backend.adapter, null);
      assert.match(info.backend.reason, /no WebGPU: losslab\.trainingLocation is webview; the dashboard webview has no usable WebGPU adapter \(.+\)/);
      assert.doesNotMatch(info.backend.reason, /could not start its training worker|refused a message/, 'the Web Worker started and looked for an adapter');
    }
    assertContiguous(readMetrics(run.folder).steps, 'the run in the webview location');
    assert.equal(readMetrics(run.folder).steps.length, 30);
  });

  test('cpu: a config asking for WebGPU trains without it, and run.json says the setting chose', async () => {
    await setLocation('cpu');
    const run = await api.training.train(vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'tiny.lab.yaml'), { backend: 'webgpu' });
    const ended = await api.whenRunEnds(run.runId);
    assert.equal(ended.status, 'finished', ended.message ?? '');
    const info = readRunInfo(run.folder);
    assert.notEqual(info.backend.name, 'webgpu');
    assert.equal(info.backend.adapter, null);
    assert.match(info.backend.reason, /^backend: webgpu was set aside; .*no WebGPU: losslab\.trainingLocation is cpu/);
  });

  test('a device lost mid-run pauses the run with the message (dashboard too); Resume Training continues it on the CPU', async () => {
    process.env.LOSSLAB_TEST_GPU_FAULT = 'device-lost@12';
    await api.killWorkerForTesting();
    const run: StartedRun = await trainFixture('tiny.lab.yaml');
    const paused = await api.whenRunEnds(run.runId);
    assert.equal(paused.status, 'paused');
    assert.deepEqual(paused.gpu_failure, { kind: 'device-lost', step: 12, checkpoint_step: 0 });
    assert.equal(paused.message, 'The WebGPU device was lost during step 13, so the run paused (steps 1–12 are kept): resume on the CPU from the start (no checkpoint was saved yet).');
    assert.equal(readRunInfo(run.folder).message, paused.message);
    assert.deepEqual(api.training.activeRuns(), []);
    await waitUntil('the dashboard to show the pause', () => (dashboardHooks(api)?.posted ?? []).some((m) =>
      (m.type === 'DidUpdateRun' && m.info.id === run.runId && m.info.status === 'paused' && m.info.message === paused.message)
      || (m.type === 'DidSelectConfig' && m.runs.some((r) => r.info.id === run.runId && r.info.status === 'paused' && r.info.message === paused.message))));

    delete process.env.LOSSLAB_TEST_GPU_FAULT;
    const resumed = await vscode.commands.executeCommand<StartedRun | undefined>('losslab.resume', vscode.Uri.file(run.folder));
    assert.ok(resumed, 'Resume Training started nothing');
    assert.equal(resumed.runId, run.runId);
    const ended = await api.whenRunEnds(run.runId);
    assert.equal(ended.status, 'finished', ended.message ?? '');
    assert.equal(ended.backend.name, 'wasm');
    const info = readRunInfo(run.folder) as ReturnType<typeof readRunInfo> & { resumes?: { from_step: number; backend: string }[] };
    assert.deepEqual(info.resumes?.map((r) => [r.from_step, r.backend]), [[0, 'wasm']]);
    assertContiguous(readMetrics(run.folder).steps, 'the resumed run');
    assert.equal(readMetrics(run.folder).steps.length, 30);
  });
});
