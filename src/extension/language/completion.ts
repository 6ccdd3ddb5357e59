import * as vscode from 'vscode';
import { configCompletions, type ConfigCompletion } from '../../config/completions';
import { toRange } from './documents';

const KINDS: Record<ConfigCompletion['kind'], vscode.CompletionItemKind> = {
  section: vscode.CompletionItemKind.Module,
  field: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
};

/** Keys and enum values of YAML configs, from the config schema (see configCompletions). */
export class ConfigCompletionProvider implements vscode.CompletionItemProvider {
  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position, _token: vscode.CancellationToken, context: vscode.CompletionContext): vscode.CompletionItem[] {
    const triggerCharacter = context.triggerKind === vscode.CompletionTriggerKind.TriggerCharacter ? context.triggerCharacter : undefined;
    return configCompletions(document.getText(), document.offsetAt(position), document.fileName, { triggerCharacter }).map((completion) => toItem(document, completion));
  }
}

function toItem(document: vscode.TextDocument, completion: ConfigCompletion): vscode.CompletionItem {
  const item = new vscode.CompletionItem(completion.label, KINDS[completion.kind]);
  item.detail = completion.detail;
  item.documentation = new vscode.MarkdownString(completion.documentation);
  item.insertText = new vscode.SnippetString(completion.insertText);
  item.range = toRange(document, completion.range);
  item.sortText = completion.sortText;
  item.preselect = completion.preselect;
  if (completion.retrigger) item.command = { command: 'editor.action.triggerSuggest', title: 'Suggest keys' };
  return item;
}
