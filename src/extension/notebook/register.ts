import * as vscode from 'vscode';
import type { SweepService } from '../sweeps/runSweep';
import type { TrainingEvents } from '../training/events';
import { compareCellsCommand } from './compare';
import { LabNotebookController } from './controller';
import { LabNotebookSerializer, NOTEBOOK_TYPE } from './serializer';

/** The notebook lab: the `*.labnb` serializer, the "Loss Lab" controller and `losslab.notebook.compareCells`. */
export function registerNotebook(context: vscode.ExtensionContext, training: TrainingEvents, runSweep: SweepService): void {
  context.subscriptions.push(
    vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new LabNotebookSerializer(), { transientOutputs: false }),
    new LabNotebookController(training, runSweep),
    vscode.commands.registerCommand('losslab.notebook.compareCells', (names?: unknown) => compareCellsCommand(names)),
  );
}
