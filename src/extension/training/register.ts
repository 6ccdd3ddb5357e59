import type * as vscode from 'vscode';
import { registerTrainingCommands } from './commands';
import { registerStatusBar } from './statusBar';
import { TrainingManager } from './trainingManager';

/** Training: the worker (started on the first Train), `losslab.train` / `losslab.stop`, and the status bar item. */
export function registerTraining(context: vscode.ExtensionContext): TrainingManager {
  const training = new TrainingManager(context.asAbsolutePath('dist/worker.js'), String((context.extension.packageJSON as { version?: unknown }).version ?? 'unknown'));
  context.subscriptions.push(training);
  registerTrainingCommands(context, training);
  registerStatusBar(context, training);
  return training;
}
