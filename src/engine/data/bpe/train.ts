import { FIRST_SYMBOL_ID, SPECIAL_TOKENS } from '../specials';
import { BYTE_CHARS, GPT2_PATTERN, splitSpecials } from './byteLevel';

/** A byte-level BPE model: the tokens after the specials in id order (byte-level strings), and the merges by rank. */
export interface BpeModel {
  /** tokens[i] is id i + 4: first the 256 bytes in byte order, then every token a merge made. */
  tokens: string[];
  merges: Array<[string, string]>;
}

/** Thrown when the text has too few distinct pairs to reach the asked vocabulary size; `largest` is the most it can. */
export class BpeVocabSizeError extends Error {
  constructor(
    readonly asked: number,
    readonly largest: number,
  ) {
    super(`byte-level BPE can make at most ${largest} tokens from this text, not ${asked}`);
  }
}

/** The smallest BPE vocabulary: the specials and the 256 bytes, no merges. */
export const BPE_BASE_SIZE = FIRST_SYMBOL_ID + 256;
const KEY_BASE = 65536;

/**
 * Trains a byte-level BPE on `texts` until the vocabulary holds `vocabSize` ids (specials included). Each step merges
 * the most frequent adjacent pair within GPT-2 pre-tokenizer pieces; ties go to the pair with the smallest left id,
 * then the smallest right id, so the result depends only on the texts. Written by hand because no kept JavaScript
 * library trains a BPE in the browser and Node alike; it counts distinct pieces once and then updates pair counts
 * only in the pieces a merge touches.
 */
export function trainBpe(texts: readonly string[], vocabSize: number): BpeModel {
  const words = countPieces(texts);
  const tokens = BYTE_CHARS.slice();
  const idOf = new Map(tokens.map((token, i) => [token, i + FIRST_SYMBOL_ID]));
  const merges: Array<[string, string]> = [];
  const state = new PairState(words);
  while (FIRST_SYMBOL_ID + tokens.length < vocabSize) {
    const best = state.popBest();
    if (best === null) throw new BpeVocabSizeError(vocabSize, FIRST_SYMBOL_ID + tokens.length);
    const left = Math.floor(best / KEY_BASE);
    const right = best % KEY_BASE;
    const leftText = tokenOf(tokens, left);
    const rightText = tokenOf(tokens, right);
    const merged = leftText + rightText;
    let id = idOf.get(merged);
    if (id === undefined) {
      id = FIRST_SYMBOL_ID + tokens.length;
      tokens.push(merged);
      idOf.set(merged, id);
    }
    merges.push([leftText, rightText]);
    state.merge(left, right, id);
  }
  return { tokens, merges };
}

function tokenOf(tokens: readonly string[], id: number): string {
  return tokens[id - FIRST_SYMBOL_ID];
}

/** Every distinct piece's symbols, back to back in one array (one typed array per piece would cost ~100 bytes each). */
interface Words {
  symbols: Uint16Array;
  starts: Int32Array;
  lengths: Int32Array;
  counts: Float64Array;
}

/** Every distinct pre-tokenizer piece with how often it occurs, as byte ids; specials in the text are left out. */
function countPieces(texts: readonly string[]): Words {
  const counts = new Map<string, number>();
  const specials = new Set(SPECIAL_TOKENS);
  for (const text of texts) {
    for (const part of splitSpecials(text)) {
      if (typeof part !== 'string' || specials.has(part)) continue;
      const pattern = new RegExp(GPT2_PATTERN, 'gu');
      for (let match = pattern.exec(part); match !== null; match = pattern.exec(part)) counts.set(match[0], (counts.get(match[0]) ?? 0) + 1);
    }
  }
  // Each piece's UTF-8 bytes go straight into the flat store: byte-level strings of every piece cost ~100 MB of garbage.
  const encoder = new TextEncoder();
  const starts = new Int32Array(counts.size);
  const lengths = new Int32Array(counts.size);
  let symbols = new Uint16Array(1 << 16);
  let scratch = new Uint8Array(256);
  let at = 0;
  let w = 0;
  for (const piece of counts.keys()) {
    if (scratch.length < piece.length * 3) scratch = new Uint8Array(piece.length * 3);
    const { written } = encoder.encodeInto(piece, scratch);
    if (at + written > symbols.length) {
      const grown = new Uint16Array(Math.max(at + written, symbols.length * 2));
      grown.set(symbols.subarray(0, at));
      symbols = grown;
    }
    starts[w] = at;
    lengths[w++] = written;
    for (let i = 0; i < written; i++) symbols[at++] = scratch[i] + FIRST_SYMBOL_ID;
  }
  symbols = symbols.slice(0, at);
  return { symbols, starts, lengths, counts: Float64Array.from(counts.values()) };
}

/** Pair counts over all pieces, the pieces each pair occurs in, and a max-heap of (count, pair) with stale entries. */
class PairState {
  private readonly pairCounts = new Map<number, number>();
  private readonly where = new Map<number, number[]>();
  private readonly heapCounts: number[] = [];
  private readonly heapKeys: number[] = [];

