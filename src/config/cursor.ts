import type { TextRange } from './sourceMap';
import type { FlowSpan } from './yamlFlow';
import { closeFrames, outlineYaml, type BlockFrame, type OutlineLine, type OutlineToken, type YamlOutline } from './yamlOutline';

/** The cursor is where a key of the mapping at `path` can be typed. */
export interface KeyCursor {
  kind: 'key';
  /** Path of the mapping that will hold the key. */
  path: string[];
  /** Keys the mapping already has (anywhere in it, not counting the one under the cursor). */
  present: string[];
  /** Text a completion replaces: the key under the cursor, or an empty range. */
  range: TextRange;
  /** What is typed of the key, up to the cursor. */
  prefix: string;
  style: 'block' | 'flow';
  /** The key under the cursor is already followed by `:` (so a completion inserts only the name). */
  hasColon: boolean;
  /** Spaces per nesting level in this document (2 when it cannot tell). */
  indentUnit: number;
}

/** The cursor is on (or where one types) the value at `path`. */
export interface ValueCursor {
  kind: 'value';
  path: string[];
  /** Text a completion replaces (inside the quotes of a quoted value). */
  range: TextRange;
  prefix: string;
  style: 'block' | 'flow';
  /** The value is written in quotes. */
  quoted: boolean;
  /** The cursor sits right after the colon: a completion must add the space that YAML wants there. */
  needsSpace: boolean;
}

/** Where the cursor is in a config text, for completion. */
export type CursorContext = KeyCursor | ValueCursor | { kind: 'none' };

const NONE: CursorContext = { kind: 'none' };
/**
 * Completion and hover re-read the whole text on every request, on the extension host's thread; past this size
 * (hundreds of times a real config) they stay silent rather than stall typing. Diagnostics still cover the file.
 */
