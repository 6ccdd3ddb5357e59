import { MAX_NESTING } from './sourceMap';
import { leadingBlanks, quotedEnd, scalarToken, type OutlineToken } from './yamlText';

/** One `{…}` or `[…]` collection of a flow span. */
export interface FlowFrame {
  kind: 'mapping' | 'sequence';
  path: string[];
  /** Offset of the opening bracket. */
  open: number;
  /** Offset of the closing bracket, or where the scan stopped when it is missing. */
  close: number;
  /** A mapping's keys in order, duplicates kept. */
  keys: string[];
}

/** A scalar seen in a flow collection; `hasColon` tells a key followed by `:` from a key still being typed. */
export interface FlowScalar {
  type: 'scalar';
  frame: FlowFrame;
  token: OutlineToken;
  hasColon: boolean;
}

/** What the scanner passed, recorded in the frame that holds it (a nested collection's brackets belong to its parent). */
export type FlowEvent =
  | FlowScalar
  | { type: 'open' | 'close' | 'comma'; frame: FlowFrame; at: number }
  | { type: 'colon'; frame: FlowFrame; at: number; key: string | undefined };

/** An outermost flow collection and everything inside it. */
export interface FlowSpan {
  /** Offset of the outermost opening bracket. */
  start: number;
  /** Offset after the outermost closing bracket, or where the scan stopped. */
  end: number;
  /** Every collection, outermost first, each before the ones nested in it. */
  frames: FlowFrame[];
  events: FlowEvent[];
  tokens: OutlineToken[];
}

interface OpenFrame {
  frame: FlowFrame;
  state: 'key' | 'value';
  key?: string;
  lastKey?: FlowScalar;
  items: number;
}

/**
 * Scans the flow collection whose opening bracket is at `start`, holding the value at `path`. A missing closing
 * bracket ends the scan at the first later line indented no further than `blockIndent` (the next block key).
 */
export function scanFlow(text: string, start: number, path: string[], blockIndent: number): FlowSpan {
  const span: FlowSpan = { start, end: text.length, frames: [], events: [], tokens: [] };
  const stack: OpenFrame[] = [];
  let pos = start;
  let quotedUntil = -1;
  while (pos < text.length) {
    const c = text[pos];
    const top = stack[stack.length - 1];
    if (c === '\n' || c === '\r') {
      const next = pos + (c === '\r' && text[pos + 1] === '\n' ? 2 : 1);
      if (endsFlow(text, next, blockIndent)) return stop(span, stack, pos);
      pos = next;
    } else if (c === ' ' || c === '\t') {
      pos++;
    } else if (c === '#' && /\s/.test(text[pos - 1])) {
      pos = lineEnd(text, pos);
    } else if (c === '{' || c === '[') {
      // Deeper than any config: stop here rather than build ever longer paths (the parser reports the nesting).
      if (stack.length >= MAX_NESTING) return stop(span, stack, pos);
      const frame: FlowFrame = { kind: c === '{' ? 'mapping' : 'sequence', path: top ? childPath(top) : path, open: pos, close: text.length, keys: [] };
      span.frames.push(frame);
      if (top) span.events.push({ type: 'open', frame: top.frame, at: pos });
      stack.push({ frame, state: 'key', items: 0 });
      pos++;
    } else if (c === '}' || c === ']') {
      top.frame.close = pos;
      stack.pop();
      const parent = stack[stack.length - 1];
      if (!parent) return stop(span, stack, pos + 1);
      span.events.push({ type: 'close', frame: parent.frame, at: pos });
      pos++;
    } else if (c === ',') {
      span.events.push({ type: 'comma', frame: top.frame, at: pos });
      if (top.frame.kind === 'sequence') top.items++;
      Object.assign(top, { state: 'key', key: undefined, lastKey: undefined });
      pos++;
    } else if (c === ':' && (pos === quotedUntil || isFlowBreak(text[pos + 1]))) {
      span.events.push({ type: 'colon', frame: top.frame, at: pos, key: top.key });
      if (top.lastKey) top.lastKey.hasColon = true;
      top.state = 'value';
      pos++;
    } else {
      const quoted = c === '"' || c === "'";
      const end = quoted ? quotedEnd(text, pos, lineEnd(text, pos)) : plainEnd(text, pos);
      if (quoted) quotedUntil = end;
      addScalar(span, top, text, pos, end);
      pos = end;
    }
  }
  return stop(span, stack, text.length);
}

function addScalar(span: FlowSpan, top: OpenFrame, text: string, start: number, end: number): void {
  const { frame } = top;
  let token: OutlineToken;
  if (frame.kind === 'sequence') token = scalarToken(text, start, end, 'value', frame.path, 'flow', String(top.items));
  else if (top.state === 'value') token = scalarToken(text, start, end, 'value', frame.path, 'flow', top.key ?? '');
  else token = scalarToken(text, start, end, 'key', frame.path, 'flow');
  const event: FlowScalar = { type: 'scalar', frame, token, hasColon: false };
  if (token.role === 'key') {
    frame.keys.push(token.text);
    top.key = token.text;
    top.lastKey = event;
  }
  span.events.push(event);
  span.tokens.push(token);
}

function stop(span: FlowSpan, stack: OpenFrame[], at: number): FlowSpan {
  for (const open of stack) open.frame.close = at;
  span.end = at;
  return span;
}

// A collection nested as a mapping value takes its key; as a list item, its index.
function childPath(top: OpenFrame): string[] {
  if (top.frame.kind === 'sequence') return [...top.frame.path, String(top.items)];
  return [...top.frame.path, top.state === 'value' && top.key !== undefined ? top.key : ''];
}

// A plain scalar in flow context ends at a flow indicator, a `: `, a ` #` or the end of the line (trailing blanks excluded).
function plainEnd(text: string, start: number): number {
  let end = start + 1;
  while (end < text.length) {
    const c = text[end];
    if (c === ',' || c === '{' || c === '}' || c === '[' || c === ']' || c === '\n' || c === '\r') break;
    if (c === ':' && isFlowBreak(text[end + 1])) break;
    if (c === '#' && (text[end - 1] === ' ' || text[end - 1] === '\t')) break;
    end++;
  }
  while (end > start + 1 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return end;
}

function isFlowBreak(c: string | undefined): boolean {
  return c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',' || c === '}' || c === ']' || c === '{' || c === '[';
}

function lineEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

// A forgotten closing bracket: the line looks like the next block entry (not blank, not a comment, not a closing bracket).
function endsFlow(text: string, lineStart: number, blockIndent: number): boolean {
  const end = lineEnd(text, lineStart);
  const indent = leadingBlanks(text, lineStart, end);
  const first = text[lineStart + indent];
  if (lineStart + indent === end || first === '#' || first === '}' || first === ']') return false;
  return indent <= blockIndent;
}
