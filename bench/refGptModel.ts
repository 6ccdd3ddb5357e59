/**
 * The GPTs of the benchmark (the PyTorch anchor of bench/ref_gpt_torch.py), the reference GPT and the mid-size one:
 * their configs, FLOPs per token, and a Trainer for each on a given backend over fixed random text.
 */
import { parseConfigText } from '../src/config';
import type { Backend } from '../src/engine/backend';
import type { KernelVariant } from '../src/engine/backends/wasm/features';
import { prepareData } from '../src/engine/data/prepare';
import { Rng } from '../src/engine/rng';
import { Trainer } from '../src/engine/train/trainer';

/** A GPT the benchmark trains: byte vocabulary (256), d_ff 4 × width, AdamW, batch × context tokens per step. */
export interface BenchModel {
  /** `ref` (the reference GPT) or `mid` (the mid-size GPT, nanoGPT shakespeare-char's shape). */
  size: BenchSize;
  width: number;
  layers: number;
  heads: number;
  context: number;
  batch: number;
}

export const BENCH_SIZES = ['ref', 'mid'] as const;
export type BenchSize = (typeof BENCH_SIZES)[number];

/** The two sizes; bench/ref_gpt_torch.py --size builds the same ones. */
export const BENCH_MODELS: Readonly<Record<BenchSize, BenchModel>> = {
  ref: { size: 'ref', width: 128, layers: 4, heads: 4, context: 128, batch: 16 },
  mid: { size: 'mid', width: 384, layers: 6, heads: 6, context: 256, batch: 8 },
};

const VOCAB = 256;

/** The config of a bench model (the reference GPT: d_model 128, 4 layers, 4 heads, context 128, batch 16). */
export function benchYaml(m: BenchModel): string {
  return `
name: ${m.size}-gpt
seed: 0
model: { kind: gpt, d_model: ${m.width}, n_layers: ${m.layers}, n_heads: ${m.heads}, d_ff: ${4 * m.width}, context: ${m.context}, dropout: 0, bias: true, tie_embeddings: true, activation: gelu }
data: { train: train.txt, vocab: byte }
optimizer: { name: adamw, lr: 0.0003, weight_decay: 0.1 }
schedule: { decay: constant }
training: { steps: 1000, batch_size: ${m.batch}, grad_clip: 1.0, eval_interval: 0 }
`;
}

/** Training FLOPs per token, counted as the PyTorch script counts them (3 × forward, full T×T attention). */
export function flopsPerToken(m: BenchModel): number {
  return 3 * (2 * (m.layers * 12 * m.width * m.width + m.width * VOCAB) + m.layers * 4 * m.context * m.width);
}

/** Parameters of a bench model (tied embeddings, biases, layer norms). */
export function parameterCount(m: BenchModel): number {
  const c = m.width;
  return VOCAB * c + m.context * c + m.layers * (12 * c * c + 13 * c) + 2 * c;
}

/** Tokens one training step reads (batch × context). */
export function tokensPerStep(m: BenchModel): number {
  return m.batch * m.context;
}

/** The --size option of the benchmarks, checked. */
export function benchModel(size: string | undefined): BenchModel {
  if (size === undefined) return BENCH_MODELS.ref;
  if ((BENCH_SIZES as readonly string[]).includes(size)) return BENCH_MODELS[size as BenchSize];
  throw new Error(`unknown size ${size} (${BENCH_SIZES.join(' or ')})`);
}

function randomText(length: number): string {
  const rng = new Rng(1);
  return Array.from({ length }, () => String.fromCharCode(32 + Math.floor(rng.uniform() * 95))).join('');
}

/** A Trainer of a bench model (the reference GPT by default) on `backend`, over 200 k characters of fixed random text. */
export function refGptTrainer(backend: Backend, model: BenchModel = BENCH_MODELS.ref): Trainer {
  const parsed = parseConfigText(benchYaml(model), `${model.size}-gpt.lab.yaml`);
  if (!parsed.config) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  return new Trainer(parsed.config, prepareData(parsed.config, { train: randomText(200_000), val: null }), { backend });
}

/** The --variant option of the benchmarks, checked. */
export function kernelVariant(value: string | undefined): KernelVariant | undefined {
  if (value === undefined || value === 'relaxed' || value === 'plain') return value;
  throw new Error(`unknown kernel variant ${value} (relaxed or plain)`);
}
