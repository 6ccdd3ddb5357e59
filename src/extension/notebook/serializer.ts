import * as vscode from 'vscode';
import { parseLabnb, stringifyLabnb, type LabCell, type LabCellKind, type StoredOutput } from './labnbFormat';
import { isRunOutputData, RUN_OUTPUT_MIME, type RunOutputData } from './outputData';
import { runsSummaryText } from './summaryText';

export const NOTEBOOK_TYPE = 'losslab-notebook';
const ERROR_MIME = 'application/vnd.code.notebook.error';

/** The Loss Lab kind of a notebook cell (kept in its metadata; markdown cells are markup cells). */
export function cellKind(cell: vscode.NotebookCell | vscode.NotebookCellData): LabCellKind {
  if (cell.kind === vscode.NotebookCellKind.Markup) return 'markdown';
  const metadata = cell.metadata as { losslab?: { kind?: unknown } } | undefined;
  return metadata?.losslab?.kind === 'compare' ? 'compare' : 'config';
}

/** A code cell of the given kind, as the notebook holds it. */
export function codeCellData(kind: 'config' | 'compare', source: string, outputs: vscode.NotebookCellOutput[] = []): vscode.NotebookCellData {
  const data = new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, 'yaml');
  data.metadata = { losslab: { kind } };
  data.outputs = outputs;
  return data;
}

/** A chart output: the renderer's JSON, plus the summary as text for anything that cannot render it. */
export function runOutput(data: RunOutputData): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([
    vscode.NotebookCellOutputItem.json(data, RUN_OUTPUT_MIME),
    vscode.NotebookCellOutputItem.text(runsSummaryText(data.runs)),
  ]);
}

export function errorOutput(message: string): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name: 'Loss Lab', message })]);
}

/** Reads and writes `*.labnb` files (src/extension/notebook/labnbFormat.ts holds the format itself). */
export class LabNotebookSerializer implements vscode.NotebookSerializer {
  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    const notebook = parseLabnb(new TextDecoder().decode(content));
    return new vscode.NotebookData(notebook.cells.map(toCellData));
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const cells: LabCell[] = data.cells.map((cell) => {
      const kind = cellKind(cell);
      return { kind, source: cell.value, outputs: kind === 'markdown' ? [] : (cell.outputs ?? []).flatMap(storedOutputs) };
    });
    return new TextEncoder().encode(stringifyLabnb({ cells }));
  }
}

function toCellData(cell: LabCell): vscode.NotebookCellData {
  if (cell.kind === 'markdown') return new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, cell.source, 'markdown');
  return codeCellData(cell.kind, cell.source, cell.outputs.map((output) => (output.kind === 'error' ? errorOutput(output.message) : runOutput(output))));
}

function storedOutputs(output: vscode.NotebookCellOutput): StoredOutput[] {
  for (const item of output.items) {
    if (item.mime === RUN_OUTPUT_MIME) {
      const data = parseJson(item.data);
      if (isRunOutputData(data)) return [{ kind: data.kind, runs: data.runs }];
    }
    if (item.mime === ERROR_MIME) {
      const error = parseJson(item.data) as { message?: unknown } | null;
      if (typeof error?.message === 'string') return [{ kind: 'error', message: error.message }];
    }
  }
  return [];
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
