// Compare cells: `compare: [name, …]` overlays the latest runs of the config cells with those run names, and the
// `Loss Lab: Compare Cells` command writes such a cell for the cells the user picks, then runs it.
import * as vscode from 'vscode';
import { parse } from 'yaml';
import { isRunOutputData, RUN_OUTPUT_MIME, type OutputRun } from './outputData';
import { cellKind, codeCellData, NOTEBOOK_TYPE } from './serializer';
import { summaryLine } from './summaryText';

/** Every config cell's latest run in `notebook`, by run name (later cells win a name clash). */
export function runsByName(notebook: vscode.NotebookDocument): Map<string, { cell: vscode.NotebookCell; run: OutputRun }> {
  const runs = new Map<string, { cell: vscode.NotebookCell; run: OutputRun }>();
  for (const cell of notebook.getCells()) {
    if (cellKind(cell) !== 'config') continue;
    for (const output of cell.outputs) {
      for (const item of output.items) {
        if (item.mime !== RUN_OUTPUT_MIME) continue;
        const data = parseItem(item.data);
        if (isRunOutputData(data) && data.kind === 'run') for (const run of data.runs) runs.set(run.name, { cell, run });
      }
    }
  }
  return runs;
}

/** The run names a compare cell lists, or an error message. */
export function compareNames(source: string): string[] | string {
  let value: unknown;
  try {
    value = parse(source);
  } catch (error) {
    return `the compare cell is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  const names = (value as { compare?: unknown } | null)?.compare;
  if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === 'string')) {
    return 'a compare cell lists the run names of config cells to overlay, e.g. `compare: [warmup-none, warmup-20]`.';
  }
  return names as string[];
}

/** The source of a compare cell for these run names. */
export function compareSource(names: readonly string[]): string {
  return `# Overlays the latest runs of these config cells (by run name).\ncompare: [${names.join(', ')}]`;
}

/**
 * `losslab.notebook.compareCells` in the active Loss Lab notebook: `names` (from a caller) or a multi-pick of the
 * cells that have runs; inserts a compare cell after the last chosen one and runs it.
 */
export async function compareCellsCommand(names?: unknown): Promise<void> {
  const editor = vscode.window.activeNotebookEditor;
  if (!editor || editor.notebook.notebookType !== NOTEBOOK_TYPE) {
    void vscode.window.showInformationMessage('Loss Lab: open a Loss Lab notebook (*.labnb) to compare its cells.');
    return;
  }
  const notebook = editor.notebook;
  const available = runsByName(notebook);
  let chosen: string[];
  if (Array.isArray(names) && names.every((name) => typeof name === 'string')) {
    chosen = names;
  } else {
    if (available.size < 2) {
      void vscode.window.showInformationMessage('Loss Lab: run at least two config cells first; Compare Cells overlays their runs.');
      return;
    }
    const picks = await vscode.window.showQuickPick(
      [...available].map(([name, { cell, run }]) => ({ label: name, description: `cell ${cell.index + 1}`, detail: summaryLine(run.summary) })),
      { canPickMany: true, title: 'Loss Lab: Compare Cells', placeHolder: 'The config cells whose runs to overlay' },
    );
    if (!picks || picks.length === 0) return;
    chosen = picks.map((pick) => pick.label);
  }
  const after = Math.max(-1, ...chosen.map((name) => available.get(name)?.cell.index ?? -1)) + 1;
  const index = after > 0 ? after : notebook.cellCount;
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [vscode.NotebookEdit.insertCells(index, [codeCellData('compare', compareSource(chosen))])]);
  await vscode.workspace.applyEdit(edit);
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: notebook.uri });
}

function parseItem(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
