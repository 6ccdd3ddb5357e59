import { statSync } from 'node:fs';
import type { LabConfig } from '../config/types';
import type { PreparedData } from '../engine/data/prepare';
import { countTokens } from '../engine/data/tokenStats';
import type { RunTokenizer } from '../protocol/runInfo';

/**
 * How the vocabulary cut the data: bytes of the training file per token it became (its held-out part included) and
 * the `<unk>` tokens of training and validation data, as run.json's `tokenizer` records them (less the file's hash).
 */
export function tokenizerFacts(config: LabConfig, data: PreparedData): Omit<RunTokenizer, 'sha256'> {
  const train = countTokens(data.train);
  const val = countTokens(data.val);
  const fromTrainFile = train.tokens + (config.data.val === null ? val.tokens : 0);
  const bytes = statSync(config.data.train).size;
  return { kind: config.data.vocab, bytes_per_token: fromTrainFile > 0 ? bytes / fromTrainFile : 0, unknown_tokens: train.unknown + val.unknown };
}

/** validate's line: "tokenizer: bpe, 3.41 bytes per token, 0 unknown tokens". */
export function formatTokenizerFacts(facts: Omit<RunTokenizer, 'sha256'>): string {
  const unknown = facts.unknown_tokens === 1 ? '1 unknown token' : `${facts.unknown_tokens.toLocaleString('en-US')} unknown tokens`;
  return `tokenizer: ${facts.kind}, ${facts.bytes_per_token.toFixed(2)} bytes per token on the training data, ${unknown} (<unk>)`;
}
