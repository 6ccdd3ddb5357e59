import * as vscode from 'vscode';
import { COMPLETION_TRIGGER_CHARACTERS } from '../../config/completions';
import { ConfigCodeLensProvider } from './codeLens';
import { ConfigCompletionProvider } from './completion';
import { ConfigDiagnostics } from './diagnostics';
import { ALL_CONFIGS, YAML_CONFIGS } from './documents';
import { ConfigHoverProvider } from './hover';

/** What the rest of the extension may poke. */
export interface LanguageFeatures {
  /** Re-reads the last run shown in every config's CodeLens. */
  refreshCodeLenses(): void;
  /** Re-checks every open config (e.g. after data files appeared outside VS Code's file operations). */
  recheckDiagnostics(): void;
}

/** Optional feeds from other features. */
export interface LanguageFeatureOptions {
  /** Fires when a run starts or changes status: the CodeLens then shows it at once. */
  onDidChangeRun?: vscode.Event<unknown>;
}

/**
 * The config editor: diagnostics as you type (YAML and JSON), completion of keys and values (YAML; JSON gets them
 * from jsonValidation), hovers (both), and the CodeLens with Train · Preview schedule · Dashboard · last run.
 */
export function registerLanguageFeatures(context: vscode.ExtensionContext, options: LanguageFeatureOptions = {}): LanguageFeatures {
  const diagnostics = new ConfigDiagnostics();
  const lenses = new ConfigCodeLensProvider();
  context.subscriptions.push(
    diagnostics,
    lenses,
    vscode.languages.registerCompletionItemProvider(YAML_CONFIGS, new ConfigCompletionProvider(), ...COMPLETION_TRIGGER_CHARACTERS),
    vscode.languages.registerHoverProvider(ALL_CONFIGS, new ConfigHoverProvider()),
    vscode.languages.registerCodeLensProvider(ALL_CONFIGS, lenses),
  );
  if (options.onDidChangeRun) context.subscriptions.push(options.onDidChangeRun(() => lenses.refresh()));
  return { refreshCodeLenses: () => lenses.refresh(), recheckDiagnostics: () => diagnostics.checkAll() };
}
