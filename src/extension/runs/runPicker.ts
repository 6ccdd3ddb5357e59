import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { isConfigFileName } from '../../config/diagnostics';
import { configNameIn } from '../../config/rawValues';
import type { RunInfo } from '../../protocol/runInfo';
import { loadRunHistory, loadRunInfo, runFile, runsFolderFor } from '../../node/runFolder';
import { readConfigText } from '../dashboard/configSource';
import { log } from '../log';

const CONFIG_GLOB = '**/*.lab.{yaml,yml,json}';
const EXCLUDE_GLOB = '**/{node_modules,.losslab}/**';

/** A run folder and its run.json. */
export interface PickedRun {
  folder: string;
  info: RunInfo;
}

/** How a command asks for runs: its title, which runs qualify, and what to say when none does. */
export interface RunQuery {
  title: string;
  accept?(info: RunInfo): boolean;
  /** Completes "Loss Lab: <config> has no runs that …". */
  noneReason?: string;
}

/** A command argument as a path: a Uri (explorer, editor title, another command) or an absolute path string. */
function pathOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri && arg.scheme === 'file') return arg.fsPath;
  if (typeof arg === 'string' && isAbsolute(arg)) return arg;
  return undefined;
}

function isRunFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(runFile(path, 'info'));
  } catch {
    return false;
  }
}

/** The runs of one config, newest first (a config that does not name itself has none). */
export async function runsOfConfig(config: vscode.Uri): Promise<PickedRun[]> {
  const text = await readConfigText(config);
  const name = text === null ? undefined : configNameIn(text, config.fsPath);
  if (!name) return [];
  const setting = vscode.workspace.getConfiguration('losslab', config).get<string>('runFolder', '');
  const history = await loadRunHistory(runsFolderFor(config.fsPath, name, setting), (problem) => log().warn(`runs: skipped ${problem.message}`));
  return history.map((run) => ({ folder: run.folder, info: run.series.info })).reverse();
}

/** The config the command is about: the argument, the active editor's config, else one picked. */
export async function configFor(arg: unknown, title: string): Promise<vscode.Uri | undefined> {
  const path = pathOf(arg);
  if (path && isConfigFileName(path)) return vscode.Uri.file(path);
  const active = vscode.window.activeTextEditor?.document;
  if (active && active.uri.scheme === 'file' && isConfigFileName(active.fileName)) return active.uri;
  const files = await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE_GLOB);
  if (files.length <= 1) return files[0];
  const items = files
    .map((uri) => ({ label: basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.description.localeCompare(b.description));
  return (await vscode.window.showQuickPick(items, { title, placeHolder: 'Config whose runs to choose from' }))?.uri;
}

/** One line per run: id, then status, final loss and start date. */
export function runItem(run: PickedRun): vscode.QuickPickItem & { run: PickedRun } {
  const { info } = run;
  const loss = info.final_loss === null ? 'no loss yet' : `loss ${info.final_loss.toFixed(4)}`;
  const started = new Date(info.started_at);
  const date = Number.isNaN(started.getTime()) ? info.started_at : started.toLocaleString();
  return {
    label: info.id,
    description: `${info.status} · ${loss} · step ${info.steps_completed}/${info.total_steps}`,
    detail: `${info.name} · started ${date}`,
    run,
  };
}

/** The candidate runs: the one run folder given, else those of the config given, active or picked. */
async function candidates(arg: unknown, query: RunQuery): Promise<{ runs: PickedRun[]; from: string } | undefined> {
  const path = pathOf(arg);
  if (path && isRunFolder(path)) {
    return { runs: [{ folder: path, info: await loadRunInfo(path) }], from: basename(path) };
  }
  const config = await configFor(arg, query.title);
  if (!config) {
    void vscode.window.showInformationMessage('Loss Lab: no *.lab.yaml, *.lab.yml or *.lab.json config in this workspace.');
    return undefined;
  }
  return { runs: await runsOfConfig(config), from: vscode.workspace.asRelativePath(config) };
}

/** One run: the run folder given, the only qualifying run, or one picked from the config's runs (newest first). */
export async function pickRun(arg: unknown, query: RunQuery): Promise<PickedRun | undefined> {
  const runs = await pickFrom(arg, query, false);
  return runs?.[0];
}

/** Several runs (a multi-select QuickPick of the config's runs, newest first), or the run folder given. */
export function pickRuns(arg: unknown, query: RunQuery): Promise<PickedRun[] | undefined> {
  return pickFrom(arg, query, true);
}

async function pickFrom(arg: unknown, query: RunQuery, many: boolean): Promise<PickedRun[] | undefined> {
  const found = await candidates(arg, query);
  if (!found) return undefined;
  const runs = found.runs.filter((run) => query.accept?.(run.info) ?? true);
  if (runs.length === 0) {
    const given = found.runs.length === 1 && pathOf(arg) === found.runs[0].folder;
    const why = given ? `run ${found.from} is ${found.runs[0].info.status}` : `${found.from} has no runs${query.noneReason ? ` that ${query.noneReason}` : ''}`;
    void vscode.window.showInformationMessage(`${query.title}: ${why}.`);
    return undefined;
  }
  if (runs.length === 1 && (pathOf(arg) === runs[0].folder || !many)) return runs;
  const items = runs.map(runItem);
  if (many) {
    const picked = await vscode.window.showQuickPick(items, { title: query.title, placeHolder: 'Runs (newest first)', canPickMany: true });
    return picked && picked.length > 0 ? picked.map((item) => item.run) : undefined;
  }
  return [(await vscode.window.showQuickPick(items, { title: query.title, placeHolder: 'Run (newest first)' }))?.run].filter((run): run is PickedRun => run !== undefined);
}
