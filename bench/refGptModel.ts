/**
 * The reference GPT of the benchmark (the PyTorch anchor of bench/ref_gpt_torch.py): its config, its FLOPs per
 * token, and a Trainer for it on a given backend over fixed random text.
 */
import { parseConfigText } from '../src/config';
import type { Backend } from '../src/engine/backend';
import type { KernelVariant } from '../src/engine/backends/wasm/features';
import { prepareData } from '../src/engine/data/prepare';
import { Rng } from '../src/engine/rng';
import { Trainer } from '../src/engine/train/trainer';

/** Byte vocab 256, d_model 128, 4 layers, 4 heads, context 128, batch 16. */
export const REF_GPT_YAML = `
name: ref-gpt
seed: 0
model: { kind: gpt, d_model: 128, n_layers: 4, n_heads: 4, d_ff: 512, context: 128, dropout: 0, bias: true, tie_embeddings: true, activation: gelu }
data: { train: train.txt, vocab: byte }
optimizer: { name: adamw, lr: 0.0003, weight_decay: 0.1 }
schedule: { decay: constant }
training: { steps: 1000, batch_size: 16, grad_clip: 1.0, eval_interval: 0 }
`;

/** Training FLOPs per token of the reference GPT, counted as the PyTorch script counts them (3 × forward, full T×T attention). */
export const FLOPS_PER_TOKEN = 3 * (2 * (4 * 12 * 128 * 128 + 128 * 256) + 4 * 4 * 128 * 128);

/** Tokens one training step of the reference GPT reads (batch 16 × context 128). */
export const TOKENS_PER_STEP = 16 * 128;

function randomText(length: number): string {
  const rng = new Rng(1);
  return Array.from({ length }, () => String.fromCharCode(32 + Math.floor(rng.uniform() * 95))).join('');
}

/** A Trainer of the reference GPT on `backend`, over 200 k characters of fixed random text. */
export function refGptTrainer(backend: Backend): Trainer {
  const parsed = parseConfigText(REF_GPT_YAML, 'ref-gpt.lab.yaml');
  if (!parsed.config) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  return new Trainer(parsed.config, prepareData(parsed.config, { train: randomText(200_000), val: null }), { backend });
}

/** The --variant option of the benchmarks, checked. */
export function kernelVariant(value: string | undefined): KernelVariant | undefined {
  if (value === undefined || value === 'relaxed' || value === 'plain') return value;
  throw new Error(`unknown kernel variant ${value} (relaxed or plain)`);
}
