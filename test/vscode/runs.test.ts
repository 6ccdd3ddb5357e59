// Runs that travel, through the real commands: Export to ONNX, Export Metrics…, Resume Training, Find Learning Rate.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { OnnxTokenModel } from '../../src/export/onnx/onnxRunner';
import { METRIC_COLUMNS } from '../../src/export/metrics/metricsTable';
import type { LossLabApi } from '../../src/extension/api';
import type { FindLrOutcome } from '../../src/extension/runs/findLearningRate';
import { activateLossLab, workspaceFile } from './support/lossLab';
import { deterministicPart, readMetrics, readRunInfo, trainWithCli } from './support/runFolder';
import { RunRecorder } from './support/runRecorder';
import { assertContiguous, trainFixture, type StartedRun } from './support/training';

/**
 * tiny.lab.yaml with more steps and a checkpoint every 10, so a stopped run has something to resume from; on the CPU
 * backend, so that it is still training when the test stops it (faster backends finish first).
 */
const RESUMABLE = readFileSync(workspaceFile('tiny.lab.yaml').fsPath, 'utf8')
  .replace('name: tiny', 'name: resumable\nbackend: cpu-reference')
  .replace('steps: 30', 'steps: 120')
  .replace('eval_steps: 2', 'eval_steps: 2\n  checkpoint_interval: 10');

