import * as vscode from 'vscode';
import { registerLog } from './log';

/** Wires Loss Lab's features together; each feature registers its own disposables. */
export function activate(context: vscode.ExtensionContext): void {
  registerLog(context);
}

export function deactivate(): void {}
