import * as vscode from 'vscode';
import { log } from '../log';

/** Logs a failed run command and tells the user, offering the log. */
export async function showRunError(what: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  log().error(`${what}:\n${message}`);
  if ((await vscode.window.showErrorMessage(`Loss Lab ${what}: ${message}`, 'Show Log')) === 'Show Log') {
    await vscode.commands.executeCommand('losslab.showLog');
  }
}
