import * as vscode from 'vscode';
import { ALL_CONFIGS } from '../language/documents';
import type { TrainingManager } from '../training/trainingManager';
import { SweepCodeLensProvider } from './codeLens';
import { resumeSweepCommand, trackResumableSweeps } from './resumeSweep';
import { runSweepCommand, sweepConfig, type RunSweepArgument, type SweepService } from './runSweep';

/**
 * Sweeps: `losslab.runSweep` (palette, editor, CodeLens on the `sweep:` block) and `losslab.resumeSweep` (palette, while
 * a sweep can be resumed); returns how other features run one.
 */
export function registerSweeps(context: vscode.ExtensionContext, training: TrainingManager): SweepService {
  context.subscriptions.push(
    vscode.commands.registerCommand('losslab.runSweep', (argument?: RunSweepArgument) => runSweepCommand(training, argument)),
    vscode.commands.registerCommand('losslab.resumeSweep', () => resumeSweepCommand()),
    vscode.languages.registerCodeLensProvider(ALL_CONFIGS, new SweepCodeLensProvider()),
    trackResumableSweeps(),
  );
  return (configFile, follower) => sweepConfig(training, configFile, follower);
}
