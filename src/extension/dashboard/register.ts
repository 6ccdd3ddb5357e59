import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { isConfigFileName } from '../../config/diagnostics';
import type { BrowserTrainerRelay, TrainingEvents } from '../training/events';
import { DashboardPanel } from './panel';
import type { DashboardRegistration } from './testHooks';

/**
 * The dashboard: `losslab.openDashboard` and `losslab.previewSchedule` (each with an optional config Uri), one
 * panel that follows the active editor's config (and keeps the last one while another editor is active), and a
 * serializer that brings the panel back, on the same config, after VS Code restarts. When a run trains in the webview,
 * the panel is (re)opened to host the browser trainer: it then keeps its page while hidden.
 */
export function registerDashboard(context: vscode.ExtensionContext, training: TrainingEvents & BrowserTrainerRelay): DashboardRegistration {
  const testMode = context.extensionMode === vscode.ExtensionMode.Test;
  let current: DashboardPanel | undefined;
  let lastConfig: vscode.Uri | null = configOf(vscode.window.activeTextEditor);

  const adopt = (panel: vscode.WebviewPanel, config: vscode.Uri | null, focusChart: string | null) => {
    current?.dispose();
    const dashboard = new DashboardPanel(panel, context.extensionUri, training, config, focusChart, testMode ? { posted: [], rejected: [] } : null);
    current = dashboard;
    dashboard.onDidDispose(() => {
      if (current === dashboard) current = undefined;
    });
    return dashboard;
  };

  const open = (arg: unknown, focusChart: string | null, hostTrainer = false): DashboardPanel => {
    const config = asConfigUri(arg) ?? configOf(vscode.window.activeTextEditor) ?? current?.configUri ?? lastConfig;
    if (config) lastConfig = config;
    // A page that is torn down when hidden cannot host the trainer: such a panel is replaced by one that is kept.
    if (current && (current.hostsTrainer || !hostTrainer)) {
      current.follow(config, focusChart);
      current.panel.reveal(undefined, true);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'Loss Lab', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: hostTrainer,
    });
    return adopt(panel, config, focusChart);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('losslab.openDashboard', (arg?: unknown) => open(arg, null)),
    vscode.commands.registerCommand('losslab.previewSchedule', (arg?: unknown) => open(arg, 'lr')),
    vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        adopt(panel, restoredConfig(state), null);
      },
    }),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      const config = configOf(editor);
      if (!config) return;
      lastConfig = config;
      current?.follow(config);
    }),
    { dispose: () => current?.dispose() },
    training.useBrowserTrainerHost({ connect: (config) => open(config, null, true).trainerPort() }),
  );
  return { dashboardForTesting: () => current?.testHooks() };
}

/** The config of an editor showing a `*.lab.{yaml,yml,json}` file, else null. */
function configOf(editor: vscode.TextEditor | undefined): vscode.Uri | null {
  const uri = editor?.document.uri;
  return uri && (uri.scheme === 'file' || uri.scheme === 'untitled') && isConfigFileName(uri.path) ? uri : null;
}

/** A command argument naming a config: a Uri (editor title, CodeLens, explorer) or an absolute path string. */
function asConfigUri(arg: unknown): vscode.Uri | null {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && isAbsolute(arg)) return vscode.Uri.file(arg);
  return null;
}

/** The config a restored panel followed, from the webview's saved state (which the webview wrote, so it is checked). */
function restoredConfig(state: unknown): vscode.Uri | null {
  const file = typeof state === 'object' && state !== null ? (state as { configFile?: unknown }).configFile : undefined;
  return typeof file === 'string' && isAbsolute(file) && isConfigFileName(file) ? vscode.Uri.file(file) : null;
}
