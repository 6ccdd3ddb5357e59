/** A half-open range of character offsets into the config text. */
export type TextRange = readonly [start: number, end: number];

/** Where a value (and the key that names it, for object members) sits in the source text. */
export interface NodeLocation {
  key?: TextRange;
  value: TextRange;
}

/** A problem before it is turned into a line/column diagnostic. */
export interface Problem {
  /** Key path of the value concerned; `[]` for the document itself. */
  path: string[];
  severity: 'error' | 'warning';
  message: string;
  /** Explicit source range; without it the problem is placed at `path` through the location map. */
  range?: TextRange;
  /** Place the problem on the key rather than the value (unknown and duplicate keys). */
  at?: 'key' | 'value';
}

/** A config text turned into a plain value plus a map from key paths to source ranges. */
export interface ParsedDocument {
  value: unknown;
  locations: Map<string, NodeLocation>;
  problems: Problem[];
  /** True when the text could not be read as a document (syntax errors): schema checks are skipped. */
  fatal: boolean;
}

/** Bigger texts are refused before parsing: a config needs a few hundred characters. */
export const MAX_CONFIG_CHARS = 1024 * 1024;
/** Deeper nesting is refused before building values; the schema itself is only 3 levels deep. */
export const MAX_NESTING = 32;
/** Upper bound on values built from one document, which also stops YAML alias bombs. */
export const MAX_VALUES = 100_000;

/** The location-map key of a key path (NUL-joined, so keys that contain dots cannot collide). */
export function pathKey(path: readonly string[]): string {
  return path.join('\u0000');
}

/** Sets `obj[key]` as an own property, even for keys like `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Converts offsets to 1-based line/column positions; `\n`, `\r\n` and `\r` all end a line, as in editors. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 13 && text.charCodeAt(i + 1) === 10) i++;
      if (code === 10 || code === 13) this.starts.push(i + 1);
    }
  }

  /** 1-based line and column (in UTF-16 code units) of an offset, clamped to the text. */
  position(offset: number): { line: number; column: number } {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid] <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: clamped - this.starts[low] + 1 };
  }
}
