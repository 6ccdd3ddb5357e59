import * as vscode from 'vscode';

/** The extension's one LogOutputChannel ("Loss Lab"), created on activation. */
let channel: vscode.LogOutputChannel | undefined;

export function registerLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  channel = vscode.window.createOutputChannel('Loss Lab', { log: true });
  context.subscriptions.push(channel, vscode.commands.registerCommand('losslab.showLog', () => channel?.show()));
  return channel;
}

export function log(): vscode.LogOutputChannel {
  if (!channel) throw new Error('Loss Lab log used before activation');
  return channel;
}
