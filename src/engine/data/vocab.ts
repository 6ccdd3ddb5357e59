import type { VocabKind } from '../../config/types';

import { BpeVocabulary } from './bpe/bpeVocabulary';
import { gpt2Model } from './bpe/gpt2';
import { BPE_BASE_SIZE, BpeVocabSizeError, modelFromMerges, trainBpe } from './bpe/train';
import { DataError } from './errors';
import { FIRST_SYMBOL_ID, SPECIAL_TOKENS, UNK_ID, UNKNOWN_TEXT } from './specials';

export { BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, UNK_ID, UNKNOWN_TEXT } from './specials';

const BYTE_VOCAB_SIZE = FIRST_SYMBOL_ID + 256;

/**
 * A vocabulary as stored in a checkpoint: char/word: the symbols after the specials, in id order (id = index + 4);
 * bpe: its merges as "left right" in rank order (the tokens follow from them); gpt2: nothing (the library has it).
 */
export type VocabularyJSON = { kind: 'byte' | 'gpt2' } | { kind: 'char' | 'word'; symbols: string[] } | { kind: 'bpe'; merges: string[] };

/** The most ids a vocabulary may have: token ids are stored as 16-bit numbers. */
export const MAX_VOCAB_SIZE = 65536;

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

/** What building a vocabulary may need besides its kind: bpe's size, and the training file to name in an error. */
export interface VocabularyOptions {
  vocabSize?: number;
  file?: string;
}

/**
 * Builds a vocabulary from training texts. `byte` and `gpt2` ignore the texts; `char` takes every distinct code point,
 * sorted by code point; `word` takes every distinct whitespace-separated token, most frequent first, ties in
 * code-unit order; `bpe` trains a byte-level BPE of `options.vocabSize` ids on them (a DataError naming
 * `options.file` when the texts cannot make that many).
 */
export function buildVocabulary(kind: VocabKind, texts: readonly string[], options: VocabularyOptions = {}): Vocabulary {
  if (kind === 'byte') return new ByteVocabulary();
  if (kind === 'gpt2') return gpt2Vocabulary();
  if (kind === 'bpe') return trainBpeVocabulary(texts, options);
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

function gpt2Vocabulary(): Vocabulary {
  const { model, extraSpecials } = gpt2Model();
  return new BpeVocabulary('gpt2', model, extraSpecials);
}

function trainBpeVocabulary(texts: readonly string[], { vocabSize, file = 'the training data' }: VocabularyOptions): Vocabulary {
  if (vocabSize === undefined || !Number.isInteger(vocabSize) || vocabSize < BPE_BASE_SIZE || vocabSize > MAX_VOCAB_SIZE) {
    throw new RangeError(`a bpe vocabulary needs a vocab_size from ${BPE_BASE_SIZE} to ${MAX_VOCAB_SIZE}, got ${vocabSize}`);
  }
  try {
    return new BpeVocabulary('bpe', trainBpe(texts, vocabSize));
  } catch (error) {
    if (!(error instanceof BpeVocabSizeError)) throw error;
    throw new DataError(file, 0, 0, `data.vocab_size is ${vocabSize}, but byte-level BPE can make at most ${error.largest} tokens from this training text (the 4 specials, 256 bytes and one token per distinct pair it can merge); set data.vocab_size to ${error.largest} or less, or train on more text`);
  }
}

/** Rebuilds a vocabulary saved with `toJSON` (e.g. from a checkpoint); throws an Error saying what is malformed. */
export function vocabularyFromJSON(json: unknown): Vocabulary {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('vocabulary JSON must be an object like {"kind": "char", "symbols": [...]}');
  }
  const { kind, symbols, merges } = json as { kind?: unknown; symbols?: unknown; merges?: unknown };
  if (kind === 'byte') return new ByteVocabulary();
  if (kind === 'gpt2') return gpt2Vocabulary();
  if (kind === 'bpe') return bpeFromMerges(merges);
  if (kind !== 'char' && kind !== 'word') {
    throw new Error(`vocabulary JSON has kind ${JSON.stringify(kind)}: expected "byte", "char", "word", "bpe" or "gpt2"`);
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

function bpeFromMerges(merges: unknown): Vocabulary {
  if (!Array.isArray(merges) || !merges.every((m): m is string => typeof m === 'string')) throw new Error('bpe vocabulary JSON needs "merges": an array of "left right" strings');
  const pairs = merges.map((merge, rank): [string, string] => {
    const parts = merge.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new Error(`bpe vocabulary JSON has merge ${rank} ${JSON.stringify(merge)}: expected "left right"`);
    return [parts[0], parts[1]];
  });
  const model = modelFromMerges(pairs);
  if (FIRST_SYMBOL_ID + model.tokens.length > MAX_VOCAB_SIZE) throw new Error(`bpe vocabulary JSON makes ${FIRST_SYMBOL_ID + model.tokens.length} tokens: the most is ${MAX_VOCAB_SIZE}`);
  return new BpeVocabulary('bpe', model);
}
