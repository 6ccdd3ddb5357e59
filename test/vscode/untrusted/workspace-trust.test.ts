// In Restricted Mode Loss Lab still loads (untrustedWorkspaces: limited) but does not train.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { stringifyLabnb } from '../../../src/extension/notebook/labnbFormat';
import { activateLossLab, waitUntil, workspaceFile } from '../support/lossLab';
import { RunRecorder } from '../support/runRecorder';

suite('untrusted workspace', () => {
  test('the workspace is in Restricted Mode and Loss Lab is active', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const { extension } = await activateLossLab();
    assert.equal(extension.isActive, true);
  });

  test('Train starts no run and writes no run folder', async () => {
    const { api } = await activateLossLab();
    const recorder = new RunRecorder(api);
    const config = workspaceFile('tiny.lab.yaml');
    try {
      // The command waits on its warning's button ("Manage Workspace Trust"), which nobody clicks here: not awaited.
      void vscode.commands.executeCommand('losslab.train', config);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.deepEqual(recorder.changes.map((info) => `${info.name}: ${info.status}`), []);
      assert.deepEqual(api.training.activeRuns(), []);
      assert.equal(existsSync(join(dirname(config.fsPath), '.losslab')), false, 'a .losslab run folder was written');
    } finally {
      recorder.dispose();
    }
  });

  test('configs are still validated: diagnostics appear', async () => {
    await activateLossLab();
    const uri = workspaceFile('typo.lab.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const lossLab = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Loss Lab');
    await waitUntil('Loss Lab diagnostics of typo.lab.yaml', () => lossLab().length > 0, 10_000);
    assert.match(lossLab()[0].message, /did you mean "d_model"/);
  });

  // VS Code asks for trust before it hands a cell to any kernel in Restricted Mode (the controller's own gate is behind it).
  test('a notebook config cell starts no run and writes nothing', async () => {
    const { api } = await activateLossLab();
    const recorder = new RunRecorder(api);
    const folder = workspaceFile('nb').fsPath;
    mkdirSync(folder, { recursive: true });
    const file = join(folder, 'gated.labnb');
    writeFileSync(file, stringifyLabnb({ cells: [{ kind: 'config', source: 'extends: ../tiny.lab.yaml\nname: nb-gated', outputs: [] }] }));
    try {
      const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
      await vscode.window.showNotebookDocument(notebook);
      await vscode.commands.executeCommand('notebook.selectKernel', { id: 'losslab.notebook', extension: 'losslab.losslab' });
      void vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: notebook.uri });
      await new Promise((resolve) => setTimeout(resolve, 4000));
      assert.deepEqual(recorder.changes.map((info) => `${info.name}: ${info.status}`), []);
      assert.deepEqual(api.training.activeRuns(), []);
      assert.equal(existsSync(join(folder, '.losslab')), false, 'the cell wrote a .losslab folder (resolved config or run)');
      assert.notEqual(notebook.cellAt(0).executionSummary?.success, true, 'the cell reports a successful run');
    } finally {
      recorder.dispose();
    }
  });
});
