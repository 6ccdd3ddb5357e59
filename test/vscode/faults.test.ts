// Faults in the real extension host: a dying worker and a run whose gradients go non-finite.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { LossLabApi } from '../../src/extension/api';
import { activateLossLab, workspaceFile } from './support/lossLab';
import { deterministicPart, readMetrics, readRunInfo, trainWithCli } from './support/runFolder';
import { RunRecorder } from './support/runRecorder';
import { assertContiguous, trainFixture } from './support/training';

suite('faults', () => {
  let api: LossLabApi;
  let extensionPath: string;
  let recorder: RunRecorder;

  suiteSetup(async () => {
    const activated = await activateLossLab();
    api = activated.api;
    extensionPath = activated.extension.extensionPath;
    recorder = new RunRecorder(api);
  });
  suiteTeardown(() => recorder.dispose());

  test('a killed worker fails its run with the reason, keeps every metric, and the host carries on', async () => {
    const run = await trainFixture('long.lab.yaml');
    await recorder.waitForSteps(run.runId, 5);
    await api.killWorkerForTesting();
    const info = await api.whenRunEnds(run.runId);
    assert.equal(info.status, 'failed');
    assert.match(info.message ?? '', /worker/i);

    const onDisk = readRunInfo(run.folder);
    assert.equal(onDisk.status, 'failed');
    assert.match(onDisk.message ?? '', /worker/i);
    const written = readMetrics(run.folder).steps;
    assertContiguous(written, 'metrics.jsonl after the kill');
    const announced = recorder.stepsOf(run.runId);
    assert.ok(announced.length >= 5, `${announced.length} steps announced`);
    // Every step the extension heard of is on disk, unchanged.
    assert.deepEqual(written.slice(0, announced.length).map(deterministicPart), announced.map(deterministicPart));
    assert.equal(onDisk.steps_completed, written.length);

    // The extension host survived: commands work, and the next Train starts a fresh worker.
    await vscode.commands.executeCommand('losslab.showLog');
    const next = await trainFixture('tiny.lab.yaml');
    assert.equal((await api.whenRunEnds(next.runId)).status, 'finished');
  });

  test('a non-finite gradient pauses the run and names the step and the parameter', async () => {
    // The CLI (which stops there, exiting non-zero) names the step and parameter the extension must name.
    const cliFolder = mkdtempSync(join(tmpdir(), 'losslab-cli-'));
    let expected: { step: string; parameter: string };
    try {
      await trainWithCli(extensionPath, workspaceFile('nan.lab.yaml').fsPath, cliFolder);
      const match = /step (\d+)\b.*?gradient of (\S+)/.exec(readRunInfo(cliFolder).message ?? '');
      assert.ok(match, `the CLI's run.json names no step and parameter: ${readRunInfo(cliFolder).message}`);
      expected = { step: match[1], parameter: match[2] };
    } finally {
      rmSync(cliFolder, { recursive: true, force: true });
    }

    const run = await trainFixture('nan.lab.yaml');
    const paused = await recorder.status(run.runId, 'paused');
    assert.match(paused.message ?? '', new RegExp(`\\bstep ${expected.step}\\b`));
    assert.ok((paused.message ?? '').includes(expected.parameter), `"${paused.message}" does not name ${expected.parameter}`);
    const written = readMetrics(run.folder).steps;
    assertContiguous(written, 'metrics.jsonl of the paused run');
    assert.equal(written.length, Number(expected.step) - 1, 'the steps before the non-finite one are kept');
    assert.equal(api.training.activeRuns().some((info) => info.id === run.runId && info.status === 'paused'), true);

    await vscode.commands.executeCommand('losslab.stop', run.runId);
    assert.equal((await api.whenRunEnds(run.runId)).status, 'stopped');
  });
});
