import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { FIRST_SYMBOL_ID } from '../specials';
import { BYTE_CHARS } from './byteLevel';
import type { ExtraSpecials } from './tokenizerJson';
import type { BpeModel } from './train';

/** GPT-2's vocabulary: 50 257 tokens after our 4 specials, so our id = GPT-2 id + 4. */
export const GPT2_VOCAB_SIZE = FIRST_SYMBOL_ID + 50257;
export const GPT2_ID_OFFSET = FIRST_SYMBOL_ID;

let built: { model: BpeModel; extraSpecials: ExtraSpecials } | null = null;

/**
 * GPT-2's BPE as shipped by js-tiktoken (its ranks: each token's bytes, by rank), turned into Hugging Face's form:
 * every multi-byte token's merge is the split its own lower-ranked merges reach, as Hugging Face's tiktoken
 * converter does. Built once, on first use.
 */
export function gpt2Model(): { model: BpeModel; extraSpecials: ExtraSpecials } {
  if (built) return built;
  const rankBytes = decodeRanks(gpt2Ranks.bpe_ranks);
  const rankOf = new Map(rankBytes.map((bytes, rank) => [bytes.join(','), rank]));
  const tokens = rankBytes.map((bytes) => bytes.map((b) => BYTE_CHARS[b]).join(''));
  const merges: Array<[string, string]> = [];
  rankBytes.forEach((bytes, rank) => {
    if (bytes.length < 2) return;
    const [left, right] = splitBelowRank(bytes, rank, rankOf);
    merges.push([left.map((b) => BYTE_CHARS[b]).join(''), right.map((b) => BYTE_CHARS[b]).join('')]);
  });
  const extraSpecials = Object.entries(gpt2Ranks.special_tokens).map(([content, id]) => ({ content, id: id + GPT2_ID_OFFSET }));
  for (const { content, id } of extraSpecials) tokens[id - FIRST_SYMBOL_ID] = content;
  built = { model: { tokens, merges }, extraSpecials };
  return built;
}

/** js-tiktoken's packed ranks: lines of "prefix offset base64 base64 …", the i-th token of a line having rank offset + i. */
function decodeRanks(packed: string): number[][] {
  const byRank: number[][] = [];
  for (const line of packed.split('\n')) {
    if (line === '') continue;
    const [, offsetText, ...tokens] = line.split(' ');
    const offset = Number.parseInt(offsetText, 10);
    tokens.forEach((token, i) => (byRank[offset + i] = Array.from(atob(token), (c) => c.charCodeAt(0))));
  }
  return byRank;
}

/** Byte-pair merges of `bytes` using only ranks below `rank`; a token of the vocabulary always ends in two parts. */
function splitBelowRank(bytes: number[], rank: number, rankOf: ReadonlyMap<string, number>): [number[], number[]] {
  const parts = bytes.map((b) => [b]);
  for (;;) {
    let best = rank;
    let at = -1;
    for (let i = 0; i + 1 < parts.length; i++) {
      const joined = rankOf.get([...parts[i], ...parts[i + 1]].join(','));
      if (joined !== undefined && joined < best) {
        best = joined;
        at = i;
      }
    }
    if (at < 0) break;
    parts.splice(at, 2, [...parts[at], ...parts[at + 1]]);
  }
  if (parts.length !== 2) throw new Error(`GPT-2 rank ${rank} does not split into two lower-ranked tokens`);
  return [parts[0], parts[1]];
}
