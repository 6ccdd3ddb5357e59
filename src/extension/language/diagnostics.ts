import * as vscode from 'vscode';
import { parseConfigText, type ConfigDiagnostic } from '../../config';
import { dataFileReferences } from '../../config/rawValues';
import { isConfigDocument, toRange } from './documents';

/** Typing pauses this long before a config is checked again. */
const DEBOUNCE_MS = 200;
/** Files appearing or vanishing come in bursts (an unzip, a data script); one re-check per burst. */
const FILES_DEBOUNCE_MS = 500;
const SOURCE = 'Loss Lab';

/**
 * The "losslab" diagnostics of open config documents: everything parseConfigText reports (with its exact ranges),
 * plus a warning on data.train / data.val values that name files that do not exist. Checked on open, on change
 * (debounced), when files appear or vanish in the workspace; cleared on close.
 */
export class ConfigDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('losslab');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly generations = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[];
  private filesTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    // Creates and deletes anywhere (a terminal script may write the data), except in run folders, which only grow.
    const files = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    const onFiles = (uri: vscode.Uri) => {
      if (uri.path.includes('/.losslab/')) return;
      clearTimeout(this.filesTimer);
      this.filesTimer = setTimeout(() => this.checkAll(), FILES_DEBOUNCE_MS);
    };
    this.subscriptions = [
      files,
      files.onDidCreate(onFiles),
      files.onDidDelete(onFiles),
      this.collection,
      vscode.workspace.onDidOpenTextDocument((document) => void this.check(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
    ];
    this.checkAll();
  }

  /** Checks every open config document now. */
  checkAll(): void {
    for (const document of vscode.workspace.textDocuments) void this.check(document);
  }

  /** Checks a config document now; results that a newer check overtook are dropped. */
  async check(document: vscode.TextDocument): Promise<void> {
    if (!isConfigDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const text = document.getText();
    const found = parseConfigText(text, document.uri.fsPath).diagnostics.map((diagnostic) => toDiagnostic(document, diagnostic));
    const missing = await missingDataFiles(document, text);
    if (this.generations.get(key) !== generation || document.isClosed) return;
    this.collection.set(document.uri, [...found, ...missing]);
  }

  dispose(): void {
    clearTimeout(this.filesTimer);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isConfigDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => void this.check(document), DEBOUNCE_MS));
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    this.collection.delete(uri);
  }
}

/** A config diagnostic as VS Code's: the range from its offset and length, its key path as the code. */
function toDiagnostic(document: vscode.TextDocument, found: ConfigDiagnostic): vscode.Diagnostic {
  const severity = found.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const diagnostic = new vscode.Diagnostic(toRange(document, [found.offset, found.offset + found.length]), found.message, severity);
  diagnostic.source = SOURCE;
  if (found.path !== '') diagnostic.code = found.path;
  return diagnostic;
}

// Data paths resolve against the config's folder, as training resolves them; only files on disk can be checked.
async function missingDataFiles(document: vscode.TextDocument, text: string): Promise<vscode.Diagnostic[]> {
  if (document.uri.scheme !== 'file') return [];
  const checks = dataFileReferences(text, document.uri.fsPath).map(async (reference) => {
    const problem = await fileProblem(vscode.Uri.file(reference.resolved));
    if (!problem) return undefined;
    const shown = vscode.workspace.asRelativePath(reference.resolved);
    const where = shown === reference.value ? '' : ` (looked for ${shown})`;
    const message = `the data file "${reference.value}" ${problem}${where}; training needs it.`;
    const diagnostic = new vscode.Diagnostic(toRange(document, reference.range), message, vscode.DiagnosticSeverity.Warning);
    diagnostic.source = SOURCE;
    diagnostic.code = reference.path;
    return diagnostic;
  });
  return (await Promise.all(checks)).filter((diagnostic) => diagnostic !== undefined);
}

async function fileProblem(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    return stat.type & vscode.FileType.Directory ? 'is a folder, not a file' : undefined;
  } catch {
    return 'does not exist';
  }
}
