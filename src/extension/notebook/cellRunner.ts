// Runs one config cell: resolve its YAML into a config file under the notebook's folder, train it through the
// normal training side, stream its metrics to the cell's live chart, and leave the finished run in the output.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { poolGradNorms, toGradNormColumns } from '../../engine/train/gradNormGrid';
import { loadGradNorms } from '../../node/runFolder';
import type { RunInfo } from '../../protocol/runInfo';
import { log } from '../log';
import type { RunMetricsEvent, TrainingEvents } from '../training/events';
import { sweepBlockOf } from '../../node/sweep';
import type { SweepService } from '../sweeps/runSweep';
import { resolveCellConfig, type CellProblem } from './cellConfig';
import { LiveRun } from './liveRun';
import { MAX_STORED_GRAD_NORM_STEPS } from './outputData';
import { errorOutput, runOutput } from './serializer';
import { runSweepCell } from './sweepCell';

/** Where the cell runner reports live progress (the controller forwards it to the renderers). */
export interface LiveRunSink {
  started(run: LiveRun): void;
  appended(run: LiveRun, added: ReturnType<LiveRun['append']>): void;
  ended(run: LiveRun): void;
}

/** The config file a cell is written to: `.losslab/notebook/<notebook>-cell<N>.lab.yaml` beside the notebook. */
export function cellConfigFile(notebook: vscode.Uri, cellIndex: number): string {
  const stem = basename(notebook.fsPath).replace(/\.labnb$/i, '');
  return join(dirname(notebook.fsPath), '.losslab', 'notebook', `${stem}-cell${cellIndex + 1}.lab.yaml`);
}

/** Trains `cell` within `execution` (already started); resolves with whether the run finished. */
export async function runConfigCell(cell: vscode.NotebookCell, execution: vscode.NotebookCellExecution, training: TrainingEvents,
  diagnostics: vscode.DiagnosticCollection, sink: LiveRunSink, runSweep: SweepService): Promise<boolean> {
  const notebook = cell.notebook.uri;
  if (notebook.scheme !== 'file') {
    await execution.replaceOutput(errorOutput('Save the notebook first: a config cell is written to a config file beside it.'));
    return false;
  }
  const notebookDir = dirname(notebook.fsPath);
  const outFile = cellConfigFile(notebook, cell.index);
  const stem = basename(outFile).replace(/\.lab\.yaml$/, '');
  const resolved = await resolveCellConfig({ cellText: cell.document.getText(), notebookDir, outFile, defaultName: stem, readFile: (path) => readFile(path, 'utf8') });
  diagnostics.set(cell.document.uri, resolved.problems.map(toDiagnostic));
  if (!resolved.text || !resolved.config) {
    const lines = resolved.problems.filter((p) => p.severity === 'error').map((p) => `line ${p.line + 1}, column ${p.column + 1}: ${p.message}`);
    await execution.replaceOutput(errorOutput(`The config cell has errors:\n${lines.join('\n')}`));
    return false;
  }
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, resolved.text, 'utf8');
  if (execution.token.isCancellationRequested) return false;
  if (sweepBlockOf({ source: resolved.text, file: outFile })) return runSweepCell(outFile, execution, runSweep);

  const config = resolved.config;
  // Events may arrive before train() resolves: keep them until the run id is known.
  const early: { changes: RunInfo[]; metrics: RunMetricsEvent[] } = { changes: [], metrics: [] };
  let live: LiveRun | null = null;
  let resolveEnd: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveEnd = resolve));
  const onChange = (info: RunInfo) => {
    if (!live) return void early.changes.push(info);
    if (info.id !== live.runId) return;
    live.update(info);
    if (live.ended) resolveEnd();
  };
  const onMetrics = (event: RunMetricsEvent) => {
    if (!live) return void early.metrics.push(event);
    if (event.runId === live.runId) sink.appended(live, live.append(event.steps, event.evals));
  };
  const subscriptions = [training.onDidChangeRun(onChange), training.onDidReceiveMetrics(onMetrics), execution.token.onCancellationRequested(() => {
    if (live) void training.stop(live.runId);
  })];
  try {
    let started: { runId: string; folder: string };
    try {
      started = await training.train(vscode.Uri.file(outFile));
    } catch (error) {
      await execution.replaceOutput(errorOutput(`The run did not start: ${error instanceof Error ? error.message : String(error)}`));
      return false;
    }
    const run = new LiveRun(config.name, started.runId, relative(notebookDir, started.folder).split('\\').join('/'), config.training.grad_clip > 0 ? config.training.grad_clip : null, config.training.steps);
    live = run;
    // Replay what arrived before the id was known before anything newer can arrive (the next await lets it in).
    for (const event of early.metrics) onMetrics(event);
    for (const info of early.changes) onChange(info);
    await execution.replaceOutput(runOutput({ kind: 'run', runs: [run.snapshot(false)], live: true }));
    sink.started(run);
    if (execution.token.isCancellationRequested) void training.stop(run.runId);
    await ended;
    sink.ended(run);
    const norms = await loadGradNorms(started.folder).catch((error: Error) => (log().warn(`notebook: no gradient norms for ${run.runId}: ${error.message}`), []));
    const gradNorms = norms.length > 0 ? toGradNormColumns(poolGradNorms(norms, MAX_STORED_GRAD_NORM_STEPS)) : undefined;
    await execution.replaceOutput(runOutput({ kind: 'run', runs: [{ ...run.snapshot(true), gradNorms }] }));
    return run.summary.status === 'finished';
  } finally {
    for (const subscription of subscriptions) subscription.dispose();
  }
}

function toDiagnostic(problem: CellProblem): vscode.Diagnostic {
  const range = new vscode.Range(problem.line, problem.column, problem.endLine, Math.max(problem.endColumn, problem.line === problem.endLine ? problem.column + 1 : 0));
  const diagnostic = new vscode.Diagnostic(range, problem.message, problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  diagnostic.source = 'Loss Lab';
  return diagnostic;
}
