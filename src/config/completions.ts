import { yamlCursorContext, type KeyCursor, type ValueCursor } from './cursor';
import { enumValueDocumentation, fieldDocumentation, fieldSummary, isRequired } from './fieldDocs';
import { allowedKeys, findSchemaNode, schemaTypes, type JsonSchemaNode } from './schema';
import { sweepableKeys } from './sweep';
import type { TextRange } from './sourceMap';
import { yamlScalar } from './yamlText';

/** One completion item, editor-neutral. */
export interface ConfigCompletion {
  label: string;
  /** `section`: a key holding a mapping; `field`: a key holding a value; `value`: an allowed value. */
  kind: 'section' | 'field' | 'value';
  /** One line beside the label: type, default, required. */
  detail: string;
  /** Markdown. */
  documentation: string;
  /** Snippet syntax (`$1`, `${1:64}`, `${1|gpt,encoder-decoder|}`). */
  insertText: string;
  /** Text the item replaces; the editor filters items by the part of it before the cursor. */
  range: TextRange;
  sortText: string;
  /** Open the suggestions again after inserting (a section key whose first child is still to be chosen). */
  retrigger: boolean;
  /** Select this item first (an enum's default). */
  preselect: boolean;
}

/** How the completion was asked for. */
export interface CompletionRequest {
  /** The character typed that opened the suggestions, if any (`' '` only ever yields values after `key: `). */
  triggerCharacter?: string;
}

/** The space typed after `key:` asks for values; anywhere else it must not pop up suggestions. */
export const COMPLETION_TRIGGER_CHARACTERS = [' '];

/**
 * Completions at `offset` of a config text: keys not yet present in the mapping at the cursor, or the allowed values
 * of the key before the cursor. JSON configs get none: VS Code's JSON support offers the same from the schema
 * (contributes.jsonValidation), and two lists of the same keys would only get in the way.
 */
export function configCompletions(text: string, offset: number, fileName: string, request: CompletionRequest = {}): ConfigCompletion[] {
  if (/\.json$/i.test(fileName)) return [];
  const context = yamlCursorContext(text, offset);
  if (context.kind === 'value') return context.prefix === '' || request.triggerCharacter === undefined ? valueCompletions(context) : [];
  if (context.kind === 'key' && request.triggerCharacter === undefined) return keyCompletions(text, context);
  return [];
}

function keyCompletions(text: string, context: KeyCursor): ConfigCompletion[] {
  if (context.path.join('.') === 'sweep.parameters') return sweptKeyCompletions(context);
  const present = new Set(context.present);
  const keys = allowedKeys(context.path);
  const needsComma = context.style === 'flow' && !context.hasColon && /^[ \t]*[^\s,}\]#]/.test(text.slice(context.range[1]));
  return keys
    .filter((key) => !present.has(key))
    .map((key) => {
      const path = [...context.path, key];
      const node = findSchemaNode(path) as JsonSchemaNode;
      const required = isRequired(path);
      const snippet = context.hasColon ? { text: escapeSnippet(key), retrigger: false } : keySnippet(key, node, context);
      return {
        label: key,
        kind: node.properties ? 'section' : 'field',
        detail: fieldSummary(path, node),
        documentation: fieldDocumentation(path) ?? '',
        insertText: needsComma ? `${snippet.text}, ` : snippet.text,
        range: context.range,
        sortText: `${required ? 'a' : 'b'}${String(keys.indexOf(key)).padStart(2, '0')}`,
        retrigger: snippet.retrigger,
        preselect: false,
      };
    });
}

// Under sweep.parameters: every config key that can be swept, by its dotted name, documented as the key itself.
function sweptKeyCompletions(context: KeyCursor): ConfigCompletion[] {
  const present = new Set(context.present);
  return sweepableKeys().filter((key) => !present.has(key)).map((key, index) => {
    const path = key.split('.');
    return {
      label: key,
      kind: 'field',
      detail: `sweep · ${fieldSummary(path, findSchemaNode(path) as JsonSchemaNode)}`,
      documentation: fieldDocumentation(path) ?? '',
      insertText: context.hasColon ? escapeSnippet(key) : `${escapeSnippet(key)}: [$1]`,
      range: context.range,
      sortText: String(index).padStart(3, '0'),
      retrigger: false,
      preselect: false,
    };
  });
}

// `key: <default or choice>`; a section opens on the next line (block) or in braces (flow), with its required keys.
function keySnippet(key: string, node: JsonSchemaNode, context: KeyCursor): { text: string; retrigger: boolean } {
  const name = escapeSnippet(key);
  if (!node.properties) return { text: `${name}: ${valueSnippet(node, 1)}`, retrigger: false };
  const required = node.required ?? [];
  const children = required.map((child, i) => `${escapeSnippet(child)}: ${valueSnippet(node.properties?.[child] ?? {}, i + 1)}`);
  if (context.style === 'flow') return { text: `${name}: {${children.length > 0 ? children.join(', ') : '$1'}}`, retrigger: children.length === 0 };
  const indent = ' '.repeat(context.indentUnit);
  if (children.length === 0) return { text: `${name}:\n${indent}$0`, retrigger: true };
  return { text: `${name}:\n${children.map((child) => indent + child).join('\n')}`, retrigger: false };
}

// Tab stop `stop`: a choice for enums and booleans (the default first), the default as placeholder, else empty.
function valueSnippet(node: JsonSchemaNode, stop: number): string {
  const choices = allowedValues(node).sort((a, b) => Number(b === node.default) - Number(a === node.default));
  if (choices.length > 0) return `\${${stop}|${choices.map((choice) => escapeChoice(yamlScalar(choice))).join(',')}|}`;
  if (Array.isArray(node.default)) return `[${node.default.map((item, i) => `\${${stop + i}:${escapeSnippet(String(item))}}`).join(', ')}]`;
  if (node.default !== undefined && node.default !== null) return `\${${stop}:${escapeSnippet(yamlScalar(node.default))}}`;
  return `$${stop}`;
}

function valueCompletions(context: ValueCursor): ConfigCompletion[] {
  const node = findSchemaNode(context.path);
  if (!node) return [];
  const summary = fieldSummary(context.path, node);
  return allowedValues(node).map((value, index) => {
    const written = context.quoted ? String(value) : yamlScalar(value);
    const isDefault = node.default === value;
    return {
      label: String(value),
      kind: 'value',
      detail: isDefault ? `default · ${context.path.join('.')}` : context.path.join('.'),
      documentation: enumValueDocumentation(context.path, value) ?? `\`${context.path.join('.')}\`: ${summary}`,
      insertText: `${context.needsSpace ? ' ' : ''}${escapeSnippet(written)}`,
      range: context.range,
      sortText: String(index).padStart(2, '0'),
      retrigger: false,
      preselect: isDefault,
    };
  });
}

// Enum values in schema order; booleans with the default first.
function allowedValues(node: JsonSchemaNode): unknown[] {
  if (node.enum) return [...node.enum];
  if (schemaTypes(node).includes('boolean')) return node.default === false ? [false, true] : [true, false];
  return [];
}

function escapeSnippet(text: string): string {
  return text.replace(/[\\$}]/g, '\\$&');
}

function escapeChoice(text: string): string {
  return text.replace(/[\\$},|]/g, '\\$&');
}
