import * as vscode from 'vscode';
import { isConfigFileName } from '../../config/diagnostics';
import type { RunInfo } from '../../protocol/runInfo';
import { log } from '../log';
import type { TrainingEvents } from './events';
import { explainIfUntrusted, trustedOrExplain } from './workspaceTrust';

const CONFIG_GLOB = '**/*.lab.{yaml,yml,json}';
const EXCLUDE_GLOB = '**/{node_modules,.losslab}/**';

/** `losslab.train` and `losslab.stop`. */
export function registerTrainingCommands(context: vscode.ExtensionContext, training: TrainingEvents): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('losslab.train', (arg?: unknown) => train(training, arg)),
    vscode.commands.registerCommand('losslab.stop', (arg?: unknown) => stop(training, arg)),
  );
}

/** Trains the config given (a Uri), else the active editor's, else one picked; returns the run, or undefined. */
async function train(training: TrainingEvents, arg: unknown): Promise<{ runId: string; folder: string } | undefined> {
  if (!trustedOrExplain('train')) return undefined;
  const configFile = arg instanceof vscode.Uri ? arg : activeConfig() ?? (await pickConfig());
  if (!configFile) return undefined;
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === configFile.toString());
  if (open?.isDirty && !(await open.save())) {
    void vscode.window.showErrorMessage(`Loss Lab: ${vscode.workspace.asRelativePath(configFile)} could not be saved, so it was not trained.`);
    return undefined;
  }
  try {
    const run = await training.train(configFile);
    if (vscode.workspace.getConfiguration('losslab', configFile).get<boolean>('openDashboardOnTrain', true)) {
      void Promise.resolve(vscode.commands.executeCommand('losslab.openDashboard', configFile)).catch((error: unknown) => log().warn(`could not open the dashboard: ${String(error)}`));
    }
    return run;
  } catch (error) {
    if (explainIfUntrusted(error)) return undefined;
    const message = error instanceof Error ? error.message : String(error);
    log().error(`could not train ${configFile.fsPath}:\n${message}`);
    void showError(`Loss Lab could not train ${vscode.workspace.asRelativePath(configFile)}: ${message}`);
    return undefined;
  }
}

/** Stops the run given (a run id, or a config Uri from the editor's stop button), the only active run, or one picked. */
async function stop(training: TrainingEvents, arg: unknown): Promise<void> {
  const active = training.activeRuns();
  let target: RunInfo | undefined;
  if (typeof arg === 'string') target = active.find((run) => run.id === arg);
  else if (arg instanceof vscode.Uri) target = active.find((run) => run.config_file === arg.fsPath);
  if (!target && active.length > 1) target = await pickRun(active);
  else target ??= active[0];
  if (!target) {
    if (active.length === 0) void vscode.window.showInformationMessage('Loss Lab: nothing is training.');
    return;
  }
  await training.stop(target.id);
}

function activeConfig(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document && document.uri.scheme === 'file' && isConfigFileName(document.fileName) ? document.uri : undefined;
}

async function pickConfig(): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE_GLOB);
  if (files.length === 0) {
    void vscode.window.showInformationMessage('Loss Lab: no *.lab.yaml, *.lab.yml or *.lab.json config in this workspace. Create one with "Loss Lab: New Config…".');
    return undefined;
  }
  if (files.length === 1) return files[0];
  const items = files
    .map((uri) => ({ label: uri.path.split('/').pop() ?? uri.path, description: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.description.localeCompare(b.description));
  return (await vscode.window.showQuickPick(items, { title: 'Loss Lab: Train', placeHolder: 'Config to train' }))?.uri;
}

async function pickRun(active: readonly RunInfo[]): Promise<RunInfo | undefined> {
  const items = active.map((info) => ({
    label: info.name, description: `${info.status} · step ${info.steps_completed}/${info.total_steps}`, detail: info.config_file, info,
  }));
  return (await vscode.window.showQuickPick(items, { title: 'Loss Lab: Stop Training', placeHolder: 'Run to stop' }))?.info;
}

async function showError(message: string): Promise<void> {
  if ((await vscode.window.showErrorMessage(message, 'Show Log')) === 'Show Log') await vscode.commands.executeCommand('losslab.showLog');
}
