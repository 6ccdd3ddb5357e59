/**
 * Where a training step of the reference GPT goes, kernel by kernel, in the real step (not in isolation as
 * bench/kernels.ts): every kernel of the wasm backend is wrapped in a timer (calls are synchronous, the worker
 * threads included), and what no kernel accounts for is the graph and optimizer code around them.
 * With --tasks the rows are the wasm module's tasks instead (packing apart from the GEMM it feeds, by M×N×K).
 *   node --import tsx bench/profile.ts [--steps N] [--warmup N] [--threads N] [--variant relaxed|plain] [--tasks]
 */
import { parseArgs } from 'node:util';
import type { Kernels } from '../src/engine/backend';
import { WasmBackend } from '../src/engine/backends/wasm';
import { kernelVariant, refGptTrainer } from './refGptModel';

type KernelFunction = (...args: unknown[]) => void;

/** A row name for one call: the kernel, with the shape that tells its calls apart where one kernel has several. */
function rowName(name: string, args: unknown[]): string {
  const shape = args.find((arg): arg is Record<string, unknown> => typeof arg === 'object' && arg !== null && 'I' in arg);
  if (name.startsWith('linear') && shape) return `${name} ${String(shape.I)}→${String(shape.O)}`;
  if (name.startsWith('activation')) return `${name} ${String(args[0])}`;
  return name;
}

/** Times every task the kernels post to the wasm module; GEMM rows carry their M×N×K. */
function timeTasks(backend: WasmBackend, totals: Map<string, number>): void {
  const runtime = backend.runtime;
  const call = runtime.call.bind(runtime);
  runtime.call = (task, ints, floats, parallel) => {
    const start = performance.now();
    call(task, ints, floats, parallel);
    const shape = task === 'GEMM' ? ints.slice(2, 5) : task === 'GEMM_PACK' ? ints.slice(6, 9) : [];
    const row = shape.length > 0 ? `${task} ${shape.join('×')}` : task;
    totals.set(row, (totals.get(row) ?? 0) + performance.now() - start);
  };
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
    variant: { type: 'string' }, tasks: { type: 'boolean', default: false },
  } });
  const steps = Number(values.steps), warmup = Number(values.warmup);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const backend = await WasmBackend.create({ threads, variant: kernelVariant(values.variant) });
  const totals = new Map<string, number>();
  if (values.tasks) timeTasks(backend, totals);
  else timeKernels(backend, totals);
  const trainer = refGptTrainer(backend);
  for (let i = 0; i < warmup; i++) await trainer.trainStep();
  totals.clear();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await trainer.trainStep();
  const stepMs = (performance.now() - start) / steps;
  const inKernels = [...totals.values()].reduce((a, b) => a + b, 0) / steps;
  console.log(`${backend.description}: ${stepMs.toFixed(1)} ms per step (mean of ${steps})`);
  const rows = [...totals.entries()].map(([name, ms]) => [name, ms / steps] as const);
  rows.push([`(outside the ${values.tasks ? 'tasks' : 'kernels'}: graph, optimizer and trainer code)`, stepMs - inKernels]);
  for (const [name, ms] of rows.sort((a, b) => b[1] - a[1])) {
    console.log(`${name.padEnd(56)} ${ms.toFixed(2).padStart(7)} ms ${((100 * ms) / stepMs).toFixed(1).padStart(5)} %`);
  }
  await backend.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
