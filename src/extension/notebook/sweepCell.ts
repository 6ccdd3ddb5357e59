// A config cell whose config has a sweep block runs the sweep: every trial through the training worker, the trials
// table (best first) as the cell's output while it runs and at the end; cancelling the cell stops the sweep, resumable.
import * as vscode from 'vscode';
import { bestLine, sweepTable } from '../../node/sweep';
import type { SweepService } from '../sweeps/runSweep';
import { errorOutput } from './serializer';

function tableOutput(text: string): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(text)]);
}

/** Runs the sweep of the cell's config file; resolves with whether every trial ran to its end. */
export async function runSweepCell(configFile: string, execution: vscode.NotebookCellExecution, runSweep: SweepService): Promise<boolean> {
  await execution.replaceOutput(tableOutput('checking every trial of the sweep…'));
  try {
    const { summary, folder } = await runSweep(vscode.Uri.file(configFile), {
      token: execution.token,
      onTrial: (progress, line) => void execution.replaceOutput(tableOutput(`${line}\n\n${sweepTable(progress)}`)).then(undefined, () => undefined),
    });
    const resume = summary.status === 'stopped' ? `\nstopped: losslab sweep CONFIG --resume ${folder} continues it` : '';
    await execution.replaceOutput(tableOutput(`sweep ${summary.sweep_id} ${summary.status}\n\n${sweepTable(summary)}\n${bestLine(summary)}${resume}`));
    return summary.status === 'finished';
  } catch (error) {
    await execution.replaceOutput(errorOutput(`The sweep did not run: ${error instanceof Error ? error.message : String(error)}`));
    return false;
  }
}