suite('runs that travel', () => {
  let api: LossLabApi;
  let extensionPath: string;
  let recorder: RunRecorder;
  let tiny: StartedRun;
  const scratch = mkdtempSync(join(tmpdir(), 'losslab-runs-'));

  suiteSetup(async () => {
    const activated = await activateLossLab();
    api = activated.api;
    extensionPath = activated.extension.extensionPath;
    recorder = new RunRecorder(api);
    tiny = await trainFixture('tiny.lab.yaml');
    assert.equal((await api.whenRunEnds(tiny.runId)).status, 'finished');
  });
  suiteTeardown(() => {
    recorder.dispose();
    rmSync(scratch, { recursive: true, force: true });
    for (const name of ['resumable.lab.yaml', 'findlr.lab.yaml']) rmSync(workspaceFile(name).fsPath, { force: true });
  });

  test('Export to ONNX writes model.onnx beside the run, and onnxruntime-web runs it with logits [1, T, V]', async () => {
    const file = await vscode.commands.executeCommand<string | undefined>('losslab.exportOnnx', vscode.Uri.file(tiny.folder));
    assert.equal(file, join(tiny.folder, 'model.onnx'));
    const bytes = readFileSync(join(tiny.folder, 'model.onnx'));
    // onnxruntime-web's Node build, from the installed package (it finds its .wasm files beside itself), on one thread.
    const ort = createRequire(__filename)('onnxruntime-web') as typeof import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(bytes);
    try {
      const ids = [3, 5, 7, 2, 9];
      const { logits } = await session.run({ idx: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
      const vocabSize = readRunInfo(tiny.folder).vocab_size;
      assert.deepEqual(logits.dims, [1, ids.length, vocabSize]);
      assert.ok((logits.data as Float32Array).every(Number.isFinite), 'logits are finite');
    } finally {
      await session.release();
    }
    const model = await OnnxTokenModel.load(ort, bytes);
    try {
      assert.equal(model.info.kind, 'gpt');
      assert.equal(model.info.step, 30);
      assert.equal((await model.next([3, 5], null)).length, readRunInfo(tiny.folder).vocab_size);
    } finally {
      await model.release();
    }
  });

  test('Export Metrics… writes one CSV row per step with val_loss merged by step', async () => {
    const out = join(scratch, 'metrics.csv');
    const written = await vscode.commands.executeCommand<string | undefined>('losslab.exportMetrics', undefined, { runs: [tiny.folder], format: 'csv', out });
    assert.equal(written, out);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], METRIC_COLUMNS.join(','));
    assert.equal(lines.length, 1 + 30);
    const { steps, evals } = readMetrics(tiny.folder);
    const cells = (i: number) => Object.fromEntries(lines[i].split(',').map((cell, c) => [METRIC_COLUMNS[c], cell]));
    const first = cells(1);
    assert.equal(first.run_id, tiny.runId);
    assert.equal(first.config_name, 'tiny');
    assert.equal(Number(first.step), 1);
    assert.equal(Number(first.loss), steps[0].loss);
    assert.equal(first.val_loss, '');
    const tenth = cells(10);
    assert.equal(Number(tenth.step), 10);
    assert.equal(Number(tenth.val_loss), evals.find((e) => e.step === 10)?.val_loss);
  });

  test('Resume Training continues a stopped run to the end: steps 1..N once each, equal to an uninterrupted run', async () => {
    const config = workspaceFile('resumable.lab.yaml');
    writeFileSync(config.fsPath, RESUMABLE);
    const run = await trainFixture('resumable.lab.yaml');
    await recorder.waitForSteps(run.runId, 15);
    await vscode.commands.executeCommand('losslab.stop', run.runId);
    const stopped = await api.whenRunEnds(run.runId);
    assert.equal(stopped.status, 'stopped');
    assert.ok(stopped.steps_completed < 120, `the run finished (${stopped.steps_completed} steps) before it was stopped`);

    const resumed = await vscode.commands.executeCommand<StartedRun | undefined>('losslab.resume', vscode.Uri.file(run.folder));
    assert.ok(resumed, 'Resume Training started nothing');
    assert.equal(resumed.runId, run.runId);
    const ended = await api.whenRunEnds(run.runId);
    assert.equal(ended.status, 'finished', ended.message ?? '');

    const ours = readMetrics(run.folder);
    assertContiguous(ours.steps, 'resumed run');
    assert.equal(ours.steps.length, 120);
    assert.deepEqual(ours.evals.map((e) => e.step), Array.from({ length: 12 }, (_, i) => 10 * (i + 1)));
    const info = readRunInfo(run.folder) as ReturnType<typeof readRunInfo> & { resumes?: { from_step: number }[] };
    assert.equal(info.status, 'finished');
    assert.equal(info.resumes?.length, 1);
    assert.equal(info.resumes?.[0].from_step, stopped.steps_completed);

    const cliFolder = join(scratch, 'uninterrupted');
    const exit = await trainWithCli(extensionPath, config.fsPath, cliFolder);
    assert.equal(exit.code, 0, exit.stderr);
    const cli = readMetrics(cliFolder);
    assert.deepEqual(ours.steps.map(deterministicPart), cli.steps.map(deterministicPart));
    assert.deepEqual(ours.evals, cli.evals);
  });

  test('Find Learning Rate writes its suggestion into the config document as one undoable edit', async () => {
    const config = workspaceFile('findlr.lab.yaml');
    writeFileSync(config.fsPath, readFileSync(workspaceFile('tiny.lab.yaml').fsPath, 'utf8').replace('name: tiny', 'name: findlr'));
    const document = await vscode.workspace.openTextDocument(config);
    await vscode.window.showTextDocument(document);
    const before = document.getText();
    const outcome = await vscode.commands.executeCommand<FindLrOutcome | undefined>('losslab.findLearningRate', config, { start: 1e-4, end: 1, steps: 12, write: true });
    assert.ok(outcome, 'Find Learning Rate returned nothing');
    assert.equal(outcome.result.points.length > 2, true);
    assert.equal(outcome.written, true);
    const { suggestion } = outcome.result;
    assert.ok(suggestion > 1e-4 && suggestion < 1, `suggestion ${suggestion} outside the range`);
    // Only the lr line changed, to the suggestion at three significant digits.
    const after = document.getText().split('\n');
    const changed = before.split('\n').flatMap((line, i) => (line === after[i] ? [] : [[line, after[i]]]));
    assert.equal(after.length, before.split('\n').length);
    assert.equal(changed.length, 1, JSON.stringify(changed));
    assert.equal(changed[0][0], '  lr: 0.01');
    assert.match(changed[0][1], /^ {2}lr: \S+$/);
    assert.equal(Number(changed[0][1].slice('  lr: '.length)), Number(suggestion.toPrecision(3)));
    assert.equal(document.isDirty, true);
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), before);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('Open Run Report writes report.html into the run folder', async () => {
    const file = await vscode.commands.executeCommand<string | undefined>('losslab.openReport', vscode.Uri.file(tiny.folder));
    assert.equal(file, join(tiny.folder, 'report.html'));
    assert.ok(existsSync(file));
    const html = readFileSync(file, 'utf8');
    assert.match(html, /<h1>tiny<\/h1>/);
    assert.match(html, new RegExp(`run ${tiny.runId}`));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
