import type { Dataset } from './datasets';
import { UNK_ID } from './specials';
import type { TokenIds } from './tokenIds';

/** How many tokens a dataset holds and how many of them are `<unk>`. */
export interface TokenCounts {
  tokens: number;
  unknown: number;
}

/** Counts the tokens of a dataset (no specials are added: a stream's ids, each line's, each pair's source and target). */
export function countTokens(dataset: Dataset): TokenCounts {
  const counts: TokenCounts = { tokens: 0, unknown: 0 };
  const add = (ids: TokenIds): void => {
    counts.tokens += ids.length;
    for (let i = 0; i < ids.length; i++) if (ids[i] === UNK_ID) counts.unknown++;
  };
  if (dataset.kind === 'stream') add(dataset.tokens);
  else if (dataset.kind === 'lines') dataset.sequences.forEach(add);
  else for (const pair of dataset.pairs) {
    add(pair.source);
    add(pair.target);
  }
  return counts;
}
