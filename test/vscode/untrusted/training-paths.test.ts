// Every path that trains is refused in Restricted Mode: the Train command, the dashboard's Train and Resume on CPU
// buttons, Resume Training, Find Learning Rate, Run Sweep and the training API itself (which notebook cells train through).
// Each leaves the workspace's files exactly as they were (no run folder, no checkpoint) and starts no run.
import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { LossLabApi } from '../../../src/extension/api';
import type { RunInfo } from '../../../src/protocol/runInfo';
import { dashboardHooks, type DashboardTestHooks } from '../support/dashboardHooks';
import { activateLossLab, waitUntil, workspaceFile } from '../support/lossLab';
import { trainWithCli } from '../support/runFolder';
import { RunRecorder } from '../support/runRecorder';

const GATED = 'gated';
const CONFIG = `${GATED}/gated.lab.yaml`;

/** Every file under the workspace with its size and modification time: a run folder or any write shows up here. */
function snapshot(): string[] {
  const root = workspaceFile('.').fsPath;
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else files.push(`${path.slice(root.length)} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  walk(root);
  return files.sort();
}

/** A pause long enough for a run that did start to announce itself (the worker starts in well under this). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2500));

suite('untrusted workspace: every training path', () => {
  let api: LossLabApi;
  let recorder: RunRecorder;
  let pausedRun: { folder: string; info: RunInfo };

  suiteSetup(async function () {
    this.timeout(180_000);
    const { api: activated, extension } = await activateLossLab();
    api = activated;
    recorder = new RunRecorder(api);
    // A config of its own folder, so the other untrusted tests still see no .losslab beside tiny.lab.yaml.
    mkdirSync(workspaceFile(GATED).fsPath, { recursive: true });
    writeFileSync(workspaceFile(CONFIG).fsPath, readFileSync(workspaceFile('tiny.lab.yaml').fsPath, 'utf8')
      .replace('name: tiny', 'name: gated').replace('train: data/tiny.txt', 'train: ../data/tiny.txt').replace('steps: 30', 'steps: 6'));
    // A run the CLI trained (outside VS Code's trust), marked as paused by a GPU failure: the dashboard offers Resume on CPU.
    const folder = join(workspaceFile(GATED).fsPath, '.losslab', 'runs', 'gated', 'gpu-paused');
    const cli = await trainWithCli(extension.extensionPath, workspaceFile(CONFIG).fsPath, folder);
    assert.equal(cli.code, 0, cli.stderr);
    const info = JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8')) as RunInfo;
    const paused: RunInfo = { ...info, status: 'paused', message: 'the GPU was lost', gpu_failure: { kind: 'device-lost', step: info.steps_completed, checkpoint_step: info.steps_completed } };
    writeFileSync(join(folder, 'run.json'), JSON.stringify(paused, null, 2));
    pausedRun = { folder, info: paused };
  });
  suiteTeardown(() => recorder.dispose());

  /** Runs `attempt`, then checks that no run started and no file of the workspace changed. */
  async function refused(what: string, attempt: () => Promise<unknown>): Promise<unknown> {
    const before = snapshot();
    const result = await attempt();
    await settle();
    assert.deepEqual(recorder.changes.map((info) => `${info.name}: ${info.status}`), [], `${what} started a run`);
    assert.deepEqual(api.training.activeRuns(), [], `${what} left a run training`);
    assert.deepEqual(snapshot(), before, `${what} wrote into the workspace`);
    return result;
  }

  test('the Train command resolves with no run', async () => {
    assert.equal(await refused('losslab.train', () => Promise.resolve(vscode.commands.executeCommand('losslab.train', workspaceFile(CONFIG)))), undefined);
  });

  test('the training API itself refuses, naming Workspace Trust', async () => {
    await refused('training.train', () => assert.rejects(api.training.train(workspaceFile(CONFIG)), /untrusted workspace \(Workspace Trust\)/));
    await refused('training.resumeOnCpu', () => assert.rejects(api.training.resumeOnCpu(pausedRun.folder, pausedRun.info), /untrusted workspace/));
    await refused('training.resume', () => assert.rejects(api.training.resume(pausedRun.info.id), /untrusted workspace/));
  });

  test('Resume Training and Find Learning Rate resolve with nothing', async () => {
    assert.equal(await refused('losslab.resume', () => Promise.resolve(vscode.commands.executeCommand('losslab.resume', vscode.Uri.file(pausedRun.folder)))), undefined);
    const lr = () => Promise.resolve(vscode.commands.executeCommand('losslab.findLearningRate', workspaceFile(CONFIG), { steps: 5, write: true }));
    assert.equal(await refused('losslab.findLearningRate', lr), undefined);
  });

  test('Run Sweep resolves with nothing: no trial trains, no sweep folder is written', async () => {
    const sweepConfig = `${GATED}/gated-sweep.lab.yaml`;
    writeFileSync(workspaceFile(sweepConfig).fsPath, `${readFileSync(workspaceFile(CONFIG).fsPath, 'utf8').replace('name: gated', 'name: gated-sweep')}\nsweep:\n  parameters:\n    optimizer.lr: [0.001, 0.01]\n`);
    const sweep = () => Promise.resolve(vscode.commands.executeCommand('losslab.runSweep', workspaceFile(sweepConfig)));
    assert.equal(await refused('losslab.runSweep', sweep), undefined);
  });

  test('the dashboard\'s Train and Resume on CPU buttons start nothing', async function () {
    this.timeout(90_000);
    await vscode.commands.executeCommand('losslab.openDashboard', workspaceFile(CONFIG));
    let hooks: DashboardTestHooks | undefined;
    await waitUntil('the dashboard to list the paused run', () => {
      hooks = dashboardHooks(api);
      return hooks?.posted.some((m) => m.type === 'DidSelectConfig' && m.runs.some((run) => run.info.id === pausedRun.info.id)) ?? false;
    }, 45_000);
    const panel = hooks as DashboardTestHooks;
    await refused('the dashboard\'s Train', async () => panel.receive({ type: 'Train' }));
    await refused('the dashboard\'s Resume on CPU', async () => panel.receive({ type: 'ResumeTraining', runId: pausedRun.info.id }));
    assert.deepEqual(panel.rejected, [], 'both messages were valid: the trust gate, not the validator, refused them');
  });

});
