import { SPECIAL_TOKENS } from '../specials';

/** Unicode White_Space, what `\s` means to Hugging Face's regex engine (Oniguruma); JavaScript's `\s` lacks U+0085 and adds U+FEFF. */
const SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/**
 * GPT-2's pre-tokenizer pattern as Hugging Face's ByteLevel pre-tokenizer applies it: contractions, letters, numbers
 * and other symbols (each with at most one leading space), then whitespace runs. A piece never spans a '\n' followed
 * by a non-space character, so text cut there encodes to the same ids as the whole.
 */
export const GPT2_PATTERN = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${SPACE}\\p{L}\\p{N}]+|[${SPACE}]+(?![^${SPACE}])|[${SPACE}]+`;

/** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others map to U+0100 onwards. */
function byteAlphabet(): string[] {
  const chars: string[] = new Array<string>(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    chars[byte] = String.fromCharCode(printable ? byte : next++);
  }
  return chars;
}

/** The character that stands for each byte in a byte-level token ('Ġ' for a space). */
export const BYTE_CHARS: readonly string[] = byteAlphabet();
const CHAR_BYTES = new Map(BYTE_CHARS.map((char, byte) => [char, byte]));

/** The UTF-8 bytes a byte-level token stands for; null when it holds a character outside the byte alphabet. */
export function byteCharsToBytes(token: string): number[] | null {
  const bytes: number[] = [];
  for (const char of token) {
    const byte = CHAR_BYTES.get(char);
    if (byte === undefined) return null;
    bytes.push(byte);
  }
  return bytes;
}

/** The pieces GPT-2's pattern cuts a text into (no specials handled here). */
export function preTokenize(text: string): string[] {
  return text.match(new RegExp(GPT2_PATTERN, 'gu')) ?? [];
}

/**
 * Splits text around literal special tokens, as Hugging Face tokenizers do for added tokens: the result alternates
 * plain text and special ids, e.g. "a<eos>b" → ["a", 2, "b"]. Empty text parts are left out.
 */
export function splitSpecials(text: string, specials: ReadonlyMap<string, number> = DEFAULT_SPECIALS): Array<string | number> {
  const parts: Array<string | number> = [];
  const pattern = specialPattern(specials);
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(specials.get(match[0]) as number);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

const DEFAULT_SPECIALS: ReadonlyMap<string, number> = new Map(SPECIAL_TOKENS.map((token, id) => [token, id]));
const patterns = new WeakMap<ReadonlyMap<string, number>, RegExp>();

function specialPattern(specials: ReadonlyMap<string, number>): RegExp {
  let pattern = patterns.get(specials);
  if (!pattern) {
    // Longest first, so that one special that starts another never cuts it short.
    const alternatives = [...specials.keys()].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    pattern = new RegExp(alternatives.join('|'), 'g');
    patterns.set(specials, pattern);
  }
  return pattern;
}
