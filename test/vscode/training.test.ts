// Training from the editor's command gives the same run as the CLI, and Stop stops.
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

suite('training', () => {
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

  test('Train writes a run folder whose metrics equal a CLI run of the same config and seed', async () => {
    const run = await trainFixture('tiny.lab.yaml');
    const info = await api.whenRunEnds(run.runId);
    assert.equal(info.status, 'finished', info.message ?? '');

    const cliFolder = mkdtempSync(join(tmpdir(), 'losslab-cli-'));
    try {
      const exit = await trainWithCli(extensionPath, workspaceFile('tiny.lab.yaml').fsPath, cliFolder);
      assert.equal(exit.code, 0, exit.stderr);
      const ours = readMetrics(run.folder);
      const cli = readMetrics(cliFolder);
      assert.equal(ours.steps.length, 30);
      assert.deepEqual(ours.steps.map(deterministicPart), cli.steps.map(deterministicPart));
      assert.equal(ours.evals.length, 3);
      assert.deepEqual(ours.evals, cli.evals);
      assert.equal(readRunInfo(run.folder).status, 'finished');
      assert.equal(readRunInfo(run.folder).final_loss, readRunInfo(cliFolder).final_loss);
    } finally {
      rmSync(cliFolder, { recursive: true, force: true });
    }
    // What the extension announced (batched for the dashboard) is exactly what was written: nothing dropped.
    assert.deepEqual(recorder.stepsOf(run.runId).map(deterministicPart), readMetrics(run.folder).steps.map(deterministicPart));
    assert.deepEqual(recorder.evalsOf(run.runId), readMetrics(run.folder).evals);
  });

  test('Stop stops the run within two seconds and keeps its metrics', async () => {
    const run = await trainFixture('long.lab.yaml');
    await recorder.waitForSteps(run.runId, 5);
    const asked = Date.now();
    await vscode.commands.executeCommand('losslab.stop', run.runId);
    const stopped = await recorder.status(run.runId, 'stopped', 5000);
    const tookMs = Date.now() - asked;
    assert.ok(tookMs < 2000, `stopping took ${tookMs} ms`);

    const final = await api.whenRunEnds(run.runId);
    assert.equal(final.status, 'stopped');
    const onDisk = readMetrics(run.folder);
    assertContiguous(onDisk.steps, 'metrics.jsonl');
    assert.ok(onDisk.steps.length >= 5 && onDisk.steps.length < 100_000, `${onDisk.steps.length} steps written`);
    assert.equal(readRunInfo(run.folder).status, 'stopped');
    assert.equal(readRunInfo(run.folder).steps_completed, onDisk.steps.length);
    assert.equal(stopped.steps_completed, onDisk.steps.length);
    assert.deepEqual(recorder.stepsOf(run.runId).map(deterministicPart), onDisk.steps.map(deterministicPart));
  });
});
