// The dashboard panel in the real extension host: it opens, rejects what a compromised webview might send, a
// panel reopened mid-run is sent the run's whole history, and a run the CLI trains is followed live from disk.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { fromGradNormColumns, type ParameterNorms } from '../../src/engine/train/gradNormGrid';
import type { StepMetrics } from '../../src/engine/train/metrics';
import type { LossLabApi } from '../../src/extension/api';
import { readGradNorms, runsFolderFor } from '../../src/node/runFolder';
import { newRunId } from '../../src/node/runFolder';
import type { HostToDashboard } from '../../src/protocol/dashboard';
import { dashboardHooks, hasDashboardHooks, stepsSentFor, type DashboardTestHooks } from './support/dashboardHooks';
import { activateLossLab, waitUntil, workspaceFile } from './support/lossLab';
import { deterministicPart, readMetrics } from './support/runFolder';
import { RunRecorder } from './support/runRecorder';
import { assertContiguous, trainFixture } from './support/training';

/** The dashboard's editor tab (web workbenches prefix the view type, so match its end). */
function dashboardTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs)
    .find((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('losslab.dashboard'));
}

async function closeDashboard(): Promise<void> {
  const tab = dashboardTab();
  if (tab) await vscode.window.tabGroups.close(tab);
  await waitUntil('the dashboard tab to close', () => dashboardTab() === undefined);
}

/** The open panel's hooks once its webview has said Ready and been sent its config. */
async function readyHooks(api: LossLabApi): Promise<DashboardTestHooks> {
  let hooks: DashboardTestHooks | undefined;
  await waitUntil('the dashboard webview to load its config', () => {
    hooks = dashboardHooks(api);
    return hooks?.posted.some((message) => message.type === 'DidSelectConfig') ?? false;
  }, 30_000);
  return hooks as DashboardTestHooks;
}

/** Runs the bundled CLI as a terminal would (`losslab train CONFIG ...args`); resolves with its exit code and stderr. */
function runCli(extensionPath: string, args: string[]): Promise<{ code: number; stderr: string }> {
  // In desktop VS Code process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(extensionPath, 'dist', 'cli.js'), ...args], { env, timeout: 120_000 }, (error, _stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`losslab did not run: ${error.message}\n${stderr}`));
      else resolve({ code: child.exitCode ?? 0, stderr });
    });
  });
}

/** Every per-parameter norms record of `runId` in the DidAppendGradNorms messages, repeats included, in the order posted. */
function appendedGradNorms(posted: readonly HostToDashboard[], runId: string): ParameterNorms[] {
  return posted.flatMap((message) => message.type === 'DidAppendGradNorms' && message.runId === runId ? fromGradNormColumns(message) : []);
}

/** Every step of `runId` in the DidAppendMetrics messages, repeats included, in the order posted. */
function appendedSteps(posted: readonly HostToDashboard[], runId: string): StepMetrics[] {
  return posted.flatMap((message) => message.type === 'DidAppendMetrics' && message.runId === runId ? message.steps : []);
}

