// Small lexical helpers shared by the lenient YAML outline scanners (block and flow).
import type { TextRange } from './sourceMap';

const YAML_WORDS = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

/** A key or scalar value found in a YAML text, with the key path it belongs to. */
export interface OutlineToken {
  role: 'key' | 'value';
  /** For a key: the path ending in the key; for a value: the path of the value. */
  path: string[];
  /** Source range, quotes included. */
  range: TextRange;
  /** The text between the quotes (the same as `range` for plain scalars). */
  inner: TextRange;
  /** The scalar's text, unquoted. */
  text: string;
  style: 'block' | 'flow';
}

/** A scalar token; keys extend `parentPath` with their own text, values take `valueKey` (or nothing, for the root). */
export function scalarToken(text: string, start: number, end: number, role: 'key' | 'value', parentPath: string[], style: 'block' | 'flow', valueKey?: string): OutlineToken {
  const raw = text.slice(start, end);
  const quote = raw[0] === '"' || raw[0] === "'" ? raw[0] : '';
  const closed = quote !== '' && raw.length > 1 && raw.endsWith(quote);
  const inner: TextRange = quote ? [start + 1, closed ? end - 1 : end] : [start, end];
  const content = text.slice(inner[0], inner[1]);
  const value = quote === '"' ? unescapeDouble(content) : quote === "'" ? content.replace(/''/g, "'") : content;
  const path = role === 'key' ? [...parentPath, value] : valueKey === undefined ? parentPath : [...parentPath, valueKey];
  return { role, path, range: [start, end], inner, text: value, style };
}

/** End offset (after the closing quote) of a quoted scalar starting at `start`; an unclosed one runs to `limit`. */
export function quotedEnd(text: string, start: number, limit: number): number {
  const quote = text[start];
  for (let i = start + 1; i < limit; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i + 1;
    }
  }
  return limit;
}

/** Offset of a `#` that starts a comment (at `from` or after a blank, outside quotes) before `end`. */
export function commentStart(text: string, from: number, end: number): number | undefined {
  for (let i = from; i < end; i++) {
    if (text[i] === '#' && (i === from || text[i - 1] === ' ' || text[i - 1] === '\t')) return i;
  }
  return undefined;
}

/** [start, end) of every line, without line breaks; `\n`, `\r\n` and `\r` all end a line (as LineIndex counts them). */
export function lineBounds(text: string): Array<[number, number]> {
  const bounds: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 10 && code !== 13) continue;
    bounds.push([start, i]);
    if (code === 13 && text.charCodeAt(i + 1) === 10) i++;
    start = i + 1;
  }
  bounds.push([start, text.length]);
  return bounds;
}

/** Number of spaces and tabs from `start` (stopping at `end`). */
export function leadingBlanks(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
  return i - start;
}

function unescapeDouble(content: string): string {
  try {
    return JSON.parse(`"${content}"`) as string;
  } catch {
    return content;
  }
}

/** A value as YAML text: plain when YAML reads it back as the same string, else double-quoted. */
export function yamlScalar(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) && !YAML_WORDS.test(value) ? value : JSON.stringify(value);
}
