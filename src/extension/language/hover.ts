import * as vscode from 'vscode';
import { configHover } from '../../config/hovers';
import { toRange } from './documents';

/** Documentation of config keys (and enum values) on hover, from the config schema (see configHover). */
export class ConfigHoverProvider implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const hover = configHover(document.getText(), document.offsetAt(position), document.fileName);
    return hover ? new vscode.Hover(new vscode.MarkdownString(hover.markdown), toRange(document, hover.range)) : undefined;
  }
}
