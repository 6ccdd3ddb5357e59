import { resolve } from 'node:path';
import * as vscode from 'vscode';
import { resumableSweep, type ResumableSweep } from '../../node/sweep';
import { activeConfig, type SweepOutcome } from './runSweep';

/** Every sweep.json of the workspace: sweeps live in `.losslab/sweeps/<config name>/<sweep id>/` beside their config. */
const SWEEP_FILES = '**/.losslab/sweeps/*/*/sweep.json';
const MAX_SWEEPS = 2000;
/** sweep.json is rewritten after every trial's change: the context key follows at most this often. */
const REFRESH_DELAY_MS = 300;

/** The workspace's resumable sweeps, newest first: the active config's when it has any, otherwise all of them. */
export async function findResumableSweeps(): Promise<ResumableSweep[]> {
  const files = await vscode.workspace.findFiles(SWEEP_FILES, null, MAX_SWEEPS);
  const sweeps = files.map((file) => resumableSweep(vscode.Uri.joinPath(file, '..').fsPath)).filter((s): s is ResumableSweep => s !== null);
  sweeps.sort((a, b) => b.summary.started.localeCompare(a.summary.started) || b.folder.localeCompare(a.folder));
  const active = activeConfig();
  const ofActive = active ? sweeps.filter((s) => resolve(s.configFile) === resolve(active.fsPath)) : [];
  return ofActive.length > 0 ? ofActive : sweeps;
}

/** The QuickPick row of a sweep: its config and id, status with trials done of all, and when it started. */
export function sweepPickItem(sweep: ResumableSweep): vscode.QuickPickItem & { folder: string } {
  const { summary } = sweep;
  const status = sweep.interrupted ? 'interrupted (its driver is gone)' : summary.status;
  return {
    label: `${summary.config_name} · sweep ${summary.sweep_id}`,
    description: `${status} · ${sweep.done}/${summary.trials.length} trials done`,
    detail: `started ${new Date(summary.started).toLocaleString()} · ${vscode.workspace.asRelativePath(sweep.configFile)}`,
    folder: sweep.folder,
  };
}

/**
 * `losslab.resumeSweep`: picks one of the resumable sweeps (stopped, failed with trials left, or interrupted) and
 * continues it as the "Resume Sweep" button of a stopped sweep does. Resolves with the outcome (undefined: none ran).
 */
export async function resumeSweepCommand(): Promise<SweepOutcome | undefined> {
  const sweeps = await findResumableSweeps();
  if (sweeps.length === 0) {
    void vscode.window.showInformationMessage('Loss Lab: no sweep to resume: every sweep in the workspace has finished or is training.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(sweeps.map(sweepPickItem), {
    title: 'Loss Lab: Resume Sweep', placeHolder: 'Choose the sweep to continue from its trials\' checkpoints', matchOnDescription: true, matchOnDetail: true,
  });
  if (!picked) return undefined;
  return vscode.commands.executeCommand<SweepOutcome | undefined>('losslab.runSweep', { resume: picked.folder });
}

/** Keeps the `losslab.resumableSweeps` context key (Resume Sweep's `when`) true exactly while a sweep can be resumed. */
export function trackResumableSweeps(): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async () => {
    const any = (await findResumableSweeps()).length > 0;
    await vscode.commands.executeCommand('setContext', 'losslab.resumableSweeps', any);
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), REFRESH_DELAY_MS);
  };
  const watcher = vscode.workspace.createFileSystemWatcher(SWEEP_FILES);
  const subscriptions = [watcher, watcher.onDidCreate(later), watcher.onDidChange(later), watcher.onDidDelete(later), vscode.window.onDidChangeActiveTextEditor(later)];
  later();
  return new vscode.Disposable(() => {
    clearTimeout(timer);
    for (const subscription of subscriptions) subscription.dispose();
  });
}
