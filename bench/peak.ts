/**
 * The ceiling `npm run bench` compares our throughput with, measured instead of assumed: the wasm GEMM's best rate
 * on one core (the register-tiled kernel on a product that stays in L2), then from it the core's clock (with FMA,
 * 128-bit SIMD does 2 pipes × 4 lanes × 2 flops per cycle) and the native fp32 ceiling at the CPU's own vector
 * width (AVX-512: 16 lanes, AVX2: 8, otherwise 4). Prints one JSON line.
 *   node --import tsx bench/peak.ts [--variant relaxed|plain]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { WasmBackend } from '../src/engine/backends/wasm';
import { Rng } from '../src/engine/rng';
import { kernelVariant } from './refGptModel';

/** Rows, inputs and outputs of the probe: A 384 KiB, B 128 KiB, C 768 KiB; packing is < 1 % of its work. */
const N = 768, I = 128, O = 256;
const FLOPS_PER_CYCLE_128_BIT_FMA = 2 * 4 * 2;

/** fp32 lanes of the CPU's widest vector unit, from /proc/cpuinfo (4 where it cannot be read). */
function nativeLanes(): { lanes: number; isa: string } {
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  } catch {
    return { lanes: 4, isa: 'unknown' };
  }
  const has = (flag: string): boolean => flags.split(/\s+/).includes(flag);
  if (has('avx512f')) return { lanes: 16, isa: 'AVX-512' };
  if (has('avx2') && has('fma')) return { lanes: 8, isa: 'AVX2' };
  return { lanes: 4, isa: 'SSE' };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { variant: { type: 'string' } } });
  const backend = await WasmBackend.create({ threads: 1, variant: kernelVariant(values.variant) });
  const rng = new Rng(3);
  const upload = (n: number) => backend.upload(Float32Array.from({ length: n }, () => rng.normal()));
  const x = upload(N * I), w = upload(O * I), y = upload(N * O);
  const run = () => backend.kernels.linearForward(x, w, null, y, { N, I, O });
  let best = Infinity;
  for (let batch = 0; batch < 12; batch++) {
    const start = performance.now();
    for (let i = 0; i < 20; i++) run();
    best = Math.min(best, (performance.now() - start) / 20);
  }
  await backend.dispose();
  const perCore = (2 * N * I * O) / (best / 1000) / 1e9;
  const fma = backend.runtime.variant === 'relaxed';
  const clockGHz = fma ? perCore / FLOPS_PER_CYCLE_128_BIT_FMA : null;
  const { lanes, isa } = nativeLanes();
  const cores = availableParallelism();
  console.log(JSON.stringify({
    wasm_gflops_per_core: perCore,
    cores,
    clock_ghz: clockGHz,
    native_isa: isa,
    native_gflops: clockGHz === null ? null : cores * clockGHz * 2 * lanes * 2,
  }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
