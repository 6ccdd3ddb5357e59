import { FIRST_SYMBOL_ID, SPECIAL_TOKENS } from '../specials';
import { BYTE_CHARS, byteCharsToBytes } from './byteLevel';
import type { BpeModel } from './train';

/** Extra special tokens after the model's own tokens (GPT-2's `<|endoftext|>`), by token text. */
export type ExtraSpecials = ReadonlyArray<{ content: string; id: number }>;

const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };

/**
 * A Hugging Face `tokenizers` tokenizer.json for a byte-level BPE: our specials as added tokens at ids 0–3, GPT-2's
 * ByteLevel pre-tokenizer and decoder, merges as "left right" strings (the form every loader reads).
 */
export function tokenizerJson(model: BpeModel, extraSpecials: ExtraSpecials = []): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((token, id) => (vocab[token] = id));
  model.tokens.forEach((token, i) => (vocab[token] = i + FIRST_SYMBOL_ID));
  const specials = [...SPECIAL_TOKENS.map((content, id) => ({ content, id })), ...extraSpecials];
  for (const { content, id } of extraSpecials) vocab[content] = id;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map(({ content, id }) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: model.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** Thrown for a tokenizer.json that is not a byte-level BPE as Loss Lab writes it; the message says what is wrong. */
export class TokenizerJsonError extends Error {
  override readonly name = 'TokenizerJsonError';
}

function fail(message: string): never {
  throw new TokenizerJsonError(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads back what `tokenizerJson` wrote: the tokens after the specials (ids 4…, gap-free) and the merges, checking that
 * each merge joins two known tokens into a known token and that ids 0–3 are the specials.
 */
export function parseTokenizerJson(json: unknown): { model: BpeModel; extraSpecials: ExtraSpecials } {
  if (!isObject(json) || !isObject(json.model)) fail('expected an object with a "model" (a Hugging Face tokenizer.json)');
  const { model } = json;
  if (model.type !== 'BPE') fail(`model.type is ${JSON.stringify(model.type)}: expected "BPE"`);
  if (!isObject(json.pre_tokenizer) || json.pre_tokenizer.type !== 'ByteLevel') fail('pre_tokenizer must be ByteLevel (GPT-2 style byte-level BPE)');
  const vocab = model.vocab;
  if (!isObject(vocab)) fail('model.vocab must be an object of token → id');
  if (!Array.isArray(model.merges)) fail('model.merges must be an array');
  const size = Object.keys(vocab).length;
  const byId: string[] = new Array<string>(size);
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= size || byId[id as number] !== undefined) {
      fail(`model.vocab gives ${JSON.stringify(token)} the id ${JSON.stringify(id)}: expected each id 0–${size - 1} exactly once`);
    }
    byId[id as number] = token;
  }
  SPECIAL_TOKENS.forEach((token, id) => byId[id] !== token && fail(`id ${id} is ${JSON.stringify(byId[id])}: expected ${token}`));
  BYTE_CHARS.forEach((char, byte) => byId[byte + FIRST_SYMBOL_ID] !== char && fail(`id ${byte + FIRST_SYMBOL_ID} must be the byte ${byte} (${JSON.stringify(char)})`));
  const added = Array.isArray(json.added_tokens) ? json.added_tokens : [];
  const extraSpecials = added.filter((t): t is { content: string; id: number } => isObject(t) && typeof t.content === 'string' && typeof t.id === 'number' && t.id >= FIRST_SYMBOL_ID);
  const extraIds = new Set(extraSpecials.map((t) => t.id));
  const tokens = byId.slice(FIRST_SYMBOL_ID);
  tokens.forEach((token, i) => extraIds.has(i + FIRST_SYMBOL_ID) || byteCharsToBytes(token) !== null || fail(`token ${JSON.stringify(token)} is not made of byte-level characters`));
  const merges = model.merges.map((merge, rank): [string, string] => {
    const pair = typeof merge === 'string' ? merge.split(' ') : merge;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((p) => typeof p === 'string')) fail(`merge ${rank} is ${JSON.stringify(merge)}: expected "left right"`);
    const [left, right] = pair as [string, string];
    if (!(left in vocab) || !(right in vocab) || !(left + right in vocab)) fail(`merge ${rank} (${left} ${right}) joins tokens that are not in model.vocab`);
    return [left, right];
  });
  return { model: { tokens, merges }, extraSpecials };
}
