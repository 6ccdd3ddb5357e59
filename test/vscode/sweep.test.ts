// Loss Lab: Run Sweep in a real VS Code: every trial trains through the training worker as Train does, sweep.json
// ends with all trials finished, and a trial's metrics equal the CLI's train --set with the same values.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import type { SweepOutcome } from '../../src/extension/sweeps/runSweep';
import { readSweep, trialRunFolder } from '../../src/node/sweepFolder';
import { activateLossLab, workspaceFile } from './support/lossLab';
import { deterministicPart, readMetrics, readRunInfo } from './support/runFolder';

const CONFIG = 'sweep.lab.yaml';

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

  suiteSetup(async () => {
    extensionPath = (await activateLossLab()).extension.extensionPath;
  });

  test('the sweep block has a Run Sweep CodeLens naming its trial count', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile(CONFIG));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    const sweep = lenses.find((lens) => lens.command?.command === 'losslab.runSweep');
    assert.ok(sweep, `no Run Sweep lens among ${lenses.map((l) => l.command?.title).join(', ')}`);
    assert.equal(sweep.command?.title, '▶ Run Sweep · 4 trials');
    assert.equal(sweep.range.start.line, document.getText().split('\n').findIndex((line) => line.startsWith('sweep:')));
  });

  test('Run Sweep trains every trial as a run of the training worker; sweep.json ends with all finished, each equal to train --set', async () => {
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

    const trial = summary.trials[3];
    const folder = trialRunFolder(outcome.folder, trial) as string;
    assert.deepEqual(readRunInfo(folder).sweep, { id: summary.sweep_id, trial: 3, values: trial.values });
    const cliFolder = mkdtempSync(join(tmpdir(), 'losslab-sweep-cli-'));
    try {
      const exit = await trainWithCliSet(extensionPath, workspaceFile(CONFIG).fsPath, cliFolder, trial.values);
      assert.equal(exit.code, 0, exit.stderr);
      assert.deepEqual(readMetrics(folder).steps.map(deterministicPart), readMetrics(cliFolder).steps.map(deterministicPart));
      assert.deepEqual(readMetrics(folder).evals, readMetrics(cliFolder).evals);
    } finally {
      rmSync(cliFolder, { recursive: true, force: true });
    }
  });
});
