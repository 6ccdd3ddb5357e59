import type { Vocabulary } from './vocab';

/** Token ids in the narrowest array the vocabulary allows: 2 bytes per id up to 65 536 ids, else 4. */
export type TokenIds = Uint16Array | Int32Array;

/** Vocabularies up to this many ids store their ids as Uint16Array. */
export const UINT16_VOCAB_LIMIT = 0x10000;

/** An empty id array of `length` in the type `vocabSize` calls for. */
export function tokenIdArray(vocabSize: number, length: number): TokenIds {
  return vocabSize <= UINT16_VOCAB_LIMIT ? new Uint16Array(length) : new Int32Array(length);
}

/** Ids of one short text (a line, a source or target) in the compact type. */
export function encodeCompact(vocab: Vocabulary, text: string): TokenIds {
  const ids = vocab.encode(text);
  const out = tokenIdArray(vocab.size, ids.length);
  out.set(ids);
  return out;
}

/**
 * Characters per chunk the text is cut into for counting symbols and encoding. Each chunk's ids are a plain array:
 * at 64 Ki characters it dies young, where 1 Mi-character chunks' arrays filled the old space (~55 MB more peak).
 */
const CHUNK_CHARS = 1 << 16;
/** A chunk may only end just before a '\n' that is followed by a non-whitespace character (see `textChunks`). */
const CHUNK_BOUNDARY = /\n(?=[^\s\u0085])/g;

/**
 * Cuts a text into chunks of about `chunkChars` characters, each ending just before a '\n' followed by a
 * non-whitespace character. Every vocabulary gives the same ids for the chunks one after another as for the whole
 * text: byte and char never join symbols across a '\n', word splits there anyway, and GPT-2's pre-tokenizer ends a
 * whitespace run followed by a non-space with a piece of its last character alone, here that '\n' (U+0085 counts as
 * whitespace to it, so it is no boundary). The chunks are slices of `text` (V8 shares their characters), so cutting
 * copies nothing.
 */
export function textChunks(text: string, chunkChars = CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    CHUNK_BOUNDARY.lastIndex = start + Math.max(1, chunkChars);
    const found = start + chunkChars < text.length ? CHUNK_BOUNDARY.exec(text) : null;
    const end = found ? found.index : text.length;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

/**
 * Collects ids chunk by chunk into one typed array that grows by half its size when full, so a corpus is never held
 * as a plain array of numbers; `capacityHint` (an upper bound when known) sizes it up front.
 */
export class TokenIdBuilder {
  private ids: TokenIds;
  private length = 0;

  constructor(private readonly vocabSize: number, capacityHint = 1024) {
    this.ids = tokenIdArray(vocabSize, Math.max(16, capacityHint));
  }

  append(ids: ArrayLike<number>): void {
    const needed = this.length + ids.length;
    if (needed > this.ids.length) {
      const grown = tokenIdArray(this.vocabSize, Math.max(needed, Math.ceil(this.ids.length * 1.5)));
      grown.set(this.ids.subarray(0, this.length));
      this.ids = grown;
    }
    this.ids.set(ids, this.length);
    this.length = needed;
  }

  /** The ids collected; trimmed to a fresh array only when more than an eighth of the capacity would be wasted. */
  finish(): TokenIds {
    const used = this.ids.subarray(0, this.length);
    return this.length >= this.ids.length * 0.875 ? used : used.slice();
  }
}

/** Encodes a text of any size chunk by chunk into one compact id array. */
export function encodeChunked(vocab: Vocabulary, text: string): TokenIds {
  const builder = new TokenIdBuilder(vocab.size, idCapacityHint(vocab, text));
  for (const chunk of textChunks(text)) builder.append(vocab.encode(chunk));
  return builder.finish();
}

/** An upper bound of the ids a text can give where one is cheap to know: one per UTF-16 unit for char, per byte for byte. */
function idCapacityHint(vocab: Vocabulary, text: string): number {
  if (vocab.kind === 'char') return text.length;
  if (vocab.kind === 'byte') return utf8Length(text);
  return Math.ceil(text.length / 4);
}

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A surrogate pair is 2 units and 4 bytes; other units past 0x7f take 2 or 3 bytes.
    if (code >= 0x800 && (code < 0xd800 || code > 0xdfff)) bytes += 2;
    else if (code >= 0x80) bytes += 1;
  }
  return bytes;
}
