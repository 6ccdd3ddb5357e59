import { scanFlow, type FlowSpan } from './yamlFlow';
import { commentStart, leadingBlanks, lineBounds, quotedEnd, scalarToken, type OutlineToken } from './yamlText';

export type { OutlineToken };

/** What the lines above a line opened: the root or a `key:` with nothing after it (a mapping), a key with a scalar, a list item. */
export interface BlockFrame {
  indent: number;
  path: string[];
  kind: 'mapping' | 'scalar' | 'item';
}

/** One source line as the block scanner saw it. */
export interface OutlineLine {
  start: number;
  /** End of the line's text, before its line break. */
  end: number;
  /** Leading spaces (and tabs, which YAML forbids but people type). */
  indent: number;
  /**
   * `text`: a line that is neither (a key being typed); `flow`: a flow collection at the start of the line; `inner`: a
   * continuation of a value opened above (block scalar, multi-line flow or plain scalar).
   */
  kind: 'blank' | 'comment' | 'key' | 'item' | 'text' | 'flow' | 'inner';
  /** Block frames open at this line, innermost last (for blank and comment lines: as the line above left them). */
  frames: readonly BlockFrame[];
  /** Offset where a comment starts on this line, if any. */
  comment?: number;
  /** `key` lines: the key token and the offset of its colon. */
  key?: OutlineToken;
  colon?: number;
  /** `key` and `item` lines: where the value text starts and ends (equal when there is none). */
  valueStart?: number;
  valueEnd?: number;
}

/** A YAML text's keys, values, lines and flow collections, read leniently: broken documents give partial outlines. */
export interface YamlOutline {
  text: string;
  lines: OutlineLine[];
  tokens: OutlineToken[];
  flows: FlowSpan[];
}

const ITEM = /^-(?=[ \t]|$)/;

/** Reads the block structure line by line (indentation opens and closes mappings) and hands flow collections to scanFlow. */
export function outlineYaml(text: string): YamlOutline {
  const outline: YamlOutline = { text, lines: [], tokens: [], flows: [] };
  const bounds = lineBounds(text);
  let frames: readonly BlockFrame[] = [{ indent: -1, path: [], kind: 'mapping' }];
  const itemCounts = new Map<BlockFrame, number>();
  let flowEnd = -1;
  for (const [start, end] of bounds) {
    const indent = leadingBlanks(text, start, end);
    const first = start + indent;
    const line: OutlineLine = { start, end, indent, kind: 'inner', frames };
    outline.lines.push(line);
    if (start < flowEnd) continue;
    if (first === end) {
      line.kind = 'blank';
      continue;
    }
    if (text[first] === '#') {
      line.kind = 'comment';
      line.comment = first;
      continue;
    }
    const isItem = ITEM.test(text.slice(first, first + 2));
    frames = closeFrames(frames, indent, isItem);
    line.frames = frames;
    const parent = frames[frames.length - 1];
    if (parent.kind !== 'mapping') continue;

    const key = isItem ? undefined : matchKey(text, first, end);
    if (key) {
      const keyToken = scalarToken(text, first, key.keyEnd, 'key', parent.path, 'block');
      const colon = key.colon;
      Object.assign(line, { kind: 'key', key: keyToken, colon });
      outline.tokens.push(keyToken);
      const opened = readValue(outline, line, colon + 1, keyToken.path, indent);
      flowEnd = opened.flowEnd;
      frames = [...frames, { indent, path: keyToken.path, kind: opened.empty ? 'mapping' : 'scalar' }];
    } else if (isItem) {
      const index = itemCounts.get(parent) ?? 0;
      itemCounts.set(parent, index + 1);
      line.kind = 'item';
      flowEnd = readValue(outline, line, first + 1, [...parent.path, String(index)], indent).flowEnd;
      frames = [...frames, { indent, path: [...parent.path, String(index)], kind: 'item' }];
    } else if (text[first] === '{' || text[first] === '[') {
      line.kind = 'flow';
      flowEnd = readValue(outline, line, first, parent.path, parent.indent).flowEnd;
    } else {
      line.kind = 'text';
      line.comment = commentStart(text, first, end);
    }
  }
  return outline;
}

// `key:` starting at `first` (plain or quoted, followed by a blank or the line's end): where the key ends and the
// colon is. A hand-written scan rather than a regular expression, to stay linear on long lines.
function matchKey(text: string, first: number, end: number): { keyEnd: number; colon: number } | undefined {
  const c = text[first];
  if (c === '"' || c === "'") {
    const keyEnd = quotedEnd(text, first, end);
    const colon = keyEnd + leadingBlanks(text, keyEnd, end);
    return text[colon] === ':' && isBlankOrEnd(text, colon + 1, end) ? { keyEnd, colon } : undefined;
  }
  if ('#{}[],&*!|>%@`'.includes(c)) return undefined;
  for (let i = first + 1; i < end; i++) {
    if (text[i] === '#' && isBlankOrEnd(text, i - 1, end)) return undefined;
    if (text[i] === ':' && isBlankOrEnd(text, i + 1, end)) return { keyEnd: trimEnd(text, first, i), colon: i };
  }
  return undefined;
}

function isBlankOrEnd(text: string, at: number, end: number): boolean {
  return at >= end || text[at] === ' ' || text[at] === '\t';
}

/** The frames still open for a line indented by `indent`; a `- item` may sit at its mapping key's own indentation. */
export function closeFrames(frames: readonly BlockFrame[], indent: number, isItem = false): readonly BlockFrame[] {
  let depth = frames.length;
  while (depth > 1) {
    const top = frames[depth - 1];
    if (top.indent < indent || (isItem && top.indent === indent && top.kind === 'mapping')) break;
    depth--;
  }
  return depth === frames.length ? frames : frames.slice(0, depth);
}

// Reads what follows `key:` or `- `: a quoted or plain scalar, a flow collection, a block scalar or nothing. A flow
// collection ends at its closing bracket, or at a later line indented no further than `blockIndent` (a forgotten bracket).
function readValue(outline: YamlOutline, line: OutlineLine, from: number, path: string[], blockIndent: number): { empty: boolean; flowEnd: number } {
  const { text } = outline;
  const start = from + leadingBlanks(text, from, line.end);
  line.valueStart = start;
  line.valueEnd = start;
  if (start === line.end || text[start] === '#') {
    if (start < line.end) line.comment = start;
    return { empty: true, flowEnd: -1 };
  }
  const first = text[start];
  if (first === '{' || first === '[') {
    const span = scanFlow(text, start, path, blockIndent);
    outline.flows.push(span);
    outline.tokens.push(...span.tokens);
    line.valueEnd = Math.min(span.end, line.end);
    return { empty: false, flowEnd: span.end };
  }
  if (first === '|' || first === '>') {
    line.valueEnd = start + 1;
    line.comment = commentStart(text, start + 1, line.end);
    return { empty: false, flowEnd: -1 };
  }
  let end: number;
  if (first === '"' || first === "'") {
    end = quotedEnd(text, start, line.end);
    line.comment = commentStart(text, end, line.end);
  } else {
    line.comment = commentStart(text, start, line.end);
    end = trimEnd(text, start, line.comment ?? line.end);
  }
  line.valueEnd = end;
  outline.tokens.push(scalarToken(text, start, end, 'value', path.slice(0, -1), 'block', path[path.length - 1]));
  return { empty: false, flowEnd: -1 };
}

function trimEnd(text: string, start: number, end: number): number {
  let i = end;
  while (i > start && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i;
}
