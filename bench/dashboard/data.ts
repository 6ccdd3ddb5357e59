import type { EvalMetrics, StepMetrics } from '../../src/engine/train/metrics';
import type { RunSeries, SchedulePreview } from '../../src/protocol/dashboard';
import type { RunInfo } from '../../src/protocol/runInfo';

/** Steps between evaluations: val_loss is sparse, as in a real run. */
export const EVAL_EVERY = 250;
const BASE_LR = 3e-3;
const GRAD_CLIP = 1;

/** A seeded generator of uniform numbers in [0, 1) (mulberry32): the same runs on every machine. */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Linear warm-up over 2% of the steps, then cosine decay to a tenth: the learning rate of step `step` (1-based). */
function scheduledLr(step: number, steps: number, peak: number): number {
  const warmup = Math.max(1, Math.round(steps * 0.02));
  if (step <= warmup) return (peak * step) / warmup;
  const progress = (step - warmup) / Math.max(1, steps - warmup);
  return peak * (0.1 + 0.45 * (1 + Math.cos(Math.PI * progress)));
}

/** Run `index` of the bench: a decaying noisy loss, sparse val_loss, the schedule's lr, gradient norms with spikes. */
function benchRun(index: number, steps: number): RunSeries {
  const random = uniform(1000 + index);
  const noise = () => random() + random() + random() - 1.5;
  const peak = BASE_LR * (0.5 + index / 10);
  const floor = 0.8 + 0.05 * index;
  const stepMetrics: StepMetrics[] = new Array(steps);
  const evals: EvalMetrics[] = [];
  for (let step = 1; step <= steps; step++) {
    const trend = floor + 3.6 * Math.exp(-step / (steps / 8));
    const gradNorm = 0.3 + 1.5 * Math.exp(-step / (steps / 20)) + 0.1 * Math.abs(noise()) + (random() < 0.002 ? 4 * random() : 0);
    const padFraction = 0.15 + 0.05 * noise();
    const tokens = Math.round(4096 * (1 - padFraction));
    stepMetrics[step - 1] = {
      step, loss: trend + 0.25 * noise(), lr: scheduledLr(step, steps, peak), grad_norm: gradNorm,
      grad_norm_clipped: Math.min(gradNorm, GRAD_CLIP), tokens, pad_fraction: padFraction,
      tokens_per_sec: 12_000 + 800 * noise(), time_ms: step * 340,
    };
    if (step % EVAL_EVERY === 0) evals.push({ step, val_loss: trend + 0.05 + 0.03 * noise() });
  }
  return { info: benchRunInfo(index, steps, stepMetrics[steps - 1], evals[evals.length - 1]), steps: stepMetrics, evals };
}

function benchRunInfo(index: number, steps: number, last: StepMetrics | undefined, lastEval: EvalMetrics | undefined): RunInfo {
  const id = `20261201-${String(100000 + index * 1111).slice(-6)}-${(0xa000 + index).toString(16)}`;
  return {
    id, name: 'bench', config_file: 'bench.lab.yaml', status: 'finished',
    backend: { name: 'wasm', description: 'CPU (WebAssembly SIMD)', reason: 'bench data', adapter: null },
    versions: { losslab: '0.1.0', node: 'v20' }, started_at: '2026-12-01T10:00:00.000Z', finished_at: '2026-12-01T19:26:40.000Z',
    steps_completed: steps, total_steps: steps, parameters: 1_200_000, vocab_size: 256,
    final_loss: last?.loss ?? null, final_val_loss: lastEval?.val_loss ?? null, tokens_per_sec: 12_000, message: null,
  };
}

/** `runs` finished runs of `steps` steps each, oldest first, and evaluations every EVAL_EVERY steps. */
export function benchRuns(runs: number, steps: number): RunSeries[] {
  return Array.from({ length: runs }, (_, index) => benchRun(index, steps));
}

/** The schedule preview the host sends with the runs: the config's lr for every step and its clip threshold. */
export function benchSchedule(steps: number): SchedulePreview {
  return { lrs: Array.from({ length: steps }, (_, i) => scheduledLr(i + 1, steps, BASE_LR)), gradClip: GRAD_CLIP, error: null };
}
