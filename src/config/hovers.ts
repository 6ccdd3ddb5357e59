import { findNodeAtOffset, getNodePath, parseTree, type Node } from 'jsonc-parser';
import { MAX_EDITOR_CHARS, yamlTokenAt } from './cursor';
import { enumValueDocumentation, fieldDocumentation } from './fieldDocs';
import type { TextRange } from './sourceMap';

/** Hover contents for a key (or an enum value) of a config text. */
export interface ConfigHover {
  path: string[];
  /** The key or value hovered. */
  range: TextRange;
  markdown: string;
}

/**
 * The documentation of the key at `offset` (description, type, allowed values, default, and for schedule.* the
 * formula), or of the enum value there. In JSON, VS Code's schema hover already shows the description and the enum
 * value's meaning, so this adds only what it lacks: type, allowed values, default and formula, on keys.
 */
export function configHover(text: string, offset: number, fileName: string): ConfigHover | undefined {
  if (/\.json$/i.test(fileName)) return jsonKeyHover(text, offset);
  const token = yamlTokenAt(text, offset);
  if (!token) return undefined;
  const markdown = token.role === 'key' ? sweptKeyDocumentation(token.path) ?? fieldDocumentation(token.path) : enumValueDocumentation(token.path, token.text);
  return markdown === undefined ? undefined : { path: token.path, range: token.range, markdown };
}

/** A key under sweep.parameters is a dotted config key: its hover documents that key. */
function sweptKeyDocumentation(path: readonly string[]): string | undefined {
  if (path.length !== 3 || path[0] !== 'sweep' || path[1] !== 'parameters') return undefined;
  const documentation = fieldDocumentation(path[2].split('.'));
  return documentation === undefined ? undefined : `Swept: every trial sets \`${path[2]}\` to one of the values listed.\n\n${documentation}`;
}

function jsonKeyHover(text: string, offset: number): ConfigHover | undefined {
  if (text.length > MAX_EDITOR_CHARS) return undefined;
  let node: Node | undefined;
  try {
    const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
    node = root ? findNodeAtOffset(root, offset, true) : undefined;
  } catch {
    // jsonc-parser recurses: absurd nesting overflows the stack. Such a file gets diagnostics, not hovers.
    return undefined;
  }
  if (!node || !isPropertyKey(node)) return undefined;
  const path = getNodePath(node).map(String);
  const markdown = sweptKeyDocumentation(path) ?? fieldDocumentation(path, { description: false });
  return markdown === undefined ? undefined : { path, range: [node.offset, node.offset + node.length], markdown };
}

function isPropertyKey(node: Node): boolean {
  return node.type === 'string' && node.parent?.type === 'property' && node.parent.children?.[0] === node;
}
