import type { ModelKind } from '../config/types';

// Try Model webview → host.

/** The page is ready for the model's description. */
export interface TryModelReady {
  type: 'Ready';
}

/** Generate (gpt) or translate (encoder-decoder) `prompt` with these sampling settings; temperature 0 is greedy. */
export interface GenerateText {
  type: 'Generate';
  prompt: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  seed: number;
}

export type TryModelToHost = TryModelReady | GenerateText;

// Host → Try Model webview.

/** The model the panel runs, and the sampling defaults for its kind. */
export interface DidLoadModel {
  type: 'DidLoadModel';
  runId: string;
  name: string;
  kind: ModelKind;
  context: number;
  /** Training steps of the weights, or null when unknown. */
  step: number | null;
  /** gpt trained on a stream of text needs a prompt to continue. */
  needsPrompt: boolean;
  defaults: { maxTokens: number; temperature: number; topK: number };
}

/** Text so far (`done` false, while tokens arrive) or the finished generation. */
export interface DidGenerate {
  type: 'DidGenerate';
  text: string;
  tokens: number;
  done: boolean;
  /** Why generation ended (when done): `<eos>`, the token limit, or the decoder's full context. */
  stop: 'eos' | 'max_tokens' | 'context' | null;
  ms: number;
}

/** Loading or generating failed; `message` is for the user. */
export interface DidFailTryModel {
  type: 'DidFail';
  message: string;
}

export type HostToTryModel = DidLoadModel | DidGenerate | DidFailTryModel;

/** The longest prompt the host accepts, in characters. */
export const MAX_PROMPT_CHARS = 4000;
/** The most tokens one request may generate. */
export const MAX_GENERATED_TOKENS = 2000;

const isNumberIn = (value: unknown, min: number, max: number, integer: boolean): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));

/** Validates a message from the Try Model webview: known type, exact keys, bounded values. */
export function validateTryModelMessage(raw: unknown): TryModelToHost | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const m = raw as Record<string, unknown>;
  const keys = Object.keys(m).sort().join(',');
  if (m.type === 'Ready') return keys === 'type' ? { type: 'Ready' } : 'Ready: unexpected keys';
  if (m.type !== 'Generate') return `unknown message type ${JSON.stringify(m.type)?.slice(0, 40) ?? String(m.type)}`;
  if (keys !== 'maxTokens,prompt,seed,temperature,topK,type') return 'Generate: expected exactly prompt, maxTokens, temperature, topK, seed';
  if (typeof m.prompt !== 'string' || m.prompt.length > MAX_PROMPT_CHARS) return `Generate: prompt must be text of at most ${MAX_PROMPT_CHARS} characters`;
  if (!isNumberIn(m.maxTokens, 1, MAX_GENERATED_TOKENS, true)) return `Generate: maxTokens must be a whole number from 1 to ${MAX_GENERATED_TOKENS}`;
  if (!isNumberIn(m.temperature, 0, 100, false)) return 'Generate: temperature must be a number from 0 to 100';
  if (!isNumberIn(m.topK, 0, 1_000_000, true)) return 'Generate: topK must be a whole number ≥ 0';
  if (!isNumberIn(m.seed, 0, 2 ** 31 - 1, true)) return 'Generate: seed must be a whole number ≥ 0';
  return { type: 'Generate', prompt: m.prompt, maxTokens: m.maxTokens, temperature: m.temperature, topK: m.topK, seed: m.seed };
}
