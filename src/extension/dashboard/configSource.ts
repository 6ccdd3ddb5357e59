import { resolve } from 'node:path';
import * as vscode from 'vscode';
import type { LabConfig } from '../../config/types';
import type { RunInfo } from '../../protocol/runInfo';

/** A config's current text: the open document's (unsaved edits included), else the file's; null when unreadable. */
export async function readConfigText(uri: vscode.Uri): Promise<string | null> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return null;
  }
}

/** True when two absolute paths name the same file (letter case ignored where the file system ignores it). */
export function samePath(a: string, b: string): boolean {
  const ra = resolve(a);
  const rb = resolve(b);
  return process.platform === 'win32' || process.platform === 'darwin' ? ra.toLowerCase() === rb.toLowerCase() : ra === rb;
}

/** Which backend the dashboard's config trains on and why: the active run's choice, else what will decide it. */
export function backendNote(activeRun: RunInfo | null, config: LabConfig | null, defaultBackend: string): string {
  if (activeRun) return `${activeRun.backend.description} — ${activeRun.backend.reason}`;
  if (config && config.backend !== 'auto') return `${config.backend}, set by the config's backend key (chosen when training starts)`;
  if (defaultBackend !== 'auto') return `${defaultBackend}, set by losslab.defaultBackend (chosen when training starts)`;
  return 'auto: WebGPU when an adapter passes its self-test, else CPU (chosen when training starts)';
}
