import * as vscode from 'vscode';

const MANAGE = 'Manage Workspace Trust';

/** Why nothing trains here, for `action` ("train", "resume a run", …), in the words every training path shows. */
export function untrustedMessage(action: string): string {
  return `Loss Lab does not ${action} in an untrusted workspace (Workspace Trust): training reads the dataset files a config `
    + 'names and writes run folders. Trust this workspace to train; configs are still validated and previewed meanwhile.';
}

/** Thrown by the training gate: the workspace is not trusted, so nothing was started or written. */
export class UntrustedWorkspaceError extends Error {
  constructor(action: string) {
    super(untrustedMessage(action));
    this.name = 'UntrustedWorkspaceError';
  }
}

/**
 * The gate every path that trains passes (the training manager's entry points, the LR range test): throws
 * UntrustedWorkspaceError unless VS Code trusts the workspace.
 */
export function requireWorkspaceTrust(action: string): void {
  if (!vscode.workspace.isTrusted) throw new UntrustedWorkspaceError(action);
}

/** Says why in a warning with a "Manage Workspace Trust" action; not awaited, so the caller returns at once. */
export function showUntrusted(message: string): void {
  void Promise.resolve(vscode.window.showWarningMessage(message, MANAGE)).then(async (choice) => {
    if (choice === MANAGE) await vscode.commands.executeCommand('workbench.trust.manage');
  });
}

/**
 * For UI entry points before they ask anything (a config, a run): true when the workspace is trusted, else shows
 * why and returns false.
 */
export function trustedOrExplain(action: string): boolean {
  try {
    requireWorkspaceTrust(action);
    return true;
  } catch (error) {
    showUntrusted((error as Error).message);
    return false;
  }
}

/** When `error` is the trust gate's, shows it with the Manage action and returns true; other errors are the caller's. */
export function explainIfUntrusted(error: unknown): boolean {
  if (!(error instanceof UntrustedWorkspaceError)) return false;
  showUntrusted(error.message);
  return true;
}
