// One writer per run folder, seen from the extension host: Resume of a run the CLI is writing is refused naming that
// process; a CLI run killed with SIGKILL reads as interrupted and Resume takes over its stale lock; a run whose worker
// died reads failed with its lock released, and Resume continues it.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { LossLabApi } from '../../src/extension/api';
import { runItem, runsOfConfig } from '../../src/extension/runs/runPicker';
import { newRunId, readRunInfo, runFile, runsFolderFor } from '../../src/node/runFolder';
import { runStatusText } from '../../webview/dashboard/status';
import { dashboardHooks, hasDashboardHooks, stepsSentFor } from './support/dashboardHooks';
import { activateLossLab, waitUntil, workspaceFile } from './support/lossLab';
import { deterministicPart, readMetrics, trainWithCli } from './support/runFolder';
import { RunRecorder } from './support/runRecorder';
import { ShownMessages } from './support/shownMessages';
import { assertContiguous, trainFixture, type StartedRun } from './support/training';

/** tiny.lab.yaml on the CPU reference (the same numbers in the CLI and the worker), checkpointing every `every` steps. */
function configText(name: string, steps: number, every: number): string {
  return readFileSync(workspaceFile('tiny.lab.yaml').fsPath, 'utf8')
    .replace('name: tiny', `name: ${name}\nbackend: cpu-reference`)
    .replace('steps: 30', `steps: ${steps}`)
    .replace('eval_steps: 2', `eval_steps: 2\n  checkpoint_interval: ${every}`);
}

const HELD = { name: 'lockheld', steps: 100_000, every: 10 };
const KILLED = { name: 'killed', steps: 1500, every: 50 };

/** A `losslab train` in its own process, as a terminal would start it. */
class CliRun {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;

