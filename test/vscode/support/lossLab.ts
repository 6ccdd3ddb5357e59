// Getting at the Loss Lab extension and the fixture workspace from inside the extension host.
import * as vscode from 'vscode';
import type { LossLabApi } from '../../../src/extension/api';

export const EXTENSION_ID = 'losslab.losslab';

/** The extension under test, activated; its API is what `activate` returned. */
export async function activateLossLab(): Promise<{ extension: vscode.Extension<LossLabApi>; api: LossLabApi }> {
  const extension = vscode.extensions.getExtension<LossLabApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded (extensionDevelopmentPath missing?)`);
  const api = await extension.activate();
  return { extension, api };
}

/** A file of the fixture workspace (a temp copy of test/vscode/fixture made by scripts/test-vscode.mjs). */
export function workspaceFile(relativePath: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need the fixture workspace open');
  return vscode.Uri.joinPath(folder.uri, relativePath);
}

/** Resolves once `condition` holds (polled), or rejects with `what` after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
