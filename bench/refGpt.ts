/**
 * Our side of `npm run bench`, one process per measurement: trains the reference GPT (the same model, batch and
 * optimizer as bench/ref_gpt_torch.py) with the engine's Trainer on a backend and prints one JSON line.
 *   node --import tsx bench/refGpt.ts [--backend wasm|cpu|webgpu] [--steps N] [--warmup N] [--threads N]
 */
import { parseArgs } from 'node:util';
import { parseConfigText } from '../src/config';
import type { Backend } from '../src/engine/backend';
import { CpuBackend } from '../src/engine/backends/cpu';
import { selectBackend } from '../src/engine/backends/select';
import { WasmBackend } from '../src/engine/backends/wasm';
import { prepareData } from '../src/engine/data/prepare';
import { Rng } from '../src/engine/rng';
import { Trainer } from '../src/engine/train/trainer';

/** The reference workload (the PyTorch anchor of bench/ref_gpt_torch.py): byte vocab 256, d_model 128, 4 layers, 4 heads, context 128, batch 16. */
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

async function createBackend(name: string, threads: number | undefined): Promise<Backend> {
  if (name === 'wasm') return WasmBackend.create({ threads });
  if (name === 'cpu') return new CpuBackend();
  if (name === 'webgpu') return (await selectBackend('webgpu')).backend;
  throw new Error(`unknown backend ${name} (wasm, cpu or webgpu)`);
}

function randomText(length: number): string {
  const rng = new Rng(1);
  return Array.from({ length }, () => String.fromCharCode(32 + Math.floor(rng.uniform() * 95))).join('');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    backend: { type: 'string', default: 'wasm' }, steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' }, threads: { type: 'string' },
  } });
  const steps = Number(values.steps), warmup = Number(values.warmup);
  const parsed = parseConfigText(REF_GPT_YAML, 'ref-gpt.lab.yaml');
  if (!parsed.config) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  const config = parsed.config;
  const backend = await createBackend(values.backend as string, values.threads === undefined ? undefined : Number(values.threads));
  const trainer = new Trainer(config, prepareData(config, { train: randomText(200_000), val: null }), { backend });
  const losses: number[] = [];
  for (let i = 0; i < warmup; i++) losses.push((await trainer.trainStep()).metrics.loss);
  const poolBefore = backend instanceof WasmBackend ? backend.runtime.poolStats() : null;
  const start = performance.now();
  const stepMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    losses.push((await trainer.trainStep()).metrics.loss);
    stepMs.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  const poolAfter = backend instanceof WasmBackend ? backend.runtime.poolStats() : null;
  const tokens = config.training.batch_size * config.model.context * steps;
  console.log(JSON.stringify({
    backend: backend.description,
    tokens_per_sec: tokens / seconds,
    ms_per_step: (1000 * seconds) / steps,
    fastest_step_ms: Math.min(...stepMs),
    gflops: (FLOPS_PER_TOKEN * tokens) / seconds / 1e9,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    first_loss: losses[0],
    last_loss: losses[losses.length - 1],
    fresh_allocations_in_timed_steps: poolBefore && poolAfter ? poolAfter.freshAllocations - poolBefore.freshAllocations : null,
    pool_bytes: poolAfter?.reservedBytes ?? null,
  }));
  if (backend instanceof WasmBackend) await backend.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
