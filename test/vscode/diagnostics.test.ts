// Config diagnostics in the editor: exact ranges, a did-you-mean, and they follow the text as it is edited.
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import { activateLossLab, waitUntil, workspaceFile } from './support/lossLab';

/** Loss Lab's diagnostics of `uri` once `accept` takes them (other sources, e.g. YAML, are left out). */
async function lossLabDiagnostics(uri: vscode.Uri, what: string, accept: (found: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  const current = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Loss Lab');
  await waitUntil(`${what} (now: ${JSON.stringify(current().map((d) => d.message))})`, () => accept(current()), 10_000);
  return current();
}

const positions = (range: vscode.Range) => [range.start.line, range.start.character, range.end.line, range.end.character];

async function replace(document: vscode.TextDocument, range: vscode.Range, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, range, text);
  assert.equal(await vscode.workspace.applyEdit(edit), true);
}

suite('config diagnostics', () => {
  suiteSetup(() => activateLossLab());

  test('a misspelt key is flagged at exactly that key with a did-you-mean, and fixing it clears it', async () => {
    const uri = workspaceFile('typo.lab.yaml');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const [typo, ...others] = await lossLabDiagnostics(uri, 'the d_mdoel error', (found) => found.length > 0);
    assert.deepEqual(others, []);
    assert.equal(typo.severity, vscode.DiagnosticSeverity.Error);
    // Line 7, columns 3–9 (1-based) of typo.lab.yaml: "  d_mdoel: 16".
    assert.deepEqual(positions(typo.range), [6, 2, 6, 9]);
    assert.equal(document.getText(typo.range), 'd_mdoel');
    assert.match(typo.message, /did you mean "d_model"\?/);
    assert.equal(typo.code, 'model.d_mdoel');

    await replace(document, typo.range, 'd_model');
    await lossLabDiagnostics(uri, 'the diagnostics to clear', (found) => found.length === 0);
  });

  test('a value out of range is flagged at the value as it is typed', async () => {
    const uri = workspaceFile('tiny.lab.yaml');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    await lossLabDiagnostics(uri, 'a clean tiny.lab.yaml', (found) => found.length === 0);

    const line = document.getText().split('\n').findIndex((text) => text.trim() === 'n_layers: 1');
    assert.ok(line > 0, 'tiny.lab.yaml has "n_layers: 1"');
    const value = new vscode.Range(line, 12, line, 13);
    assert.equal(document.getText(value), '1');
    await replace(document, value, '0');
    const [problem, ...others] = await lossLabDiagnostics(uri, 'the n_layers error', (found) => found.length > 0);
    assert.deepEqual(others, []);
    assert.deepEqual(positions(problem.range), positions(value));
    assert.equal(problem.code, 'model.n_layers');

    await replace(document, value, '1');
    await lossLabDiagnostics(uri, 'the diagnostics to clear', (found) => found.length === 0);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
