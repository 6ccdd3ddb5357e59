import * as vscode from 'vscode';
import type { SweepService } from '../sweeps/runSweep';
import type { TrainingEvents } from '../training/events';
import { requireWorkspaceTrust, UntrustedWorkspaceError } from '../training/workspaceTrust';
import { runConfigCell, type LiveRunSink } from './cellRunner';
import { compareNames, runsByName } from './compare';
import type { LiveRun } from './liveRun';
import type { AppendMessage, OutputRun, SubscribeMessage } from './outputData';
import { cellKind, errorOutput, NOTEBOOK_TYPE, runOutput } from './serializer';

export const CONTROLLER_ID = 'losslab.notebook';
export const RENDERER_ID = 'losslab.notebook-renderer';

/**
 * The "Loss Lab" kernel of `*.labnb` notebooks: runs cells one after another (cells asked to run while others train
 * wait their turn, in order) and feeds the renderers of live charts.
 */
export class LabNotebookController implements vscode.Disposable, LiveRunSink {
  private readonly controller: vscode.NotebookController;
  private readonly messaging: vscode.NotebookRendererMessaging;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('losslab-notebook');
  private readonly live = new Map<string, LiveRun>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private queue: Promise<void> = Promise.resolve();
  private executionOrder = 0;

  constructor(private readonly training: TrainingEvents, private readonly runSweep: SweepService) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, 'Loss Lab');
    this.controller.supportedLanguages = ['yaml'];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = 'Trains config cells';
    this.controller.executeHandler = (cells, notebook) => this.execute(cells, notebook);
    this.messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
    this.subscriptions.push(
      this.messaging.onDidReceiveMessage(({ editor, message }) => this.subscribe(editor, message)),
      vscode.workspace.onDidOpenNotebookDocument((notebook) => this.prefer(notebook)),
    );
    for (const notebook of vscode.workspace.notebookDocuments) this.prefer(notebook);
  }

  started(run: LiveRun): void {
    this.live.set(run.runId, run);
  }

  appended(run: LiveRun, added: ReturnType<LiveRun['append']>): void {
    const message: AppendMessage = { type: 'append', runId: run.runId, series: added, summary: run.summary, reset: false };
    if (this.live.has(run.runId)) void this.messaging.postMessage(message);
  }

  ended(run: LiveRun): void {
    this.live.delete(run.runId);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.controller.dispose();
    this.diagnostics.dispose();
  }

  private prefer(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType === NOTEBOOK_TYPE) this.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
  }

  // Returns at once: each queued cell shows as pending and reports its own end (waiting here would block the caller).
  private execute(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): void {
    const executions = cells.filter((cell) => cellKind(cell) !== 'markdown').flatMap((cell) => {
      try {
        return [{ cell, execution: this.controller.createNotebookCellExecution(cell) }];
      } catch {
        return []; // already queued or running
      }
    });
    for (const { cell, execution } of executions) {
      // Compare cells queue too, so "Run All" overlays the runs the cells above it just made.
      const run = cellKind(cell) === 'compare' ? () => this.runCompare(cell, execution, notebook) : () => this.runConfig(cell, execution);
      this.queue = this.queue.then(run).catch(() => undefined);
    }
  }

  private async runConfig(cell: vscode.NotebookCell, execution: vscode.NotebookCellExecution): Promise<void> {
    execution.executionOrder = ++this.executionOrder;
    execution.start(Date.now());
    if (execution.token.isCancellationRequested) return execution.end(false, Date.now());
    let success = false;
    try {
      // Before the cell writes its config file (training.train passes the same gate).
      requireWorkspaceTrust('run config cells');
      success = await runConfigCell(cell, execution, this.training, this.diagnostics, this, this.runSweep);
    } catch (error) {
      const message = error instanceof UntrustedWorkspaceError ? error.message : `Loss Lab: ${error instanceof Error ? error.message : String(error)}`;
      await execution.replaceOutput(errorOutput(message)).then(undefined, () => undefined);
    }
    execution.end(success, Date.now());
  }

  private async runCompare(cell: vscode.NotebookCell, execution: vscode.NotebookCellExecution, notebook: vscode.NotebookDocument): Promise<void> {
    execution.executionOrder = ++this.executionOrder;
    execution.start(Date.now());
    const names = compareNames(cell.document.getText());
    const available = runsByName(notebook);
    const missing = typeof names === 'string' ? [] : names.filter((name) => !available.has(name));
    if (typeof names === 'string' || missing.length > 0) {
      const known = [...available.keys()].join(', ') || 'none yet';
      await execution.replaceOutput(errorOutput(typeof names === 'string' ? names : `No run named ${missing.join(', ')} in this notebook (runs so far: ${known}). Run those config cells first.`));
      return execution.end(false, Date.now());
    }
    const runs = names.map((name) => (available.get(name) as { run: OutputRun }).run);
    await execution.replaceOutput(runOutput({ kind: 'compare', runs }));
    execution.end(true, Date.now());
  }

  // A renderer drawing a live output asks for everything so far; later points come as appends.
  private subscribe(editor: vscode.NotebookEditor, message: unknown): void {
    const request = message as Partial<SubscribeMessage> | null;
    if (request?.type !== 'subscribe' || typeof request.runId !== 'string') return;
    const run = this.live.get(request.runId);
    if (!run) return;
    const snapshot = run.snapshot(false);
    const reply: AppendMessage = { type: 'append', runId: run.runId, series: snapshot.series, summary: snapshot.summary, reset: true };
    void this.messaging.postMessage(reply, editor);
  }
}
