import * as vscode from 'vscode';
import { isConfigFileName } from '../../config/diagnostics';
import { UserError } from '../../node/configFile';
import { runsFolderFor } from '../../node/runFolder';
import { SweepDriver, bestLine, createSweep, describeValues, openSweep, planSweep, type OpenedSweep } from '../../node/sweep';
import type { SweepSummary } from '../../node/sweepFolder';
import { log } from '../log';
import type { TrainingManager } from '../training/trainingManager';
import { explainIfUntrusted, trustedOrExplain } from '../training/workspaceTrust';
import { WorkerTrialRunner } from './workerTrials';

/** What Run Sweep is given: a config's Uri (palette, CodeLens), or `{ resume }` a stopped sweep's folder. */
export type RunSweepArgument = vscode.Uri | { resume: string } | undefined;

/** A sweep that ran to its end or a stop: its folder and final sweep.json. */
export interface SweepOutcome {
  folder: string;
  summary: SweepSummary;
}

/** How a caller follows a sweep: a cancellation (stops the trials after their step) and each trial's change. */
export interface SweepFollower {
  token?: vscode.CancellationToken;
  onTrial?(summary: SweepSummary, line: string): void;
}

/** Trains every trial of an opened sweep, each in a training worker of its own; resolves with the final sweep.json. */
export async function driveSweep(training: TrainingManager, opened: OpenedSweep, follower: SweepFollower = {}): Promise<SweepOutcome> {
  const configUri = vscode.Uri.file(opened.configFile);
  const runFolderSetting = vscode.workspace.getConfiguration('losslab', configUri).get<string>('runFolder', '');
  const total = opened.summary.trials.length;
  const driver = new SweepDriver(
    opened.writer, opened.summary, { configFile: opened.configFile, runsFolder: runsFolderFor(opened.configFile, opened.summary.config_name, runFolderSetting) },
    new WorkerTrialRunner(training, configUri),
    {
      onChange: (summary, trial) => {
        if (!trial) return;
        const result = trial.metric === null || trial.status === 'running' ? '' : `: ${summary.metric} ${trial.metric.toFixed(4)}`;
        follower.onTrial?.(summary, `trial ${trial.index + 1}/${total} ${trial.status}${result} (${describeValues(trial.values)})`);
      },
    },
  );
  const cancel = follower.token?.onCancellationRequested(() => driver.stop());
  if (follower.token?.isCancellationRequested) driver.stop();
  try {
    return { folder: driver.folder, summary: await driver.run() };
  } finally {
    cancel?.dispose();
  }
}

/** A config's sweep planned, checked and trained without notifications (a notebook sweep cell); throws what the plan refuses. */
export async function sweepConfig(training: TrainingManager, configFile: vscode.Uri, follower: SweepFollower = {}): Promise<SweepOutcome> {
  return driveSweep(training, createSweep(await planSweep({ configFile: configFile.fsPath }), (message) => log().warn(message)), follower);
}

/** How other features run a config's sweep (the notebook's sweep cells). */
export type SweepService = (configFile: vscode.Uri, follower?: SweepFollower) => Promise<SweepOutcome>;

/**
 * `losslab.runSweep`: checks the config's sweep (every trial, and memory for the trials at once) before anything
 * trains, then trains the trials with a cancellable progress notification; at the end names the best trial with a
 * button to the dashboard, or after a cancel offers to resume. Resolves with the outcome (undefined when nothing ran).
 */
export async function runSweepCommand(training: TrainingManager, argument: RunSweepArgument): Promise<SweepOutcome | undefined> {
  if (!trustedOrExplain('run a sweep')) return undefined;
  let opened: OpenedSweep;
  try {
    opened = await openOrPlan(argument);
  } catch (error) {
    void showError(error);
    return undefined;
  }
  const title = `Loss Lab: sweep ${opened.summary.config_name} (${opened.summary.trials.length} trials)`;
  let finished = opened.summary.trials.filter((t) => t.status === 'finished' || t.status === 'pruned' || t.status === 'failed').length;
  let outcome: SweepOutcome;
  try {
    outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
      driveSweep(training, opened, {
        token,
        onTrial: (summary, line) => {
          const done = summary.trials.filter((t) => t.status === 'finished' || t.status === 'pruned' || t.status === 'failed').length;
          progress.report({ message: line, increment: ((done - finished) * 100) / summary.trials.length });
          finished = done;
          log().info(`sweep ${summary.sweep_id}: ${line}`);
        },
      }));
  } catch (error) {
    void showError(error);
    return undefined;
  }
  void announce(outcome, opened.configFile);
  return outcome;
}

async function openOrPlan(argument: RunSweepArgument): Promise<OpenedSweep> {
  if (argument && !(argument instanceof vscode.Uri)) return openSweep(argument.resume);
  const configFile = argument ?? activeConfig();
  if (!configFile) throw new UserError('open a config (*.lab.yaml or *.lab.json) with a sweep block to run its sweep');
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === configFile.toString());
  if (open?.isDirty && !(await open.save())) throw new UserError(`${vscode.workspace.asRelativePath(configFile)} could not be saved, so its sweep was not run`);
  return createSweep(await planSweep({ configFile: configFile.fsPath }), (message) => log().warn(message));
}

/** The end of a sweep in one message: the best trial and the dashboard; after a stop, how to resume. */
async function announce(outcome: SweepOutcome, configFile: string): Promise<void> {
  const { summary, folder } = outcome;
  log().info(`sweep ${summary.sweep_id} ${summary.status}; ${bestLine(summary)}`);
  if (summary.status === 'stopped') {
    const left = summary.trials.filter((t) => t.status === 'pending' || t.status === 'stopped' || t.status === 'running').length;
    const choice = await vscode.window.showInformationMessage(`Loss Lab: sweep ${summary.config_name} stopped with ${left} trials left; ${bestLine(summary)}`, 'Resume Sweep');
    if (choice === 'Resume Sweep') await vscode.commands.executeCommand('losslab.runSweep', { resume: folder });
    return;
  }
  const show = summary.status === 'failed' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
  const choice = await show(`Loss Lab: sweep ${summary.config_name} ${summary.status}; ${bestLine(summary)}`, 'Open Dashboard');
  if (choice === 'Open Dashboard') await vscode.commands.executeCommand('losslab.openDashboard', vscode.Uri.file(configFile));
}

/** The active editor's config file, if it shows one. */
export function activeConfig(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document && document.uri.scheme === 'file' && isConfigFileName(document.fileName) ? document.uri : undefined;
}

async function showError(error: unknown): Promise<void> {
  if (explainIfUntrusted(error)) return;
  const message = error instanceof Error ? error.message : String(error);
  log().error(`sweep: ${message}`);
  if ((await vscode.window.showErrorMessage(`Loss Lab could not run the sweep: ${message}`, 'Show Log')) === 'Show Log') await vscode.commands.executeCommand('losslab.showLog');
}
