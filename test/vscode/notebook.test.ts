// The notebook lab in the real extension host: a config cell trains through the normal worker and leaves its run
// in the output (and in the saved file); cancelling a cell stops its run; a compare cell overlays two cells' runs.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { LossLabApi } from '../../src/extension/api';
import { parseLabnb, stringifyLabnb } from '../../src/extension/notebook/labnbFormat';
import { isRunOutputData, RUN_OUTPUT_MIME, type RunOutputData } from '../../src/extension/notebook/outputData';
import { activateLossLab, waitUntil, workspaceFile } from './support/lossLab';
import { readMetrics, readRunInfo } from './support/runFolder';
import { RunRecorder } from './support/runRecorder';

const NOTEBOOK = 'lab.labnb';

function outputOf(cell: vscode.NotebookCell): RunOutputData | undefined {
  const item = cell.outputs.flatMap((output) => output.items).find((i) => i.mime === RUN_OUTPUT_MIME);
  const data: unknown = item ? JSON.parse(new TextDecoder().decode(item.data)) : undefined;
  return isRunOutputData(data) ? data : undefined;
}

async function execute(notebook: vscode.NotebookDocument, index: number): Promise<void> {
  // The command resolves once the cell is queued; the tests wait for its execution summary.
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: notebook.uri });
}

suite('notebook', () => {
  let api: LossLabApi;
  let recorder: RunRecorder;
  let notebook: vscode.NotebookDocument;

  suiteSetup(async () => {
    api = (await activateLossLab()).api;
    recorder = new RunRecorder(api);
    writeFileSync(workspaceFile(NOTEBOOK).fsPath, stringifyLabnb({
      cells: [
        { kind: 'config', source: 'extends: tiny.lab.yaml\nname: nb-tiny\ntraining:\n  steps: 40', outputs: [] },
        { kind: 'config', source: 'extends: long.lab.yaml\nname: nb-long', outputs: [] },
        { kind: 'compare', source: 'compare: [nb-tiny, nb-long]', outputs: [] },
        { kind: 'config', source: 'extends: tiny.lab.yaml\ntraining:\n  steps: -1', outputs: [] },
      ],
    }));
    notebook = await vscode.workspace.openNotebookDocument(workspaceFile(NOTEBOOK));
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', { id: 'losslab.notebook', extension: 'losslab.losslab' });
  });
  suiteTeardown(() => recorder.dispose());

  test('a config cell trains its resolved config and its output holds the run', async () => {
    const cell = notebook.cellAt(0);
    await execute(notebook, 0);
    await waitUntil('cell 1 to finish', () => cell.executionSummary?.success !== undefined, 60_000);
    const errors = cell.outputs.flatMap((o) => o.items).filter((i) => i.mime !== RUN_OUTPUT_MIME).map((i) => new TextDecoder().decode(i.data));
    assert.equal(cell.executionSummary?.success, true, errors.join('\n'));
    const output = outputOf(cell);
    assert.ok(output, 'no chart output');
    const [run] = output.runs;
    assert.equal(run.name, 'nb-tiny');
    assert.equal(run.summary.status, 'finished');
    assert.equal(run.summary.steps, 40);
    assert.equal(run.gradClip, 1);
    const folder = join(workspaceFile('.').fsPath, run.folder);
    assert.equal(readRunInfo(folder).status, 'finished');
    assert.equal(readRunInfo(folder).config_file, workspaceFile('.losslab/notebook/lab-cell1.lab.yaml').fsPath);
    const metrics = readMetrics(folder);
    assert.deepEqual(run.series.step, metrics.steps.map((s) => s.step));
    assert.deepEqual(run.series.loss, metrics.steps.map((s) => s.loss));
    assert.equal(run.summary.finalLoss, readRunInfo(folder).final_loss);
    assert.ok(run.summary.backend.length > 0);

    await notebook.save();
    const saved = parseLabnb(readFileSync(workspaceFile(NOTEBOOK).fsPath, 'utf8'));
    const stored = saved.cells[0].outputs[0];
    assert.ok(stored.kind === 'run', 'the saved file keeps the run');
    assert.equal(stored.runs[0].runId, run.runId);
    assert.equal(stored.runs[0].series.step.length, 40);
  });

  test('cells run together queue in order, and cancelling a running cell stops its run', async () => {
    const cell = notebook.cellAt(1);
    const firstRunBefore = outputOf(notebook.cellAt(0))?.runs[0].runId;
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 2 }], document: notebook.uri });
    await waitUntil('the long cell to show a live run', () => outputOf(cell)?.live === true, 30_000);
    const runId = (outputOf(cell) as RunOutputData).runs[0].runId;
    const first = (outputOf(notebook.cellAt(0)) as RunOutputData).runs[0];
    assert.notEqual(first.runId, firstRunBefore, 'cell 1 ran again');
    const firstEnded = Date.parse(readRunInfo(join(workspaceFile('.').fsPath, first.folder)).finished_at ?? '');
    const secondStarted = Date.parse(readRunInfo(join(workspaceFile('.').fsPath, (outputOf(cell) as RunOutputData).runs[0].folder)).started_at);
    assert.ok(secondStarted >= firstEnded, 'the second cell started before the first one ended');
    await recorder.waitForSteps(runId, 3);
    await vscode.commands.executeCommand('notebook.cell.cancelExecution', { ranges: [{ start: 1, end: 2 }], document: notebook.uri });
    await waitUntil('the cancelled cell to end', () => cell.executionSummary?.success !== undefined, 10_000);
    assert.equal(cell.executionSummary?.success, false);
    assert.equal((await api.whenRunEnds(runId)).status, 'stopped');
    const run = (outputOf(cell) as RunOutputData).runs[0];
    assert.equal(run.summary.status, 'stopped');
    assert.ok(run.series.step.length >= 3);
  });

  test('a compare cell overlays the runs of the cells it names', async () => {
    const cell = notebook.cellAt(2);
    await execute(notebook, 2);
    await waitUntil('the compare cell to end', () => cell.executionSummary?.success !== undefined, 10_000);
    const output = outputOf(cell);
    assert.equal(output?.kind, 'compare');
    assert.deepEqual(output?.runs.map((run) => run.name), ['nb-tiny', 'nb-long']);
  });

  test('a config error is reported at its line in the cell, and nothing trains', async () => {
    const cell = notebook.cellAt(3);
    const before = recorder.changes.length;
    await execute(notebook, 3);
    await waitUntil('the bad cell to end', () => cell.executionSummary?.success !== undefined, 10_000);
    assert.equal(cell.executionSummary?.success, false);
    const diagnostics = vscode.languages.getDiagnostics(cell.document.uri);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].range.start.line, 2);
    assert.equal(recorder.changes.length, before);
    assert.equal(existsSync(workspaceFile('.losslab/notebook/lab-cell4.lab.yaml').fsPath), false);
  });
});
