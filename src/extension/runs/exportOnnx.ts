import * as vscode from 'vscode';
import { showRunError } from './notify';
import { writeRunOnnx, type OnnxExport } from './onnxFile';
import { pickRun } from './runPicker';

/**
 * `losslab.exportOnnx [run or config] [output Uri]`: exports a run's model beside the run (or where the second
 * argument says) and offers to reveal the file or try the model. Resolves with the written file's path.
 */
export async function exportOnnxCommand(arg: unknown, out: unknown, version: string): Promise<string | undefined> {
  const run = await pickRun(arg, { title: 'Loss Lab: Export to ONNX', accept: (info) => info.steps_completed > 0, noneReason: 'trained a step' });
  if (!run) return undefined;
  const target = out instanceof vscode.Uri ? out.fsPath : undefined;
  let written: OnnxExport;
  try {
    written = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Loss Lab: exporting ${run.info.name} to ONNX…` },
      () => writeRunOnnx(run.folder, version, target),
    );
  } catch (error) {
    await showRunError(`could not export ${run.info.name} (${run.info.id}) to ONNX`, error);
    return undefined;
  }
  const size = `${(written.bytes / 1024).toFixed(1)} KiB`;
  void vscode.window.showInformationMessage(`Loss Lab: wrote ${vscode.workspace.asRelativePath(written.file)} (${size}).`, 'Reveal', 'Try Model').then((choice) => {
    if (choice === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(written.file));
    if (choice === 'Try Model') void vscode.commands.executeCommand('losslab.tryModel', vscode.Uri.file(run.folder));
  });
  return written.file;
}
