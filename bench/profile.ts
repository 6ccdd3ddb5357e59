/**
 * Where a training step of the reference GPT goes, kernel by kernel, in the real step (not in isolation as
 * bench/kernels.ts): every kernel of the wasm backend is wrapped in a timer (calls are synchronous, the worker
 * threads included), and what no kernel accounts for is the graph and optimizer code around them.
 *   node --import tsx bench/profile.ts [--steps N] [--warmup N] [--threads N] [--variant relaxed|plain]
 */
import { parseArgs } from 'node:util';
import type { Kernels } from '../src/engine/backend';
import { WasmBackend } from '../src/engine/backends/wasm';
import { kernelVariant, refGptTrainer } from './refGptModel';

type KernelFunction = (...args: unknown[]) => void;

/** A row name for one call: the kernel, with the shape that tells its calls apart where one kernel has several. */
function rowName(name: string, args: unknown[]): string {
  const shape = args[args.length - 1] as Record<string, unknown> | number;
  if (name.startsWith('linear') && typeof shape === 'object') return `${name} ${String(shape.I)}→${String(shape.O)}`;
  if (name.startsWith('activation')) return `${name} ${String(args[0])}`;
  return name;
}

/** Replaces each kernel by one that adds its milliseconds to `totals`. */
function timeKernels(backend: WasmBackend, totals: Map<string, number>): void {
  const kernels = backend.kernels as unknown as Record<string, KernelFunction>;
  const timed: Record<string, KernelFunction> = {};
  for (const [name, kernel] of Object.entries(kernels)) {
    timed[name] = (...args: unknown[]) => {
      const start = performance.now();
      kernel(...args);
      const row = rowName(name, args);
      totals.set(row, (totals.get(row) ?? 0) + performance.now() - start);
    };
  }
  Object.defineProperty(backend, 'kernels', { value: timed as unknown as Kernels });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    steps: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' }, threads: { type: 'string' },
    variant: { type: 'string' },
  } });
  const steps = Number(values.steps), warmup = Number(values.warmup);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const backend = await WasmBackend.create({ threads, variant: kernelVariant(values.variant) });
  const totals = new Map<string, number>();
  timeKernels(backend, totals);
  const trainer = refGptTrainer(backend);
  for (let i = 0; i < warmup; i++) await trainer.trainStep();
  totals.clear();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await trainer.trainStep();
  const stepMs = (performance.now() - start) / steps;
  const inKernels = [...totals.values()].reduce((a, b) => a + b, 0) / steps;
  console.log(`${backend.description}: ${stepMs.toFixed(1)} ms per step (mean of ${steps})`);
  const rows = [...totals.entries()].map(([name, ms]) => [name, ms / steps] as const);
  rows.push(['(outside the kernels: graph, optimizer and trainer code)', stepMs - inKernels]);
  for (const [name, ms] of rows.sort((a, b) => b[1] - a[1])) {
    console.log(`${name.padEnd(56)} ${ms.toFixed(2).padStart(7)} ms ${((100 * ms) / stepMs).toFixed(1).padStart(5)} %`);
  }
  await backend.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
