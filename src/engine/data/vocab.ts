import type { VocabKind } from '../../config/types';

export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;
/** The special tokens, indexed by id; every vocabulary starts with them. */
export const SPECIAL_TOKENS: readonly string[] = ['<pad>', '<bos>', '<eos>', '<unk>'];
/** What `decode` prints for `<unk>`: U+FFFD, the Unicode replacement character, which cannot be mistaken for data. */
export const UNKNOWN_TEXT = '\uFFFD';

const FIRST_SYMBOL_ID = SPECIAL_TOKENS.length;
const BYTE_VOCAB_SIZE = FIRST_SYMBOL_ID + 256;

/** A vocabulary as stored in a checkpoint: the symbols after the specials, in id order (id = index + 4). */
export type VocabularyJSON = { kind: 'byte' } | { kind: 'char' | 'word'; symbols: string[] };

/**
 * Maps text to token ids and back. Ids 0–3 are the specials. `decode` skips `<pad>`, `<bos>` and `<eos>` and prints
 * `<unk>` as U+FFFD; word vocabularies join words with single spaces.
 */
export interface Vocabulary {
  readonly kind: VocabKind;
  /** Number of ids, specials included. */
  readonly size: number;
  /** Unknown symbols become `<unk>`; no `<bos>`/`<eos>` is added. */
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
  /** One token for display: specials as `<eos>`, non-printable bytes as `<0x0a>`. */
  tokenText(id: number): string;
  toJSON(): VocabularyJSON;
}

function checkId(id: number, size: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= size) {
    throw new RangeError(`token id ${id} is outside the vocabulary (ids 0–${size - 1})`);
  }
}

class ByteVocabulary implements Vocabulary {
  readonly kind = 'byte';
  readonly size = BYTE_VOCAB_SIZE;

  encode(text: string): number[] {
    return Array.from(new TextEncoder().encode(text), (b) => b + FIRST_SYMBOL_ID);
  }

  decode(ids: ArrayLike<number>): string {
    const bytes: number[] = [];
    let text = '';
    const flush = (): void => {
      text += new TextDecoder().decode(new Uint8Array(bytes));
      bytes.length = 0;
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      checkId(id, this.size);
      if (id >= FIRST_SYMBOL_ID) bytes.push(id - FIRST_SYMBOL_ID);
      else if (id === UNK_ID) {
        flush();
        text += UNKNOWN_TEXT;
      }
    }
    flush();
    return text;
  }

  tokenText(id: number): string {
    checkId(id, this.size);
    if (id < FIRST_SYMBOL_ID) return SPECIAL_TOKENS[id];
    const byte = id - FIRST_SYMBOL_ID;
    return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `<0x${byte.toString(16).padStart(2, '0')}>`;
  }

  toJSON(): VocabularyJSON {
    return { kind: 'byte' };
  }
}

/** Char and word vocabularies: a fixed list of symbols, split out of text by code point or by whitespace. */
class SymbolVocabulary implements Vocabulary {
  readonly size: number;
  private readonly ids = new Map<string, number>();

  constructor(
    readonly kind: 'char' | 'word',
    private readonly symbols: readonly string[],
  ) {
    this.size = FIRST_SYMBOL_ID + symbols.length;
    symbols.forEach((symbol, i) => this.ids.set(symbol, FIRST_SYMBOL_ID + i));
  }

  encode(text: string): number[] {
    return splitSymbols(this.kind, text).map((symbol) => this.ids.get(symbol) ?? UNK_ID);
  }

  decode(ids: ArrayLike<number>): string {
    const parts: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      checkId(id, this.size);
      if (id >= FIRST_SYMBOL_ID) parts.push(this.symbols[id - FIRST_SYMBOL_ID]);
      else if (id === UNK_ID) parts.push(UNKNOWN_TEXT);
    }
    return parts.join(this.kind === 'word' ? ' ' : '');
  }

  tokenText(id: number): string {
    checkId(id, this.size);
    return id < FIRST_SYMBOL_ID ? SPECIAL_TOKENS[id] : this.symbols[id - FIRST_SYMBOL_ID];
  }

  toJSON(): VocabularyJSON {
    return { kind: this.kind, symbols: [...this.symbols] };
  }
}

function splitSymbols(kind: 'char' | 'word', text: string): string[] {
  return kind === 'char' ? Array.from(text) : text.split(/\s+/).filter((word) => word !== '');
}

/** Code-unit order, not `localeCompare`: the same in every runtime and locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds a vocabulary from training texts. `byte` ignores the texts; `char` takes every distinct code point, sorted by
 * code point; `word` takes every distinct whitespace-separated token, most frequent first, ties in code-unit order.
 */
export function buildVocabulary(kind: VocabKind, texts: readonly string[]): Vocabulary {
  if (kind === 'byte') return new ByteVocabulary();
  if (kind === 'char') {
    const chars = new Set<string>();
    for (const text of texts) for (const ch of text) chars.add(ch);
    const sorted = [...chars].sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0));
    return new SymbolVocabulary('char', sorted);
  }
  const counts = new Map<string, number>();
  for (const text of texts) for (const word of splitSymbols('word', text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  const sorted = [...counts].sort(([a, ca], [b, cb]) => cb - ca || compareStrings(a, b)).map(([word]) => word);
  return new SymbolVocabulary('word', sorted);
}

/** Rebuilds a vocabulary saved with `toJSON` (e.g. from a checkpoint); throws an Error saying what is malformed. */
export function vocabularyFromJSON(json: unknown): Vocabulary {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('vocabulary JSON must be an object like {"kind": "char", "symbols": [...]}');
  }
  const { kind, symbols } = json as { kind?: unknown; symbols?: unknown };
  if (kind === 'byte') return new ByteVocabulary();
  if (kind !== 'char' && kind !== 'word') {
    throw new Error(`vocabulary JSON has kind ${JSON.stringify(kind)}: expected "byte", "char" or "word"`);
  }
  if (!Array.isArray(symbols) || !symbols.every((s): s is string => typeof s === 'string')) {
    throw new Error(`${kind} vocabulary JSON needs "symbols": an array of strings`);
  }
  const seen = new Set<string>();
  for (const symbol of symbols) {
    if (seen.has(symbol)) throw new Error(`${kind} vocabulary JSON lists ${JSON.stringify(symbol)} twice`);
    seen.add(symbol);
    const valid = kind === 'char' ? Array.from(symbol).length === 1 : symbol !== '' && !/\s/.test(symbol);
    if (!valid) {
      const expected = kind === 'char' ? 'exactly one character' : 'a non-empty word without whitespace';
      throw new Error(`${kind} vocabulary JSON has symbol ${JSON.stringify(symbol)}: expected ${expected}`);
    }
  }
  return new SymbolVocabulary(kind, symbols);
}
