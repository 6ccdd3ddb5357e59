// The extension activates in a real VS Code and registers every command its manifest contributes.
import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { activateLossLab } from './support/lossLab';

suite('activation and commands', () => {
  test('activates and returns the Loss Lab API', async () => {
    const { extension, api } = await activateLossLab();
    assert.equal(extension.isActive, true);
    assert.equal(typeof api.training.train, 'function');
    assert.equal(typeof api.whenRunEnds, 'function');
    assert.equal(typeof api.killWorkerForTesting, 'function');
    console.log(`    VS Code ${vscode.version}, app host ${vscode.env.appHost}, UI kind ${vscode.UIKind[vscode.env.uiKind]}`);
  });

  test('every losslab.* command of package.json is registered', async () => {
    const { extension } = await activateLossLab();
    const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 6, `package.json contributes ${contributed.length} commands`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('losslab.showLog runs', async () => {
    await activateLossLab();
    await vscode.commands.executeCommand('losslab.showLog');
  });
});
