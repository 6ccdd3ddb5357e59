import * as vscode from 'vscode';
import { createApi, type LossLabApi } from './api';
import { registerNewConfigCommand } from './commands/newConfig';
import { registerDashboard } from './dashboard/register';
import { registerLanguageFeatures } from './language';
import { registerLog } from './log';
import { registerNotebook } from './notebook/register';
import { registerRunCommands } from './runs/register';
import { registerSweeps } from './sweeps/register';
import { registerTraining } from './training/register';

/** What deactivate waits for: runs in progress stop after their step, so none is left marked running. */
let shutdownTraining: (() => Promise<void>) | undefined;

/** Wires Loss Lab's features together; each feature registers its own disposables. */
export function activate(context: vscode.ExtensionContext): LossLabApi {
  registerLog(context);
  const training = registerTraining(context);
  shutdownTraining = () => training.shutdown();
  registerLanguageFeatures(context, { onDidChangeRun: training.onDidChangeRun });
  registerNewConfigCommand(context);
  const dashboard = registerDashboard(context, training);
  const sweeps = registerSweeps(context, training);
  registerNotebook(context, training, sweeps);
  registerRunCommands(context, training);
  return createApi(training, dashboard);
}

export function deactivate(): Promise<void> | undefined {
  return shutdownTraining?.();
}
