import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { metricRows, toCsv, toJsonl } from '../../export/metrics/metricsTable';
import { loadGradNorms, readRunRecord } from '../../node/runFolder';
import { renderReport } from '../../export/report/htmlReport';
import { showRunError } from './notify';
import { pickRun, pickRuns } from './runPicker';

export type MetricsFormat = 'csv' | 'jsonl';

/** The metrics of `runFolders` (one row per run and step, val_loss merged by step) as CSV or JSONL text. */
export async function metricsText(runFolders: readonly string[], format: MetricsFormat): Promise<string> {
  const runs = [];
  for (const folder of runFolders) {
    const run = await readRunRecord(folder);
    runs.push({ runId: run.id, configName: run.configName, steps: run.steps, evals: run.evals });
  }
  const rows = metricRows(runs);
  return format === 'csv' ? toCsv(rows) : toJsonl(rows);
}

/**
 * `losslab.exportMetrics [run or config] [options]`: picks runs (several at once), the format and the file; tests
 * (and the dashboard's button) pass `{ runs, format, out }` to skip the questions. Resolves with the file written.
 */
export async function exportMetricsCommand(arg: unknown, options: unknown): Promise<string | undefined> {
  const given = isExportOptions(options) ? options : undefined;
  const folders = given?.runs ?? (await pickRuns(arg, { title: 'Loss Lab: Export Metrics' }))?.map((run) => run.folder);
  if (!folders || folders.length === 0) return undefined;
  const format = given?.format ?? (await pickFormat());
  if (!format) return undefined;
  const out = given?.out ?? (await vscode.window.showSaveDialog({
    title: 'Loss Lab: Export Metrics',
    defaultUri: vscode.Uri.file(join(folders[0], `metrics-export.${format}`)),
    filters: format === 'csv' ? { CSV: ['csv'] } : { 'JSON Lines': ['jsonl'] },
  }))?.fsPath;
  if (!out) return undefined;
  try {
    await writeFile(out, await metricsText(folders, format));
  } catch (error) {
    await showRunError('could not export metrics', error);
    return undefined;
  }
  void vscode.window.showInformationMessage(`Loss Lab: wrote the metrics of ${folders.length} run${folders.length === 1 ? '' : 's'} to ${vscode.workspace.asRelativePath(out)}.`, 'Open').then((choice) => {
    if (choice === 'Open') void vscode.window.showTextDocument(vscode.Uri.file(out));
  });
  return out;
}

async function pickFormat(): Promise<MetricsFormat | undefined> {
  const items: (vscode.QuickPickItem & { format: MetricsFormat })[] = [
    { label: 'CSV', description: 'one row per run and step; empty cells where nothing was recorded', format: 'csv' },
    { label: 'JSONL', description: 'one JSON object per run and step; null where nothing was recorded', format: 'jsonl' },
  ];
  return (await vscode.window.showQuickPick(items, { title: 'Loss Lab: Export Metrics', placeHolder: 'Format' }))?.format;
}

/** What a caller may pass instead of answering the questions. */
interface ExportOptions {
  runs?: string[];
  format?: MetricsFormat;
  out?: string;
}

function isExportOptions(value: unknown): value is ExportOptions {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (v.runs === undefined || (Array.isArray(v.runs) && v.runs.every((r) => typeof r === 'string')))
    && (v.format === undefined || v.format === 'csv' || v.format === 'jsonl')
    && (v.out === undefined || typeof v.out === 'string');
}

/** `losslab.openReport [run or config]`: writes RUN/report.html with renderReport and opens it. Resolves with its path. */
export async function openReportCommand(arg: unknown, version: string): Promise<string | undefined> {
  const run = await pickRun(arg, { title: 'Loss Lab: Open Run Report' });
  if (!run) return undefined;
  const out = join(run.folder, 'report.html');
  let html: string;
  try {
    html = renderReport({ ...(await readRunRecord(run.folder)), gradNorms: await loadGradNorms(run.folder) }, { version, generatedAt: new Date().toISOString() });
    await writeFile(out, html);
  } catch (error) {
    await showRunError(`could not write the report of ${run.info.name} (${run.info.id})`, error);
    return undefined;
  }
  // The report carries its own CSP and has no scripts: a script-free webview shows the file's bytes as a browser would.
  const panel = vscode.window.createWebviewPanel('losslab.report', `Report: ${run.info.name} (${run.info.id})`, vscode.ViewColumn.Active, {
    enableScripts: false, localResourceRoots: [],
  });
  panel.webview.html = html;
  return out;
}
