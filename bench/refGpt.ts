/**
 * Our side of `npm run bench`, one process per measurement: trains the reference or the mid-size GPT (the same
 * model, batch and optimizer as bench/ref_gpt_torch.py) with the engine's Trainer on a backend; prints one JSON line.
 *   node --import tsx bench/refGpt.ts [--size ref|mid] [--backend wasm|cpu|webgpu] [--steps N] [--warmup N] [--threads N] [--variant relaxed|plain]
 */
import { parseArgs } from 'node:util';
import type { Backend } from '../src/engine/backend';
import { CpuBackend } from '../src/engine/backends/cpu';
import { selectBackend } from '../src/engine/backends/select';
import { WasmBackend, type WasmBackendOptions } from '../src/engine/backends/wasm';
import { WebGpuBackend } from '../src/engine/backends/webgpu';
import { benchModel, flopsPerToken, kernelVariant, refGptTrainer, tokensPerStep } from './refGptModel';

async function createBackend(name: string, options: WasmBackendOptions): Promise<Backend> {
  if (name === 'wasm') return WasmBackend.create(options);
  if (name === 'cpu') return new CpuBackend();
  if (name === 'webgpu') return (await selectBackend('webgpu')).backend;
  throw new Error(`unknown backend ${name} (wasm, cpu or webgpu)`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    backend: { type: 'string', default: 'wasm' }, steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' }, threads: { type: 'string' }, variant: { type: 'string' }, size: { type: 'string' },
  } });
  const model = benchModel(values.size);
  const steps = Number(values.steps), warmup = Number(values.warmup);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const backend = await createBackend(values.backend as string, { threads, variant: kernelVariant(values.variant) });
  const trainer = refGptTrainer(backend, model);
  const losses: number[] = [];
  for (let i = 0; i < warmup; i++) losses.push((await trainer.trainStep()).metrics.loss);
  const poolBefore = backend instanceof WasmBackend ? backend.runtime.poolStats() : null;
  const gpuBefore = backend instanceof WebGpuBackend ? backend.counters : null;
  const start = performance.now();
  const stepMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    losses.push((await trainer.trainStep()).metrics.loss);
    stepMs.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  const poolAfter = backend instanceof WasmBackend ? backend.runtime.poolStats() : null;
  const gpuAfter = backend instanceof WebGpuBackend ? backend.counters : null;
  const tokens = tokensPerStep(model) * steps;
  console.log(JSON.stringify({
    backend: backend.description,
    tokens_per_sec: tokens / seconds,
    ms_per_step: (1000 * seconds) / steps,
    fastest_step_ms: Math.min(...stepMs),
    gflops: (flopsPerToken(model) * tokens) / seconds / 1e9,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    first_loss: losses[0],
    last_loss: losses[losses.length - 1],
    fresh_allocations_in_timed_steps: poolBefore && poolAfter ? poolAfter.freshAllocations - poolBefore.freshAllocations : null,
    pool_bytes: poolAfter?.reservedBytes ?? null,
    gpu_work_per_step: gpuBefore && gpuAfter ? {
      submits: (gpuAfter.submits - gpuBefore.submits) / steps, passes: (gpuAfter.passes - gpuBefore.passes) / steps,
      dispatches: (gpuAfter.dispatches - gpuBefore.dispatches) / steps,
    } : null,
  }));
  if (backend instanceof WasmBackend) await backend.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