export const MAX_EDITOR_CHARS = 256 * 1024;
const WORD_CHAR = /[^\s:#,{}[\]'"]/;

/** What can be typed at `offset` of a YAML config: a key of some mapping, a value, or nothing (comments, lists, scalars' continuations). */
export function yamlCursorContext(text: string, offset: number): CursorContext {
  if (text.length > MAX_EDITOR_CHARS) return NONE;
  const outline = outlineYaml(text);
  const at = Math.max(0, Math.min(offset, text.length));
  const flow = outline.flows.find((span) => span.start < at && at <= span.frames[0].close);
  if (flow) return flowContext(outline, flow, at);
  const line = outline.lines.find((candidate) => candidate.start <= at && at <= candidate.end);
  return line ? blockContext(outline, line, at) : NONE;
}

/** The key or scalar value at `offset` (its end included), for hovers. */
export function yamlTokenAt(text: string, offset: number): OutlineToken | undefined {
  if (text.length > MAX_EDITOR_CHARS) return undefined;
  return outlineYaml(text).tokens.find((token) => token.range[0] <= offset && offset <= token.range[1]);
}

function blockContext(outline: YamlOutline, line: OutlineLine, at: number): CursorContext {
  const { text } = outline;
  if (line.comment !== undefined && at > line.comment) return NONE;
  if (line.kind === 'blank') return keyContext(outline, line.frames, at - line.start, [at, at], '', 'block', false);
  if (line.kind === 'text') {
    const first = line.start + line.indent;
    let end = first;
    while (end < line.end && WORD_CHAR.test(text[end])) end++;
    if (at < first || at > end) return NONE;
    return keyContext(outline, line.frames, line.indent, [first, end], text.slice(first, at), 'block', false);
  }
  if (line.kind !== 'key' || !line.key || line.colon === undefined) return NONE;
  if (at <= line.colon) {
    const key = line.key;
    if (at < key.inner[0] || at > key.inner[1]) return NONE;
    return keyContext(outline, line.frames, line.indent, key.inner, text.slice(key.inner[0], at), 'block', true, key);
  }
  return blockValueContext(text, line, at, line.key.path);
}

function blockValueContext(text: string, line: OutlineLine, at: number, path: string[]): CursorContext {
  const start = line.valueStart ?? at;
  const end = line.valueEnd ?? at;
  if (start === end) return { kind: 'value', path, range: [at, at], prefix: '', style: 'block', quoted: false, needsSpace: at === (line.colon ?? -2) + 1 };
  if (at < start || at > end || '{[|>'.includes(text[start])) return NONE;
  const quoted = text[start] === '"' || text[start] === "'";
  const closed = quoted && end - start > 1 && text[end - 1] === text[start];
  const range: TextRange = quoted ? [start + 1, closed ? end - 1 : end] : [start, end];
  if (at < range[0] || at > range[1]) return NONE;
  return { kind: 'value', path, range, prefix: text.slice(range[0], at), style: 'block', quoted, needsSpace: false };
}

function keyContext(outline: YamlOutline, frames: readonly BlockFrame[], indent: number, range: TextRange, prefix: string, style: 'block' | 'flow', hasColon: boolean, editing?: OutlineToken): CursorContext {
  const open = closeFrames(frames, indent);
  const parent = open[open.length - 1];
  if (parent.kind !== 'mapping') return NONE;
  return keyCursor(outline, parent.path, range, prefix, style, hasColon, editing);
}

function keyCursor(outline: YamlOutline, path: string[], range: TextRange, prefix: string, style: 'block' | 'flow', hasColon: boolean, editing?: OutlineToken): KeyCursor {
  const present = new Set<string>();
  for (const token of outline.tokens) {
    if (token.role === 'key' && token !== editing && token.path.length === path.length + 1 && path.every((segment, i) => token.path[i] === segment)) present.add(token.text);
  }
  return { kind: 'key', path, present: [...present], range, prefix, style, hasColon, indentUnit: indentUnit(outline) };
}

function flowContext(outline: YamlOutline, span: FlowSpan, at: number): CursorContext {
  const { text } = outline;
  const frame = span.frames.filter((candidate) => candidate.open < at && at <= candidate.close).pop();
  if (!frame) return NONE;
  const own = span.events.filter((event) => event.frame === frame);
  const touched = own.find((event) => event.type === 'scalar' && event.token.range[0] <= at && at <= event.token.range[1]);
  if (touched?.type === 'scalar') {
    const { token } = touched;
    if (at < token.inner[0] || at > token.inner[1]) return NONE;
    const prefix = text.slice(token.inner[0], at);
    if (token.role === 'key') return keyCursor(outline, frame.path, token.inner, prefix, 'flow', touched.hasColon, token);
    return { kind: 'value', path: token.path, range: token.inner, prefix, style: 'flow', quoted: token.inner[0] > token.range[0], needsSpace: false };
  }
  const before = own.filter((event) => (event.type === 'scalar' ? event.token.range[1] : event.at) < at);
  const last = before[before.length - 1];
  const items = before.filter((event) => event.type === 'comma').length;
  if (!last || last.type === 'comma') {
    if (frame.kind === 'mapping') return keyCursor(outline, frame.path, [at, at], '', 'flow', false);
    return { kind: 'value', path: [...frame.path, String(items)], range: [at, at], prefix: '', style: 'flow', quoted: false, needsSpace: false };
  }
  if (last.type === 'colon' && last.key !== undefined) {
    return { kind: 'value', path: [...frame.path, last.key], range: [at, at], prefix: '', style: 'flow', quoted: false, needsSpace: at === last.at + 1 };
  }
  return NONE;
}

// The smallest step between a key line and the mapping above it; YAML lets each document choose.
function indentUnit(outline: YamlOutline): number {
  let unit = Infinity;
  for (const line of outline.lines) {
    if (line.kind !== 'key' || !line.key) continue;
    const parent = line.frames[line.frames.length - 1];
    if (parent.indent >= 0 && line.indent > parent.indent) unit = Math.min(unit, line.indent - parent.indent);
  }
  return Number.isFinite(unit) ? unit : 2;
}
