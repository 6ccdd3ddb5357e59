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
  const markdown = token.role === 'key' ? fieldDocumentation(token.path) : enumValueDocumentation(token.path, token.text);
  return markdown === undefined ? undefined : { path: token.path, range: token.range, markdown };
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
  const markdown = fieldDocumentation(path, { description: false });
  return markdown === undefined ? undefined : { path, range: [node.offset, node.offset + node.length], markdown };
}

function isPropertyKey(node: Node): boolean {
  return node.type === 'string' && node.parent?.type === 'property' && node.parent.children?.[0] === node;
}
