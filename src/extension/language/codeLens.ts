import * as vscode from 'vscode';
import { parseConfigText } from '../../config';
import { configNameIn } from '../../config/rawValues';
import { isConfigDocument } from './documents';
import { readLastRun, summarizeRun } from './runSummary';

/** Run changes come in bursts (status, then close); one refresh per burst is enough. */
const REFRESH_DELAY_MS = 250;
/** "3 min ago" should not stay "just now" forever while the editor sits open. */
const AGE_REFRESH_MS = 60_000;

/**
 * The lenses above line 1 of a config: ▶ Train (or "⚠ Fix N errors to train", which opens the Problems view),
 * Preview schedule, Dashboard, and the last run's result from the run store.
 */
export class ConfigCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/.losslab/runs/**/run.json');
  private readonly ageTimer = setInterval(() => this.changed.fire(), AGE_REFRESH_MS);
  private pending: ReturnType<typeof setTimeout> | undefined;
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor() {
    for (const event of [this.watcher.onDidCreate, this.watcher.onDidChange, this.watcher.onDidDelete]) event(() => this.refresh());
  }

  /** Asks VS Code for fresh lenses (after a run started, changed status or ended). */
  refresh(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.changed.fire(), REFRESH_DELAY_MS);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isConfigDocument(document)) return [];
    const text = document.getText();
    const result = parseConfigText(text, document.uri.fsPath);
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
    const top = new vscode.Range(0, 0, 0, 0);
    const target = [document.uri];
    const lenses = [
      new vscode.CodeLens(top, errors > 0
        ? { title: `⚠ Fix ${errors} error${errors === 1 ? '' : 's'} to train`, command: 'workbench.actions.view.problems', tooltip: 'Show the problems in this config' }
        : { title: '▶ Train', command: 'losslab.train', arguments: target, tooltip: 'Train this config' }),
      new vscode.CodeLens(top, { title: 'Preview schedule', command: 'losslab.previewSchedule', arguments: target, tooltip: "Plot this config's learning-rate schedule" }),
      new vscode.CodeLens(top, { title: 'Dashboard', command: 'losslab.openDashboard', arguments: target, tooltip: "Open this config's dashboard" }),
    ];
    const name = result.config?.name ?? configNameIn(text, document.fileName);
    if (document.uri.scheme === 'file' && name) {
      const runFolder = vscode.workspace.getConfiguration('losslab', document.uri).get<string>('runFolder', '');
      const last = readLastRun(document.uri.fsPath, name, runFolder);
      // An empty command id makes VS Code show the lens as plain text.
      if (last) lenses.push(new vscode.CodeLens(top, { ...summarizeRun(last, new Date()), command: '' }));
    }
    return lenses;
  }

  dispose(): void {
    clearTimeout(this.pending);
    clearInterval(this.ageTimer);
    this.watcher.dispose();
    this.changed.dispose();
  }
}
