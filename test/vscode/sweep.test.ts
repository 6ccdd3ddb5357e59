// Loss Lab: Run Sweep in a real VS Code: every trial trains in a training worker of its own as Train would, sweep.json
// ends with all trials finished, and each trial's metrics equal the CLI's train --set with the same values.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import type { LossLabApi } from '../../src/extension/api';
import { findResumableSweeps, sweepPickItem } from '../../src/extension/sweeps/resumeSweep';
import type { SweepOutcome } from '../../src/extension/sweeps/runSweep';
import { createSweep, planSweep } from '../../src/node/sweep';
import { cellConfigFile } from '../../src/extension/notebook/cellRunner';
import { stringifyLabnb } from '../../src/extension/notebook/labnbFormat';
import { listSweepIds, readSweep, sweepsFolder, trialRunFolder } from '../../src/node/sweepFolder';
import { activateLossLab, waitUntil, workspaceFile } from './support/lossLab';
import { deterministicPart, readMetrics, readRunInfo } from './support/runFolder';

const CONFIG = 'sweep.lab.yaml';
const NOTEBOOK = 'sweep.labnb';

/** `losslab train CONFIG --out DIR --set k=v …` with the bundled CLI, as a user would type it. */
function trainWithCliSet(extensionPath: string, configFile: string, outDir: string, values: Record<string, unknown>): Promise<{ code: number; stderr: string }> {
  const sets = Object.entries(values).flatMap(([key, value]) => ['--set', `${key}=${String(value)}`]);
  const args = [join(extensionPath, 'dist', 'cli.js'), 'train', configFile, '--out', outDir, '--quiet', ...sets];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 120_000 }, (_error, _stdout, stderr) => resolve({ code: child.exitCode ?? -1, stderr }));
  });
}