  constructor(extensionPath: string, configFile: string, readonly folder: string) {
    // In desktop VS Code process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
    const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
    this.child = spawn(process.execPath, [join(extensionPath, 'dist', 'cli.js'), 'train', configFile, '--out', folder, '--quiet'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  }

  /** Waits until the run has written `steps` steps and the checkpoint of step `checkpoint`. */
  async reach(steps: number, checkpoint: number): Promise<void> {
    const stateFile = join(this.folder, 'checkpoints', `step-${String(checkpoint).padStart(6, '0')}.state.safetensors`);
    await waitUntil(`the CLI run to reach step ${steps}`, () => existsSync(stateFile) && readMetrics(this.folder).steps.length >= steps, 60_000);
  }
}

/** The run folder a CLI run of `config` gets beside the extension's runs of it (so the run picker and dashboard list it). */
function cliRunFolder(config: vscode.Uri, name: string): string {
  return join(runsFolderFor(config.fsPath, name, vscode.workspace.getConfiguration('losslab', config).get<string>('runFolder', '')), newRunId());
}

suite('run folder lock and interrupted runs', () => {
  let api: LossLabApi;
  let extensionPath: string;
  let recorder: RunRecorder;
  let messages: ShownMessages;
  const children: ChildProcess[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'losslab-lock-'));
  let uninterrupted: ReturnType<typeof readMetrics> | undefined;

  /** The metrics of an uninterrupted CLI run of the killed config, trained once and kept for the tests that need it. */
  async function uninterruptedMetrics(): Promise<ReturnType<typeof readMetrics>> {
    if (!uninterrupted) {
      const folder = join(scratch, 'uninterrupted');
      const exit = await trainWithCli(extensionPath, workspaceFile(`${KILLED.name}.lab.yaml`).fsPath, folder);
      assert.equal(exit.code, 0, exit.stderr);
      uninterrupted = readMetrics(folder);
    }
    return uninterrupted;
  }

  function startCli(config: vscode.Uri, name: string): CliRun {
    const run = new CliRun(extensionPath, config.fsPath, cliRunFolder(config, name));
    children.push(run.child);
    return run;
  }

  suiteSetup(async () => {
    const activated = await activateLossLab();
    api = activated.api;
    extensionPath = activated.extension.extensionPath;
    recorder = new RunRecorder(api);
    messages = new ShownMessages(vscode.window);
    for (const { name, steps, every } of [HELD, KILLED]) writeFileSync(workspaceFile(`${name}.lab.yaml`).fsPath, configText(name, steps, every));
  });
  suiteTeardown(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    messages.dispose();
    recorder.dispose();
    rmSync(scratch, { recursive: true, force: true });
    for (const { name } of [HELD, KILLED]) rmSync(workspaceFile(`${name}.lab.yaml`).fsPath, { force: true });
  });

  test('Resume of a run the CLI is writing is refused naming that process; no second writer; SIGTERM leaves it stopped', async function () {
    this.timeout(120_000);
    const config = workspaceFile(`${HELD.name}.lab.yaml`);
    const cli = startCli(config, HELD.name);
    await cli.reach(25, 20);
    const runId = cli.folder.split(/[\\/]/).pop() as string;
    assert.equal(readRunInfo(cli.folder).status, 'running');

    const shownBefore = messages.shown.length;
    const resumed = await vscode.commands.executeCommand<StartedRun | undefined>('losslab.resume', vscode.Uri.file(cli.folder));
    assert.equal(resumed, undefined, 'Resume started a second writer');
    const said = messages.shown.slice(shownBefore).map((message) => message.text);
    assert.ok(said.some((text) => text.includes(`process ${cli.child.pid}`)), `the refusal does not name process ${cli.child.pid}: ${JSON.stringify(said)}`);
    assert.deepEqual(recorder.changes.filter((info) => info.id === runId), [], 'the extension announced the CLI\'s run as its own');
    assert.deepEqual(api.training.activeRuns(), []);

    // The CLI goes on writing, alone.
    const stepsAtRefusal = readMetrics(cli.folder).steps.length;
    await waitUntil('the CLI to write more steps', () => readMetrics(cli.folder).steps.length >= stepsAtRefusal + 20, 30_000);
    cli.child.kill('SIGTERM');
    const exit = await cli.exited;
    assert.notEqual(exit.code, 70, exit.stderr);
    const { steps } = readMetrics(cli.folder);
    assertContiguous(steps, 'metrics.jsonl of the CLI run');
    const info = readRunInfo(cli.folder);
    assert.equal(info.status, 'stopped', info.message ?? '');
    assert.equal(info.steps_completed, steps.length);
    assert.equal(existsSync(runFile(cli.folder, 'lock')), false, 'the stopped CLI left run.lock behind');
  });

  test('a CLI run killed with SIGKILL shows as interrupted on the dashboard; Resume takes over its lock and finishes it, every step once', async function () {
    if (!hasDashboardHooks(api)) this.skip();
    this.timeout(240_000);
    const config = workspaceFile(`${KILLED.name}.lab.yaml`);
    // Earlier suites leave editors open (a notebook, other dashboards) whose activation would re-select the dashboard's config.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('losslab.openDashboard', config);
    await waitUntil('the dashboard webview to load its config', () => dashboardHooks(api)?.posted.some((message) => message.type === 'DidSelectConfig' && message.configFile === config.fsPath) ?? false, 60_000);
    const hooks = dashboardHooks(api);
    assert.ok(hooks);
    const cli = startCli(config, KILLED.name);
    const runId = cli.folder.split(/[\\/]/).pop() as string;
    await cli.reach(120, 100);
    // Frozen first, so the dashboard has read everything the run wrote before it dies: no file changes after the kill.
    cli.child.kill('SIGSTOP');
    const frozenAt = readMetrics(cli.folder).steps.length;
    await waitUntil('the dashboard to catch up with the frozen run', () => stepsSentFor(hooks.posted, runId).length === frozenAt, 15_000);
    // Longer than the follower's polling interval: every read it does of the frozen run is done before the kill.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    cli.child.kill('SIGKILL');
    assert.equal((await cli.exited).signal, 'SIGKILL');
    assert.equal(existsSync(runFile(cli.folder, 'lock')), true, 'SIGKILL leaves the dead writer\'s run.lock');
    const killedAt = readMetrics(cli.folder).steps;
    assert.ok(killedAt.length < KILLED.steps, `the CLI finished (${killedAt.length} steps) before it was killed`);

    // Read through the run folder's owner, and as the dashboard follows it from disk.
    const read = readRunInfo(cli.folder);
    assert.equal(read.status, 'interrupted');
    assert.equal(read.steps_completed, killedAt.length);
    const statuses = () => hooks.posted.flatMap((message) => message.type === 'DidUpdateRun' && message.info.id === runId ? [message.info.status] : []);
    await waitUntil(`the dashboard to show run ${runId} interrupted (sent: ${statuses().join(', ')})`, () => statuses().at(-1) === 'interrupted', 15_000);
    const sentInfo = hooks.posted.flatMap((message) => message.type === 'DidUpdateRun' && message.info.id === runId ? [message.info] : []).at(-1);
    assert.ok(sentInfo);
    assert.equal(
      runStatusText(config.fsPath, sentInfo, stepsSentFor(hooks.posted, runId).length),
      `Run ${runId} was interrupted at step ${killedAt.length} of ${KILLED.steps}: ${read.message}.`,
    );
    // The lens provider runs on an open document (the workbench refuses a URI it has no model of).
    await vscode.workspace.openTextDocument(config);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', config);
    const lastRun = lenses.map((lens) => lens.command?.title ?? '').find((title) => title.startsWith('last run:'));
    assert.match(lastRun ?? '', new RegExp(`^last run: interrupted at step ${killedAt.length}/${KILLED.steps} · loss \\d+\\.\\d{3} · `));
    const items = (await runsOfConfig(config)).map(runItem);
    assert.deepEqual(items.map((item) => item.label), [runId]);
    assert.match(items[0].description ?? '', new RegExp(`^interrupted · loss \\S+ · step ${killedAt.length}/${KILLED.steps}$`));

    // Resume through the picker: given the config, it takes the one interrupted run of it.
    const resumed = await vscode.commands.executeCommand<StartedRun | undefined>('losslab.resume', config);
    assert.deepEqual(resumed, { runId, folder: cli.folder }, `Resume did not take the interrupted run: ${JSON.stringify(messages.shown.slice(-3))}`);
    const ended = await api.whenRunEnds(runId);
    assert.equal(ended.status, 'finished', ended.message ?? '');

    const ours = readMetrics(cli.folder);
    assertContiguous(ours.steps, 'the resumed run');
    assert.equal(ours.steps.length, KILLED.steps);
    assert.equal(existsSync(runFile(cli.folder, 'lock')), false, 'the finished run left run.lock behind');
    const info = readRunInfo(cli.folder);
    assert.equal(info.status, 'finished');
    // From the newest complete checkpoint at or before the kill (one being written at that moment is passed over).
    const from = info.resumes?.map((resume) => resume.from_step) ?? [];
    assert.equal(from.length, 1);
    assert.ok(from[0] % KILLED.every === 0 && from[0] >= 100 && from[0] <= killedAt.length, `resumed from step ${from[0]}, killed after ${killedAt.length}`);
    const reference = await uninterruptedMetrics();
    assert.deepEqual(ours.steps.map(deterministicPart), reference.steps.map(deterministicPart));
    assert.deepEqual(ours.evals, reference.evals);
    await waitUntil('the dashboard to show the resumed run finished', () => statuses().at(-1) === 'finished', 15_000);
    assertContiguous(stepsSentFor(hooks.posted, runId), 'steps sent to the dashboard');
  });

  test('a run whose worker was killed reads failed with run.lock released, and Resume continues it to the end', async function () {
    this.timeout(240_000);
    const run = await trainFixture(`${KILLED.name}.lab.yaml`);
    await recorder.waitForSteps(run.runId, 60);
    assert.equal(existsSync(runFile(run.folder, 'lock')), true, 'a training run holds run.lock');
    await api.killWorkerForTesting();
    assert.equal((await api.whenRunEnds(run.runId)).status, 'failed');
    assert.equal(existsSync(runFile(run.folder, 'lock')), false, 'the dead worker\'s run.lock was not released');
    const failed = readRunInfo(run.folder);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.steps_completed, readMetrics(run.folder).steps.length);

    const resumed = await vscode.commands.executeCommand<StartedRun | undefined>('losslab.resume', vscode.Uri.file(run.folder));
    assert.deepEqual(resumed, { runId: run.runId, folder: run.folder }, `Resume did not continue the failed run: ${JSON.stringify(messages.shown.slice(-3))}`);
    assert.equal((await api.whenRunEnds(run.runId)).status, 'finished');
    const ours = readMetrics(run.folder);
    assertContiguous(ours.steps, 'the resumed run');
    const reference = await uninterruptedMetrics();
    assert.deepEqual(ours.steps.map(deterministicPart), reference.steps.map(deterministicPart));
    assert.deepEqual(ours.evals, reference.evals);
    assert.equal(existsSync(runFile(run.folder, 'lock')), false);
  });
});
