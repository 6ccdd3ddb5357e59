/**
 * `npm run bench`: the reference GPT and the mid-size GPT (10.8 M parameters) trained by our engine and by PyTorch,
 * alternately, in separate processes, and the ratio of their tokens/s (median over the pairs, since this machine is
 * shared and noisy), then both sizes side by side with their share of the measured WebAssembly ceiling.
 *   npm run bench -- [--size ref|mid|both] [--backend wasm|cpu|webgpu] [--pairs N] [--steps N] [--warmup N] [--mid-steps N] [--mid-warmup N]
 * PyTorch is Debian's python3-torch with OpenBLAS (OPENBLAS_NUM_THREADS=1, 2 torch threads, as the reference). The
 * ceiling our GFLOP/s is set against is measured before and after the pairs (bench/peak.ts), and the higher kept.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_MODELS, BENCH_SIZES, flopsPerToken, parameterCount, type BenchModel } from './refGptModel';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.LOSSLAB_PYTHON ?? '/usr/bin/python3';

interface Measurement {
  tokens_per_sec: number;
  ms_per_step: number;
  /** The fastest single step: what the machine's other load disturbs least. */
  fastest_step_ms: number;
  peak_rss_bytes: number;
  gflops?: number;
  backend?: string;
  version?: string;
}

/** What bench/peak.ts measured: the machine's ceilings. */
interface Peak {
  wasm_gflops_per_core: number;
  cores: number;
  clock_ghz: number | null;
  native_isa: string;
  native_gflops: number | null;
}