  constructor(private readonly words: Words) {
    const { symbols, starts, lengths, counts } = words;
    for (let w = 0; w < lengths.length; w++) {
      for (let i = starts[w]; i + 1 < starts[w] + lengths[w]; i++) {
        const key = symbols[i] * KEY_BASE + symbols[i + 1];
        this.pairCounts.set(key, (this.pairCounts.get(key) ?? 0) + counts[w]);
        this.noteWord(key, w);
      }
    }
    for (const [key, count] of this.pairCounts) this.push(count, key);
  }

  /** The most frequent pair (smallest key among equals), removed from the counts; null when no pair is left. */
  popBest(): number | null {
    while (this.heapKeys.length > 0) {
      const count = this.heapCounts[0];
      const key = this.heapKeys[0];
      this.popTop();
      if (this.pairCounts.get(key) === count) {
        this.pairCounts.delete(key);
        return key;
      }
    }
    return null;
  }

  /** Replaces every (left, right) by `id` in the pieces that hold it, updating the counts of the pairs around it. */
  merge(left: number, right: number, id: number): void {
    const key = left * KEY_BASE + right;
    const changed = new Map<number, number>();
    const change = (pair: number, by: number): void => void changed.set(pair, (changed.get(pair) ?? 0) + by);
    const made: number[] = [];
    for (const w of this.where.get(key) ?? []) {
      const symbols = this.words.symbols.subarray(this.words.starts[w], this.words.starts[w] + this.words.lengths[w]);
      const length = symbols.length;
      const count = this.words.counts[w];
      let out = 0;
      made.length = 0;
      for (let i = 0; i < length; i++) {
        if (i + 1 < length && symbols[i] === left && symbols[i + 1] === right) {
          // The pair on the left was already taken away as the previous merge's right neighbour.
          if (out > 0 && made[made.length - 1] !== out - 1) change(symbols[out - 1] * KEY_BASE + left, -count);
          if (i + 2 < length) change(right * KEY_BASE + symbols[i + 2], -count);
          made.push(out);
          symbols[out++] = id;
          i++;
        } else symbols[out++] = symbols[i];
      }
      if (made.length === 0) continue;
      this.words.lengths[w] = out;
      for (let m = 0; m < made.length; m++) {
        const at = made[m];
        if (at > 0 && !(m > 0 && made[m - 1] === at - 1)) this.addNewPair(symbols[at - 1] * KEY_BASE + id, w, count, change);
        if (at + 1 < out) this.addNewPair(id * KEY_BASE + symbols[at + 1], w, count, change);
      }
    }
    this.where.delete(key);
    for (const [pair, by] of changed) {
      if (pair === key || by === 0) continue;
      const count = (this.pairCounts.get(pair) ?? 0) + by;
      if (count > 0) {
        this.pairCounts.set(pair, count);
        this.push(count, pair);
      } else this.pairCounts.delete(pair);
    }
  }

  private addNewPair(pair: number, w: number, count: number, change: (pair: number, by: number) => void): void {
    change(pair, count);
    this.noteWord(pair, w);
  }

  private noteWord(key: number, w: number): void {
    const list = this.where.get(key);
    if (list === undefined) this.where.set(key, [w]);
    else if (list[list.length - 1] !== w) list.push(w);
  }

  private before(a: number, b: number): boolean {
    const ca = this.heapCounts[a];
    const cb = this.heapCounts[b];
    return ca > cb || (ca === cb && this.heapKeys[a] < this.heapKeys[b]);
  }

  private swap(a: number, b: number): void {
    [this.heapCounts[a], this.heapCounts[b]] = [this.heapCounts[b], this.heapCounts[a]];
    [this.heapKeys[a], this.heapKeys[b]] = [this.heapKeys[b], this.heapKeys[a]];
  }

  private push(count: number, key: number): void {
    this.heapCounts.push(count);
    this.heapKeys.push(key);
    for (let i = this.heapKeys.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private popTop(): void {
    const last = this.heapKeys.length - 1;
    this.swap(0, last);
    this.heapCounts.pop();
    this.heapKeys.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < last && this.before(l, best)) best = l;
      if (r < last && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
  }
}

/** The model a list of merges makes: the 256 bytes, then each merge's joined token unless an earlier one made it. */
export function modelFromMerges(merges: ReadonlyArray<[string, string]>): BpeModel {
  const tokens = BYTE_CHARS.slice();
  const known = new Set(tokens);
  for (const [left, right] of merges) {
    if (!known.has(left) || !known.has(right)) throw new Error(`merge "${left} ${right}" joins a token no earlier merge made`);
    const joined = left + right;
    if (!known.has(joined)) {
      known.add(joined);
      tokens.push(joined);
    }
  }
  return { tokens, merges: merges.slice() };
}