suite('dashboard', () => {
  let api: LossLabApi;
  let extensionPath: string;
  let recorder: RunRecorder;

  suiteSetup(async () => {
    const activated = await activateLossLab();
    api = activated.api;
    extensionPath = activated.extension.extensionPath;
    recorder = new RunRecorder(api);
  });
  suiteTeardown(async () => {
    recorder.dispose();
    await closeDashboard();
  });

  test('Open Dashboard and Preview Schedule open one panel on the config', async () => {
    await closeDashboard();
    await vscode.commands.executeCommand('losslab.openDashboard', workspaceFile('tiny.lab.yaml'));
    await waitUntil('a dashboard tab', () => dashboardTab() !== undefined);
    assert.match(dashboardTab()?.label ?? '', /^Loss Lab: tiny/);
    await vscode.commands.executeCommand('losslab.previewSchedule', workspaceFile('long.lab.yaml'));
    await waitUntil('the dashboard to follow long.lab.yaml', () => /^Loss Lab: long/.test(dashboardTab()?.label ?? ''));
    assert.equal(vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview).length, 1);
  });

  test('malformed and hostile webview messages are rejected and change nothing', async function () {
    if (!hasDashboardHooks(api)) this.skip();
    await vscode.commands.executeCommand('losslab.openDashboard', workspaceFile('long.lab.yaml'));
    const run = await trainFixture('long.lab.yaml');
    const hooks = await readyHooks(api);
    await recorder.waitForSteps(run.runId, 3);
    const malformed: unknown[] = [
      null, undefined, 42, 'StopTraining', [{ type: 'StopTraining', runId: run.runId }],
      { type: 'StopTraining', runId: run.runId, extra: 1 },
      { type: 'StopTraining', runId: 42 },
      { type: 'StopTraining', runId: '../../../etc/passwd' },
      { type: 'StopTraining', runId: 'x'.repeat(129) },
      { type: 'StopTraining' },
      { type: 'stoptraining', runId: run.runId },
      { type: 'Train', configFile: '/etc/passwd' },
      { type: 'OpenConfigDiff', runA: '/etc/passwd', runB: run.runId },
      { type: 'SaveChartImage', chart: 'loss', dataUrl: 'javascript:alert(1)' },
      { type: 'SaveChartImage', chart: '../../x', dataUrl: 'data:image/png;base64,AAAA' },
      JSON.parse('{"type":"Ready","__proto__":{"polluted":true}}'),
    ];
    const rejectedBefore = hooks.rejected.length;
    for (const raw of malformed) hooks.receive(raw);
    assert.equal(hooks.rejected.length - rejectedBefore, malformed.length, `rejected: ${hooks.rejected.slice(rejectedBefore).join(' | ')}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // Well-formed but naming a run this dashboard does not show: ignored.
    hooks.receive({ type: 'StopTraining', runId: 'not-a-run-of-this-config' });
    const stepsBefore = recorder.stepsOf(run.runId).length;
    await recorder.waitForSteps(run.runId, stepsBefore + 3);
    assert.equal(api.training.activeRuns().find((info) => info.id === run.runId)?.status, 'running');

    hooks.receive({ type: 'StopTraining', runId: run.runId });
    assert.equal((await api.whenRunEnds(run.runId)).status, 'stopped', 'a well-formed Stop through the same handler works');
  });

  test('a dashboard closed and reopened mid-run is sent the whole history', async function () {
    if (!hasDashboardHooks(api)) this.skip();
    await vscode.commands.executeCommand('losslab.openDashboard', workspaceFile('long.lab.yaml'));
    const run = await trainFixture('long.lab.yaml');
    await readyHooks(api);
    await recorder.waitForSteps(run.runId, 10);
    await closeDashboard();
    await recorder.waitForSteps(run.runId, recorder.stepsOf(run.runId).length + 10);
    await vscode.commands.executeCommand('losslab.openDashboard', workspaceFile('long.lab.yaml'));
    const hooks = await readyHooks(api);
    await recorder.waitForSteps(run.runId, recorder.stepsOf(run.runId).length + 10);
    await vscode.commands.executeCommand('losslab.stop', run.runId);
    await api.whenRunEnds(run.runId);
    // The last appends are flushed when the run ends; give them a moment to be posted.
    const written = readMetrics(run.folder).steps;
    await waitUntil('every step to be sent to the reopened dashboard', () => stepsSentFor(hooks.posted, run.runId).length >= written.length, 5000);
    const sent = stepsSentFor(hooks.posted, run.runId);
    assertContiguous(sent, 'steps sent to the reopened dashboard');
    assert.deepEqual(sent.map(deterministicPart), written.map(deterministicPart));
  });

  test('a run trained outside the extension (the CLI) is followed live from the run store, no run sent twice', async function () {
    if (!hasDashboardHooks(api)) this.skip();
    this.timeout(180_000);
    const config = workspaceFile('long.lab.yaml');
    await closeDashboard();
    await vscode.commands.executeCommand('losslab.openDashboard', config);
    const hooks = await readyHooks(api);
    // One run the extension trains alongside: it streams from the training side and must not come from disk as well.
    const own = await trainFixture('long.lab.yaml');
    const cliFolder = join(runsFolderFor(config.fsPath, 'long', vscode.workspace.getConfiguration('losslab', config).get<string>('runFolder', '')), newRunId());
    const cliRun = cliFolder.split(/[\\/]/).pop() as string;
    const cli = runCli(extensionPath, ['train', config.fsPath, '--steps', '3000', '--out', cliFolder, '--quiet']);
    await waitUntil('the dashboard to show the CLI run while it trains', () => appendedSteps(hooks.posted, cliRun).length > 0, 60_000);
    const exit = await cli;
    assert.equal(exit.code, 0, exit.stderr);
    const written = readMetrics(cliFolder);
    assert.equal(written.steps.length, 3000);
    const updates = () => hooks.posted.flatMap((message) => message.type === 'DidUpdateRun' && message.info.id === cliRun ? [message.info.status] : []);
    await waitUntil('every step and the end of the CLI run to reach the dashboard', () => stepsSentFor(hooks.posted, cliRun).length >= written.steps.length && updates().at(-1) === 'finished', 15_000);
    assert.deepEqual(updates(), ['running', 'finished'], 'the run announced once, then its status change');
    assert.deepEqual(appendedSteps(hooks.posted, cliRun), written.steps, 'every step once, in order, as written');
    const evals = hooks.posted.flatMap((message) => message.type === 'DidAppendMetrics' && message.runId === cliRun ? message.evals : []);
    assert.deepEqual(evals, written.evals);
    // The per-parameter norms follow the metrics: every step's, once, as grad_norms.jsonl holds them.
    const norms = readGradNorms(cliFolder);
    await waitUntil('every step\'s gradient norms to reach the dashboard', () => appendedGradNorms(hooks.posted, cliRun).length >= norms.length, 15_000);
    assert.deepEqual(appendedGradNorms(hooks.posted, cliRun), norms);

    await vscode.commands.executeCommand('losslab.stop', own.runId);
    await api.whenRunEnds(own.runId);
    // Give the follower time to notice the run's final files (it must stay silent about them).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const ownSteps = appendedSteps(hooks.posted, own.runId);
    assertContiguous(ownSteps, 'steps of the extension\'s own run');
    assert.deepEqual(ownSteps.map(deterministicPart), readMetrics(own.folder).steps.map(deterministicPart));
    assert.deepEqual(appendedGradNorms(hooks.posted, own.runId), readGradNorms(own.folder), 'the own run\'s norms, each step once');
    assert.deepEqual(hooks.posted.flatMap((message) => message.type === 'DidUpdateRun' && message.info.id === own.runId ? [message.info.status] : []), ['running', 'stopped']);
  });
});
