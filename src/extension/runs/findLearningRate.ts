import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { formatDiagnostic, parseConfigText } from '../../config';
import { ConfigEditError, formatLearningRate, setConfigLearningRate } from '../../config/editLearningRate';
import type { Backend } from '../../engine/backend';
import { selectBackend } from '../../engine/backends/select';
import { findLearningRate, type LrFinderOptions, type LrFinderResult } from '../../engine/train/lrFinder';
import { loadConfigFile } from '../../node/configFile';
import { loadConfigData } from '../../node/preparedData';
import { userFacing } from '../../node/session';
import { showLrFinderChart } from './lrChartPanel';
import { showRunError } from './notify';
import { configFor } from './runPicker';
import { requireWorkspaceTrust, trustedOrExplain } from '../training/workspaceTrust';

const DEFAULTS: LrFinderOptions = { start: 1e-6, end: 1, steps: 100 };

/** What `losslab.findLearningRate` resolves with: the test's result and whether the suggestion was written. */
export interface FindLrOutcome {
  result: LrFinderResult;
  written: boolean;
}

/** Options a caller may pass: the range, and `write` to write the suggestion without asking. */
interface FindLrArgs extends Partial<LrFinderOptions> {
  write?: boolean;
}

class Cancelled extends Error {}

/**
 * `losslab.findLearningRate [config] [options]`: runs the LR range test in the extension host (progress notification,
 * cancellable), shows loss vs lr with the suggestion, and offers to write `optimizer.lr` into the config document.
 */
export async function findLearningRateCommand(arg: unknown, args: unknown): Promise<FindLrOutcome | undefined> {
  if (!trustedOrExplain('find a learning rate')) return undefined;
  const config = await configFor(arg, 'Loss Lab: Find Learning Rate');
  if (!config) return undefined;
  const given: FindLrArgs = typeof args === 'object' && args !== null ? (args as FindLrArgs) : {};
  const options: LrFinderOptions = { start: given.start ?? DEFAULTS.start, end: given.end ?? DEFAULTS.end, steps: given.steps ?? DEFAULTS.steps };
  const name = vscode.workspace.asRelativePath(config);
  let result: LrFinderResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Loss Lab: LR range test of ${name}`, cancellable: true },
      (progress, token) => rangeTest(config.fsPath, options, progress, token),
    );
  } catch (error) {
    if (!(error instanceof Cancelled)) await showRunError(`could not run the LR range test of ${name}`, error);
    return undefined;
  }
  const lr = formatLearningRate(result.suggestion);
  showLrFinderChart(name, result);
  const write = given.write ?? (await vscode.window.showInformationMessage(
    `Loss Lab: suggested learning rate for ${name}: ${lr} (steepest descent of the loss).`, `Write lr = ${lr} into the config`,
  )) !== undefined;
  return { result, written: write ? await writeLearningRate(config, result.suggestion) : false };
}

async function rangeTest(configFile: string, options: LrFinderOptions, progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<LrFinderResult> {
  requireWorkspaceTrust('find a learning rate');
  const loaded = await loadConfigFile(configFile);
  const { config } = loaded;
  const data = await userFacing(async () => loadConfigData(config, loaded.file, (notice) => void vscode.window.showInformationMessage(`Loss Lab: ${notice}`)));
  // The extension host has no GPU adapter to spare: `auto` means CPU here; an explicit backend is honoured.
  const { backend } = await userFacing(() => selectBackend(config.backend === 'auto' ? 'cpu' : config.backend));
  return findLearningRate(config, data, yieldingBackend(backend, token), options, {
    onPoint: (point, step) => progress.report({ increment: 100 / options.steps, message: `step ${step}/${options.steps}: lr ${point.lr.toExponential(2)}, loss ${point.loss.toFixed(3)}` }),
  });
}

/**
 * The backend with a macrotask break after each step's sync: the CPU backend never leaves the microtask queue, so
 * without it the progress notification would not repaint and Cancel would not be heard until the test ended.
 */
function yieldingBackend(backend: Backend, token: vscode.CancellationToken): Backend {
  const yielding = Object.create(backend) as Backend;
  yielding.sync = async () => {
    await backend.sync();
    await new Promise((resolve) => setImmediate(resolve));
    if (token.isCancellationRequested) throw new Cancelled('cancelled');
  };
  return yielding;
}

/** Sets optimizer.lr in the config's document with one minimal WorkspaceEdit (undo restores it); false when refused. */
export async function writeLearningRate(config: vscode.Uri, lr: number): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(config);
  const text = document.getText();
  let updated: string;
  try {
    updated = setConfigLearningRate(text, document.fileName, lr);
  } catch (error) {
    void vscode.window.showErrorMessage(`Loss Lab: lr not written: ${error instanceof ConfigEditError ? error.message : String(error)}`);
    return false;
  }
  const errors = parseConfigText(updated, document.fileName, { configDir: dirname(document.fileName) }).diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    void vscode.window.showErrorMessage(`Loss Lab: lr not written: the config would not be valid: ${errors.map(formatDiagnostic).join('; ')}`);
    return false;
  }
  let start = 0;
  while (start < text.length && start < updated.length && text[start] === updated[start]) start++;
  let end = 0;
  while (end < text.length - start && end < updated.length - start && text[text.length - 1 - end] === updated[updated.length - 1 - end]) end++;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(config, new vscode.Range(document.positionAt(start), document.positionAt(text.length - end)), updated.slice(start, updated.length - end));
  return vscode.workspace.applyEdit(edit);
}