function measure<T = Measurement>(command: string, args: string[], env: NodeJS.ProcessEnv): T {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 1_800_000 });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    const tail = result.stderr.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${tail}`);
  }
  return JSON.parse(line) as T;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const kTokens = (x: number): string => `${(x / 1000).toFixed(2)} k`;
const describe = (m: Measurement): string => `${kTokens(m.tokens_per_sec)} tokens/s (${m.ms_per_step.toFixed(0)} ms/step, ${mib(m.peak_rss_bytes)})`;
/** The other engineers' work shares these 2 cores: the load says how much the numbers below are disturbed. */
const loadAverage = (): string => loadavg().map((x) => x.toFixed(2)).join(', ');

/** One size's pairs, summarised by their medians. */
interface SizeResult {
  model: BenchModel;
  ourTokens: number;
  torchTokens: number;
  ratio: number;
  fastestRatio: number;
  ourGflops: number;
  torchGflops: number;
  backend: string;
}

const describeModel = (m: BenchModel): string => `d_model ${m.width}, ${m.layers} layers, ${m.heads} heads, context ${m.context}, ` +
  `batch ${m.batch}, byte vocab; ${(parameterCount(m) / 1e6).toFixed(1)} M parameters`;

/** Alternates `pairs` runs of ours and PyTorch's on one size and prints each pair and the medians. */
function benchSize(model: BenchModel, backend: string, pairs: number, steps: string, warmup: string): SizeResult {
  const ours = () => measure(process.execPath, ['--import', 'tsx', join(here, 'refGpt.ts'), '--size', model.size, '--backend', backend,
    '--steps', steps, '--warmup', warmup], {});
  const torch = () => measure(python, [join(here, 'ref_gpt_torch.py'), '--size', model.size, '--threads', '2', '--steps', steps, '--warmup', warmup],
    { OPENBLAS_NUM_THREADS: '1' });
  console.log(`\n${model.size === 'ref' ? 'reference' : 'mid-size'} GPT (${describeModel(model)}), ${steps} timed steps after ${warmup}; ${pairs} pairs`);
  const rows: { ours: Measurement; torch: Measurement }[] = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate which side goes first, so a drift in the machine's load favours neither.
    let pair: { ours: Measurement; torch: Measurement };
    if (i % 2 === 0) {
      const first = ours();
      pair = { ours: first, torch: torch() };
    } else {
      const first = torch();
      pair = { ours: ours(), torch: first };
    }
    rows.push(pair);
    const ratio = pair.ours.tokens_per_sec / pair.torch.tokens_per_sec;
    console.log(`pair ${i + 1}: ours ${describe(pair.ours)}, PyTorch ${describe(pair.torch)}, ratio ${ratio.toFixed(2)}×`);
  }
  const result: SizeResult = {
    model,
    ourTokens: median(rows.map((r) => r.ours.tokens_per_sec)),
    torchTokens: median(rows.map((r) => r.torch.tokens_per_sec)),
    ratio: median(rows.map((r) => r.ours.tokens_per_sec / r.torch.tokens_per_sec)),
    fastestRatio: median(rows.map((r) => r.torch.fastest_step_ms / r.ours.fastest_step_ms)),
    ourGflops: median(rows.map((r) => r.ours.gflops ?? 0)),
    torchGflops: median(rows.map((r) => (r.torch.tokens_per_sec * flopsPerToken(model)) / 1e9)),
    backend: rows[0].ours.backend ?? backend,
  };
  const ourRss = Math.max(...rows.map((r) => r.ours.peak_rss_bytes));
  const torchRss = Math.max(...rows.map((r) => r.torch.peak_rss_bytes));
  console.log(`ours:    ${result.backend}: ${kTokens(result.ourTokens)} tokens/s (median), peak RSS ${mib(ourRss)}`);
  console.log(`PyTorch: ${rows[0].torch.version}, 2 threads: ${kTokens(result.torchTokens)} tokens/s (median), peak RSS ${mib(torchRss)}`);
  console.log(`ratio (median of ${pairs} pairs): ${result.ratio.toFixed(2)}× PyTorch's tokens/s; peak RSS ${(ourRss / torchRss).toFixed(2)}× PyTorch's`);
  console.log(`fastest step against fastest step (median of ${pairs} pairs; less disturbed by other load): ${result.fastestRatio.toFixed(2)}× ` +
    `(ours ${median(rows.map((r) => r.ours.fastest_step_ms)).toFixed(0)} ms, PyTorch ${median(rows.map((r) => r.torch.fastest_step_ms)).toFixed(0)} ms)`);
  return result;
}

function main(): void {
  const { values } = parseArgs({ options: {
    backend: { type: 'string', default: 'wasm' }, pairs: { type: 'string', default: '3' }, size: { type: 'string', default: 'both' },
    steps: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' },
    'mid-steps': { type: 'string', default: '4' }, 'mid-warmup': { type: 'string', default: '1' },
  } });
  const size = values.size as string;
  if (size !== 'both' && !(BENCH_SIZES as readonly string[]).includes(size)) throw new Error(`--size ${size}: expected ref, mid or both`);
  const sizes = BENCH_SIZES.filter((s) => size === 'both' || s === size);
  const pairs = Math.max(1, Number(values.pairs));
  const backend = values.backend as string;
  console.log(`machine load average before: ${loadAverage()}`);
  const probe = (when: string): Peak => {
    const measured = measure<Peak>(process.execPath, ['--import', 'tsx', join(here, 'peak.ts')], {});
    console.log(`machine ceiling, measured ${when} (bench/peak.ts): one core runs the wasm GEMM at ` +
      `${measured.wasm_gflops_per_core.toFixed(1)} GFLOP/s` + (measured.clock_ghz === null ? '' : ` (≈ ${measured.clock_ghz.toFixed(2)} GHz ` +
      `at 2 FMA × 4 lanes per cycle); native ${measured.native_isa} fp32 on ${measured.cores} cores ≈ ` +
      `${(measured.native_gflops ?? 0).toFixed(0)} GFLOP/s`));
    return measured;
  };
  const before = probe('before');
  const results = sizes.map((s) => s === 'ref'
    ? benchSize(BENCH_MODELS.ref, backend, pairs, String(values.steps), String(values.warmup))
    : benchSize(BENCH_MODELS.mid, backend, pairs, String(values['mid-steps']), String(values['mid-warmup'])));
  console.log(`\nmachine load average after: ${loadAverage()}`);
  // Other load only lowers a probe: the higher of the two is the ceiling.
  const after = probe('after');
  const peak = after.wasm_gflops_per_core > before.wasm_gflops_per_core ? after : before;
  const wasmCeiling = peak.wasm_gflops_per_core * peak.cores;
  console.log(`\nboth sizes; the ceiling is the wasm GEMM's ≈ ${wasmCeiling.toFixed(0)} GFLOP/s on ${peak.cores} cores` +
    (peak.native_gflops === null ? '' : ` (native ${peak.native_isa} ≈ ${peak.native_gflops.toFixed(0)}, which WebAssembly's 128-bit SIMD cannot reach)`));
  const header = ['size', 'parameters', 'ours tokens/s', 'PyTorch tokens/s', 'ratio', 'fastest-step ratio', 'ours GFLOP/s', '% of wasm ceiling', 'PyTorch % of it'];
  const cells = results.map((r) => [
    r.model.size, `${(parameterCount(r.model) / 1e6).toFixed(1)} M`, kTokens(r.ourTokens), kTokens(r.torchTokens), `${r.ratio.toFixed(2)}×`,
    `${r.fastestRatio.toFixed(2)}×`, r.ourGflops.toFixed(1), `${((100 * r.ourGflops) / wasmCeiling).toFixed(0)} %`,
    `${((100 * r.torchGflops) / wasmCeiling).toFixed(0)} %`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const line of [header, ...cells]) console.log(line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
}

main();
