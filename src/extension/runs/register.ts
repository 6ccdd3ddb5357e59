import * as vscode from 'vscode';
import type { TrainingManager } from '../training/trainingManager';
import { exportMetricsCommand, openReportCommand } from './exportMetrics';
import { exportOnnxCommand } from './exportOnnx';
import { findLearningRateCommand } from './findLearningRate';
import { resumeRun } from './resume';
import { tryModelCommand } from './tryModel/tryModelPanel';

/**
 * Runs that travel: Train: Resume a Run…, Export to ONNX, Try Model, Find Learning Rate, Export Metrics… and Open Run
 * Report. Each takes an optional Uri (a config or a run folder) and otherwise asks; each resolves with what it did.
 */
export function registerRunCommands(context: vscode.ExtensionContext, training: TrainingManager): void {
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? '0.0.0');
  context.subscriptions.push(
    vscode.commands.registerCommand('losslab.resume', (arg?: unknown) => resumeRun(training, arg)),
    vscode.commands.registerCommand('losslab.exportOnnx', (arg?: unknown, out?: unknown) => exportOnnxCommand(arg, out, version)),
    vscode.commands.registerCommand('losslab.tryModel', (arg?: unknown) => tryModelCommand(context.extensionUri, arg, version)),
    vscode.commands.registerCommand('losslab.findLearningRate', (arg?: unknown, options?: unknown) => findLearningRateCommand(arg, options)),
    vscode.commands.registerCommand('losslab.exportMetrics', (arg?: unknown, options?: unknown) => exportMetricsCommand(arg, options)),
    vscode.commands.registerCommand('losslab.openReport', (arg?: unknown) => openReportCommand(arg, version)),
  );
}
