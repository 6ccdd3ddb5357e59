import { MAX_GENERATED_TOKENS, type HostToTryModel } from '../../src/protocol/tryModel';

/** The numbers a Generate carries. */
export interface SamplingSettings {
  maxTokens: number;
  temperature: number;
  topK: number;
  seed: number;
}

/**
 * Reads the texts of the panel's controls into a Generate's settings (greedy = temperature 0), or says which one is
 * wrong. Texts are parsed strictly: a field left empty or holding "abc" is an error, not 0.
 */
export function parseSettings(texts: { maxTokens: string; temperature: string; topK: string; seed: string; greedy: boolean }): SamplingSettings | string {
  const number = (text: string) => (text.trim() === '' ? NaN : Number(text));
  const maxTokens = number(texts.maxTokens);
  const temperature = number(texts.temperature);
  const topK = number(texts.topK);
  const seed = number(texts.seed);
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_GENERATED_TOKENS) return `Max tokens: a whole number from 1 to ${MAX_GENERATED_TOKENS}`;
  if (!texts.greedy && !(temperature > 0 && temperature <= 100)) return 'Temperature: a number above 0 (or tick Greedy)';
  if (!Number.isInteger(topK) || topK < 0) return 'Top-k: a whole number ≥ 0 (0 = all tokens)';
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) return 'Seed: a whole number ≥ 0';
  return { maxTokens, temperature: texts.greedy ? 0 : temperature, topK, seed };
}

const STOPS = new Set(['eos', 'max_tokens', 'context', null]);

/** Checks a message from the host (our own code: guards the shapes the page relies on). */
export function validateHostMessage(raw: unknown): HostToTryModel | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'DidLoadModel':
      return typeof m.name === 'string' && typeof m.runId === 'string' && (m.kind === 'gpt' || m.kind === 'encoder-decoder')
        && typeof m.context === 'number' && typeof m.defaults === 'object' && m.defaults !== null ? (m as unknown as HostToTryModel) : 'DidLoadModel: malformed';
    case 'DidGenerate':
      return typeof m.text === 'string' && typeof m.tokens === 'number' && typeof m.done === 'boolean' && STOPS.has(m.stop as string | null)
        ? (m as unknown as HostToTryModel) : 'DidGenerate: malformed';
    case 'DidFail':
      return typeof m.message === 'string' ? (m as unknown as HostToTryModel) : 'DidFail: malformed';
    default:
      return `unknown message type ${String(m.type).slice(0, 40)}`;
  }
}
