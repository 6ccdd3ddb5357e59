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
  const tokens = decodeRanks(gpt2Ranks.bpe_ranks).map((bytes) => bytes.map((b) => BYTE_CHARS[b]).join(''));
  const rankOf = new Map(tokens.map((token, rank) => [token, rank]));
  const merges: Array<[string, string]> = [];
  tokens.forEach((token, rank) => {
    if (token.length > 1) merges.push(splitBelowRank(token, rank, rankOf));
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

/** Byte-pair merges of a token's bytes (as byte characters) using only ranks below its own; a token always ends in two parts. */
function splitBelowRank(token: string, rank: number, rankOf: ReadonlyMap<string, number>): [string, string] {
  const parts = Array.from(token);
  for (;;) {
    let best = rank;
    let at = -1;
    for (let i = 0; i + 1 < parts.length; i++) {
      const joined = rankOf.get(parts[i] + parts[i + 1]);
      if (joined !== undefined && joined < best) {
        best = joined;
        at = i;
      }
    }
    if (at < 0) break;
    parts.splice(at, 2, parts[at] + parts[at + 1]);
  }
  if (parts.length !== 2) throw new Error(`GPT-2 rank ${rank} does not split into two lower-ranked tokens`);
  return [parts[0], parts[1]];
}
