import * as vscode from 'vscode';
import { isConfigFileName } from '../../config/diagnostics';

/** YAML configs: `*.lab.yaml` and `*.lab.yml` opened as YAML. */
export const YAML_CONFIGS: vscode.DocumentFilter[] = [{ language: 'yaml', pattern: '**/*.lab.{yaml,yml}' }];

/** Every config document: the YAML ones and `*.lab.json` (json, or jsonc where a user maps it so). */
export const ALL_CONFIGS: vscode.DocumentFilter[] = [
  ...YAML_CONFIGS,
  { language: 'json', pattern: '**/*.lab.json' },
  { language: 'jsonc', pattern: '**/*.lab.json' },
];

const CONFIG_LANGUAGES = new Set(['yaml', 'json', 'jsonc']);
// Files on disk and unsaved ones; git:, output: and other read-only views of a file get no diagnostics of their own.
const CONFIG_SCHEMES = new Set(['file', 'untitled']);

/** True for an open `*.lab.{yaml,yml,json}` document in a YAML or JSON editor. */
export function isConfigDocument(document: vscode.TextDocument): boolean {
  return CONFIG_SCHEMES.has(document.uri.scheme) && CONFIG_LANGUAGES.has(document.languageId) && isConfigFileName(document.fileName);
}

/** A source range (character offsets) of `document` as an editor Range. */
export function toRange(document: vscode.TextDocument, [start, end]: readonly [number, number]): vscode.Range {
  return new vscode.Range(document.positionAt(start), document.positionAt(end));
}
