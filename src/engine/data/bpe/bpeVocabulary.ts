import { FIRST_SYMBOL_ID, SPECIAL_TOKENS, UNK_ID, UNKNOWN_TEXT } from '../specials';
import { BYTE_CHARS, byteCharsToBytes, GPT2_PATTERN, splitSpecials } from './byteLevel';
import type { Vocabulary, VocabularyJSON } from '../vocab';
import { tokenizerJson, type ExtraSpecials } from './tokenizerJson';
import type { BpeModel } from './train';

const KEY_BASE = 65536;
/** Distinct pieces remembered with their ids (bounded: ~10 MB); text repeats its words, so most are looked up, not merged. */
const CACHE_LIMIT = 50_000;

/**
 * Encodes and decodes with a byte-level BPE exactly as Hugging Face `tokenizers` does with the same tokenizer.json:
 * specials split out first, GPT-2's pre-tokenizer, then within each piece the lowest-ranked merge applied first
 * (leftmost first among equals). Written here rather than calling @huggingface/tokenizers because that library
 * encodes about 0.5 MB of text per second, too slow for corpora of tens of megabytes; it serves as a test referee.
 */
export class BpeVocabulary implements Vocabulary {
  readonly size: number;
  private readonly ranks = new Map<number, number>();
  private readonly results = new Map<number, number>();
  private readonly ids = new Map<string, number>();
  /** The id of each byte's token, so a piece's UTF-8 bytes become ids without byte-level strings in between. */
  private readonly byteIds: Int32Array;
  private readonly encoder = new TextEncoder();
  private readonly bytes: Array<Uint8Array | null>;
  private readonly specials: ReadonlyMap<string, number>;
  private cache = new Map<string, readonly number[]>();
  private olderCache = new Map<string, readonly number[]>();

  constructor(
    readonly kind: 'bpe' | 'gpt2',
    readonly model: BpeModel,
    readonly extraSpecials: ExtraSpecials = [],
  ) {
    this.size = FIRST_SYMBOL_ID + model.tokens.length;
    model.tokens.forEach((token, i) => this.ids.set(token, i + FIRST_SYMBOL_ID));
    this.byteIds = Int32Array.from(BYTE_CHARS, (char) => this.ids.get(char) as number);
    const extraIds = new Set(extraSpecials.map((s) => s.id));
    this.bytes = [...SPECIAL_TOKENS.map(() => null), ...model.tokens.map((token, i) => (extraIds.has(i + FIRST_SYMBOL_ID) ? null : Uint8Array.from(byteCharsToBytes(token) ?? [])))];
    model.merges.forEach(([left, right], rank) => {
      const key = (this.ids.get(left) as number) * KEY_BASE + (this.ids.get(right) as number);
      if (this.ranks.has(key)) return;
      this.ranks.set(key, rank);
      this.results.set(key, this.ids.get(left + right) as number);
    });
    this.specials = new Map([...SPECIAL_TOKENS.map((token, id): [string, number] => [token, id]), ...extraSpecials.map((s): [string, number] => [s.content, s.id])]);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const part of splitSpecials(text, this.specials)) {
      if (typeof part === 'number') {
        out.push(part);
        continue;
      }
      const pattern = new RegExp(GPT2_PATTERN, 'gu');
      for (let match = pattern.exec(part); match !== null; match = pattern.exec(part)) {
        for (const id of this.encodePiece(match[0])) out.push(id);
      }
    }
    return out;
  }

  private encodePiece(piece: string): readonly number[] {
    const recent = this.cache.get(piece);
    if (recent) return recent;
    const older = this.olderCache.get(piece);
    if (older) {
      this.remember(piece, older);
      return older;
    }
    const symbols = Array.from(this.encoder.encode(piece), (byte) => this.byteIds[byte]);
    for (;;) {
      let bestRank = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(symbols[i] * KEY_BASE + symbols[i + 1]);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          at = i;
        }
      }
      if (at < 0) break;
      symbols.splice(at, 2, this.results.get(symbols[at] * KEY_BASE + symbols[at + 1]) as number);
    }
    this.remember(piece, symbols);
    return symbols;
  }

  /** Two generations, a cheap LRU: when the recent one fills, it becomes the older one and the oldest is dropped. */
  private remember(piece: string, ids: readonly number[]): void {
    if (this.cache.size >= CACHE_LIMIT / 2) {
      this.olderCache = this.cache;
      this.cache = new Map();
    }
    this.cache.set(piece, ids);
  }

  /** The text of the ids: their bytes as UTF-8 (broken sequences as U+FFFD), `<unk>` as U+FFFD, other specials left out. */
  decode(ids: ArrayLike<number>): string {
    const decoder = new TextDecoder();
    const chunks: Uint8Array[] = [];
    let text = '';
    const flush = (): void => {
      if (chunks.length === 0) return;
      const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        joined.set(chunk, offset);
        offset += chunk.length;
      }
      text += decoder.decode(joined);
      chunks.length = 0;
    };
    for (let i = 0; i < ids.length; i++) {
      const id = this.checkId(ids[i]);
      const bytes = this.bytes[id];
      if (bytes) chunks.push(bytes);
      else if (id === UNK_ID || id >= FIRST_SYMBOL_ID) {
        flush();
        text += id === UNK_ID ? UNKNOWN_TEXT : this.model.tokens[id - FIRST_SYMBOL_ID];
      }
    }
    flush();
    return text;
  }

  /** One token for display: its text when that is printable UTF-8, else its bytes as `<0x0a>`. */
  tokenText(id: number): string {
    this.checkId(id);
    const bytes = this.bytes[id];
    if (!bytes) return id < FIRST_SYMBOL_ID ? SPECIAL_TOKENS[id] : this.model.tokens[id - FIRST_SYMBOL_ID];
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      if (!/\p{C}/u.test(text)) return text;
    } catch {
      // Part of a multi-byte character: shown as bytes below.
    }
    return Array.from(bytes, (b) => `<0x${b.toString(16).padStart(2, '0')}>`).join('');
  }

  /** bpe: its merges (the tokens follow from them); gpt2: nothing, since the library's ranks rebuild it. */
  toJSON(): VocabularyJSON {
    return this.kind === 'gpt2' ? { kind: 'gpt2' } : { kind: 'bpe', merges: this.model.merges.map(([a, b]) => `${a} ${b}`) };
  }

  /** The Hugging Face tokenizer.json of this BPE. */
  tokenizerJson(): Record<string, unknown> {
    return tokenizerJson(this.model, this.extraSpecials);
  }

  private checkId(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) throw new RangeError(`token id ${id} is outside the vocabulary (ids 0–${this.size - 1})`);
    return id;
  }
}