suite('sweeps', () => {
  let extensionPath: string;
  let api: LossLabApi;

  suiteSetup(async () => {
    const activated = await activateLossLab();
    extensionPath = activated.extension.extensionPath;
    api = activated.api;
  });

  test('a notebook config cell with a sweep block runs the sweep and shows the trials table', async () => {
    writeFileSync(workspaceFile(NOTEBOOK).fsPath, stringifyLabnb({ cells: [{ kind: 'config', source: `extends: ${CONFIG}\nname: nb-sweep\ntraining:\n  steps: 6`, outputs: [] }] }));
    const notebook = await vscode.workspace.openNotebookDocument(workspaceFile(NOTEBOOK));
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', { id: 'losslab.notebook', extension: 'losslab.losslab' });
    const cell = notebook.cellAt(0);
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: notebook.uri });
    await waitUntil('the sweep cell to finish', () => cell.executionSummary?.success !== undefined, 120_000);
    const text = cell.outputs.flatMap((o) => o.items).map((i) => new TextDecoder().decode(i.data)).join('\n');
    assert.equal(cell.executionSummary?.success, true, text);
    const id = /^sweep (\S+) finished$/m.exec(text)?.[1];
    assert.ok(id, text);
    const summary = readSweep(join(sweepsFolder(cellConfigFile(notebook.uri, 0), 'nb-sweep'), id));
    assert.deepEqual(summary.trials.map((t) => [t.status, t.step]), Array(4).fill(['finished', 6]));
    const rows = text.split('\n').filter((line) => /^\d+\s+0\.0\d+\s+\d+\s+[\d.]+\s+finished\s+6\s/.test(line));
    assert.equal(rows.length, 4, text);
    const metrics = rows.map((row) => Number(row.split(/\s+/)[3]));
    assert.deepEqual(metrics, [...metrics].sort((a, b) => a - b));
    assert.match(text, /^best: trial \d \(optimizer\.lr=.*\): val_loss [\d.]+, run /m);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('cancelling a sweep stops its running trial after its step; Run Sweep with { resume } finishes it in the same run folders', async () => {
    // 500 steps: the first trial is still training when the cancel lands, even on a loaded machine.
    writeFileSync(workspaceFile('sweep-stop.labnb').fsPath, stringifyLabnb({
      cells: [{ kind: 'config', source: `extends: ${CONFIG}\nname: nb-stop\ntraining:\n  steps: 500\nsweep:\n  parallel: 1`, outputs: [] }],
    }));
    const notebook = await vscode.workspace.openNotebookDocument(workspaceFile('sweep-stop.labnb'));
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', { id: 'losslab.notebook', extension: 'losslab.losslab' });
    const cell = notebook.cellAt(0);
    const sweeps = sweepsFolder(cellConfigFile(notebook.uri, 0), 'nb-stop');
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: notebook.uri });
    let folder = '';
    await waitUntil('the first trial to train a few steps', () => {
      const ids = listSweepIds(sweeps);
      if (ids.length !== 1) return false;
      folder = join(sweeps, ids[0]);
      const first = readSweep(folder).trials[0];
      const run = trialRunFolder(folder, first);
      return run !== null && existsSync(join(run, 'metrics.jsonl')) && readMetrics(run).steps.length >= 3;
    }, 60_000);
    await vscode.commands.executeCommand('notebook.cell.cancelExecution', { ranges: [{ start: 0, end: 1 }], document: notebook.uri });
    await waitUntil('the cancelled sweep cell to end', () => cell.executionSummary?.success !== undefined, 60_000);
    assert.equal(cell.executionSummary?.success, false);
    const stopped = readSweep(folder);
    assert.equal(stopped.status, 'stopped');
    assert.deepEqual(stopped.trials.map((t) => t.status), ['stopped', 'pending', 'pending', 'pending']);
    const first = stopped.trials[0];
    assert.ok(first.step > 0 && first.step < 500, `stopped at step ${first.step}`);
    assert.equal(readRunInfo(trialRunFolder(folder, first) as string).status, 'stopped');

    const outcome = await vscode.commands.executeCommand<SweepOutcome | undefined>('losslab.runSweep', { resume: folder });
    assert.ok(outcome, 'Run Sweep { resume } ran nothing');
    assert.equal(outcome.summary.status, 'finished');
    assert.deepEqual(outcome.summary.trials.map((t) => [t.status, t.step]), Array(4).fill(['finished', 500]));
    assert.equal(outcome.summary.trials[0].run_dir, first.run_dir, 'the stopped trial continued in its own run folder');
    assert.equal((readRunInfo(trialRunFolder(folder, first) as string) as { resumes?: unknown[] }).resumes?.length, 1);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('cancelling a parallel 2 sweep stops both training trials after their step, each in its own worker', async () => {
    writeFileSync(workspaceFile('sweep-stop2.labnb').fsPath, stringifyLabnb({
      cells: [{ kind: 'config', source: `extends: ${CONFIG}\nname: nb-stop2\ntraining:\n  steps: 500\nsweep:\n  parallel: 2`, outputs: [] }],
    }));
    const notebook = await vscode.workspace.openNotebookDocument(workspaceFile('sweep-stop2.labnb'));
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', { id: 'losslab.notebook', extension: 'losslab.losslab' });
    const cell = notebook.cellAt(0);
    const sweeps = sweepsFolder(cellConfigFile(notebook.uri, 0), 'nb-stop2');
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: notebook.uri });
    let folder = '';
    await waitUntil('both first trials to train a few steps', () => {
      const ids = listSweepIds(sweeps);
      if (ids.length !== 1) return false;
      folder = join(sweeps, ids[0]);
      return readSweep(folder).trials.slice(0, 2).every((trial) => {
        const run = trialRunFolder(folder, trial);
        return run !== null && existsSync(join(run, 'metrics.jsonl')) && readMetrics(run).steps.length >= 3;
      });
    }, 60_000);
    await vscode.commands.executeCommand('notebook.cell.cancelExecution', { ranges: [{ start: 0, end: 1 }], document: notebook.uri });
    await waitUntil('the cancelled sweep cell to end', () => cell.executionSummary?.success !== undefined, 60_000);
    const stopped = readSweep(folder);
    assert.equal(stopped.status, 'stopped');
    assert.deepEqual(stopped.trials.map((t) => t.status), ['stopped', 'stopped', 'pending', 'pending']);
    for (const trial of stopped.trials.slice(0, 2)) {
      const info = readRunInfo(trialRunFolder(folder, trial) as string);
      assert.equal(info.status, 'stopped');
      assert.ok(trial.step > 0 && trial.step < 500 && info.steps_completed === trial.step, `trial ${trial.index} stopped at step ${trial.step}`);
    }
    const threads = stopped.trials.slice(0, 2).map((t) => api.workerThreadForTesting(t.run_id));
    assert.ok(threads[0] !== undefined && threads[1] !== undefined && threads[0] !== threads[1], `worker threads ${String(threads)}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('the sweep block has a Run Sweep CodeLens naming its trial count', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile(CONFIG));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    const sweep = lenses.find((lens) => lens.command?.command === 'losslab.runSweep');
    assert.ok(sweep, `no Run Sweep lens among ${lenses.map((l) => l.command?.title).join(', ')}`);
    assert.equal(sweep.command?.title, '▶ Run Sweep · 4 trials');
    assert.equal(sweep.range.start.line, document.getText().split('\n').findIndex((line) => line.startsWith('sweep:')));
  });

  test('Run Sweep (parallel 2) trains every trial in a training worker of its own; sweep.json ends with all finished, each equal to train --set', async () => {
    const outcome = await vscode.commands.executeCommand<SweepOutcome | undefined>('losslab.runSweep', workspaceFile(CONFIG));
    assert.ok(outcome, 'Run Sweep ran nothing');
    const summary = readSweep(outcome.folder);
    assert.equal(summary.status, 'finished', summary.message ?? '');
    assert.deepEqual(summary.trials.map((t) => [t.status, t.step]), Array(4).fill(['finished', 12]));
    assert.deepEqual(summary.trials.map((t) => t.values), [
      { 'optimizer.lr': 0.003, 'schedule.warmup_steps': 0 }, { 'optimizer.lr': 0.003, 'schedule.warmup_steps': 5 },
      { 'optimizer.lr': 0.03, 'schedule.warmup_steps': 0 }, { 'optimizer.lr': 0.03, 'schedule.warmup_steps': 5 },
    ]);
    const best = summary.trials.reduce((a, b) => ((b.metric as number) < (a.metric as number) ? b : a));
    assert.equal(summary.best?.run_dir, best.run_dir);

    const threads = summary.trials.map((t) => api.workerThreadForTesting(t.run_id));
    assert.ok(threads.every((thread) => typeof thread === 'number'), `worker threads ${String(threads)}`);
    assert.equal(new Set(threads).size, 4, `each trial trains in a worker of its own: threads ${String(threads)}`);

    for (const trial of summary.trials) {
      const folder = trialRunFolder(outcome.folder, trial) as string;
      assert.deepEqual(readRunInfo(folder).sweep, { id: summary.sweep_id, trial: trial.index, values: trial.values });
      const cliFolder = mkdtempSync(join(tmpdir(), 'losslab-sweep-cli-'));
      try {
        const exit = await trainWithCliSet(extensionPath, workspaceFile(CONFIG).fsPath, cliFolder, trial.values);
        assert.equal(exit.code, 0, exit.stderr);
        assert.deepEqual(readMetrics(folder).steps.map(deterministicPart), readMetrics(cliFolder).steps.map(deterministicPart), `trial ${trial.index}`);
        assert.deepEqual(readMetrics(folder).evals, readMetrics(cliFolder).evals, `trial ${trial.index}`);
      } finally {
        rmSync(cliFolder, { recursive: true, force: true });
      }
    }
  });

  test('Resume Sweep… lists the active config\'s resumable sweeps (status, trials done of all, start) and continues the picked one', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.window.showTextDocument(workspaceFile(CONFIG));
    // A sweep stopped before any trial trained, written by the sweep folder's owner as a stop leaves it.
    const opened = createSweep(await planSweep({ configFile: workspaceFile(CONFIG).fsPath, overrides: { 'training.steps': 3 } }));
    opened.writer.write({ ...opened.summary, status: 'stopped', message: 'stopped on request; sweep --resume continues it' });
    opened.writer.release();
    const folder = opened.writer.folder;
    const sweeps = await findResumableSweeps();
    assert.deepEqual(sweeps.map((s) => s.folder), [folder], 'the config\'s other sweeps have finished');
    const item = sweepPickItem(sweeps[0]);
    assert.equal(item.label, `sweep · sweep ${opened.summary.sweep_id}`);
    assert.equal(item.description, 'stopped · 0/4 trials done');
    assert.match(item.detail ?? '', /^started .+ · sweep\.lab\.yaml$/);

    const resumed = vscode.commands.executeCommand<SweepOutcome | undefined>('losslab.resumeSweep');
    let settled = false;
    void resumed.then(() => (settled = true), () => (settled = true));
    await waitUntil('the picked sweep to train', async () => {
      if (settled || readSweep(folder).status === 'running') return true;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return false;
    }, 60_000);
    const outcome = await resumed;
    assert.ok(outcome, 'Resume Sweep ran nothing');
    assert.equal(outcome.folder, folder);
    assert.equal(outcome.summary.status, 'finished', outcome.summary.message ?? '');
    assert.deepEqual(outcome.summary.trials.map((t) => [t.status, t.step]), Array(4).fill(['finished', 3]));
    assert.ok((await findResumableSweeps()).every((s) => s.folder !== folder), 'the finished sweep is no longer resumable');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
