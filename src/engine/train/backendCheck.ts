import type { LabConfig } from '../../config/types';
import type { Backend } from '../backend';
import { CpuBackend } from '../backends/cpu';
import { WasmBackend } from '../backends/wasm';
import { PARITY_TOLERANCE, probeBackend, relativeError } from '../backends/wasm/probe';
import { WebGpuBackend, acquireWebGpu } from '../backends/webgpu';
import type { PreparedData } from '../data/prepare';
import { Trainer } from './trainer';

/** The backends `losslab check` knows, in the order it runs them; the reference comes first, as the anchor. */
export const CHECKED_BACKENDS = ['cpu-reference', 'cpu', 'webgpu'] as const;
export type CheckedBackend = (typeof CHECKED_BACKENDS)[number];

/** What a WebGPU backend issued per training step (after the first, which compiles pipelines and fills the pools). */
export interface GpuWorkPerStep {
  submits: number;
  passes: number;
  dispatches: number;
}

/** One backend's row of the check. */
export interface BackendCheckRow {
  backend: CheckedBackend;
  /** `reference`: the anchor; `unavailable`: it cannot run here (`reason` says why), which is not a failure. */
  status: 'reference' | 'agrees' | 'disagrees' | 'unavailable';
  description: string | null;
  reason: string | null;
  /** The small probe step `backend: auto` runs before trusting a backend: null when it passed. */
  selfTestProblem: string | null;
  losses: number[];
  lossMaxAbsDiff: number | null;
  /** Largest loss difference relative to the reference's largest loss. */
  lossRelDiff: number | null;
  paramMaxAbsDiff: number | null;
  /** Largest parameter difference after the last step, relative to the reference's largest parameter. */
  paramRelDiff: number | null;
  /** Tokens per second over the steps after the first (the only step when there is one). */
  tokensPerSec: number | null;
  gpuWork: GpuWorkPerStep | null;
}

/** The relative difference of losses and parameters allowed by default: the one `auto`'s probe step allows. */
export const DEFAULT_CHECK_TOLERANCE = PARITY_TOLERANCE;

interface StepsRun {
  losses: number[];
  params: Map<string, Float32Array>;
  tokensPerSec: number;
  gpuWork: GpuWorkPerStep | null;
}

/** Trains `steps` steps of the config from its seed on `backend`; returns the losses, final weights and speed. */
async function runSteps(config: LabConfig, data: PreparedData, backend: Backend, steps: number): Promise<StepsRun> {
  const trainer = new Trainer(config, data, { backend });
  const losses: number[] = [];
  let tokens = 0, ms = 0;
  let before: GpuWorkPerStep | null = null;
  for (let step = 1; step <= steps; step++) {
    if (step === 2 && backend instanceof WebGpuBackend) before = { ...backend.counters };
    const start = performance.now();
    const { metrics } = await trainer.trainStep();
    losses.push(metrics.loss);
    if (step > 1 || steps === 1) {
      tokens += metrics.tokens;
      ms += performance.now() - start;
    }
  }
  let gpuWork: GpuWorkPerStep | null = null;
  if (backend instanceof WebGpuBackend && before) {
    const after = backend.counters, timed = steps - 1;
    gpuWork = { submits: (after.submits - before.submits) / timed, passes: (after.passes - before.passes) / timed, dispatches: (after.dispatches - before.dispatches) / timed };
  }
  const weights = await trainer.weights();
  const params = new Map([...weights].map(([name, t]) => [name, t.data]));
  return { losses, params, tokensPerSec: tokens / Math.max(1e-9, ms / 1000), gpuWork };
}

/** A backend of that name, or why it cannot run here. */
async function open(name: CheckedBackend): Promise<{ backend: Backend } | { reason: string }> {
  if (name === 'cpu-reference') return { backend: new CpuBackend() };
  if (name === 'cpu') {
    try {
      return { backend: await WasmBackend.create() };
    } catch (error) {
      return { reason: `the WebAssembly kernels cannot run here: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const gpu = await acquireWebGpu({ allowFallback: true });
  return gpu.backend ? { backend: gpu.backend } : { reason: gpu.reason };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return Number.isFinite(worst) ? worst : Infinity;
}

/** Every parameter laid end to end, in the reference's name order. */
function flatten(params: Map<string, Float32Array>, order: readonly string[]): Float32Array {
  const out = new Float32Array(order.reduce((n, name) => n + (params.get(name)?.length ?? 0), 0));
  let at = 0;
  for (const name of order) {
    const values = params.get(name) as Float32Array;
    out.set(values, at);
    at += values.length;
  }
  return out;
}

/**
 * `losslab check`: runs `steps` training steps of the config on the CPU reference and on each other backend that
 * can run here, and compares losses and final parameters with the reference's, relative to their largest value;
 * each also runs `auto`'s probe step.
 */
export async function checkBackends(
  config: LabConfig, data: PreparedData, steps: number, names: readonly CheckedBackend[], tolerance = DEFAULT_CHECK_TOLERANCE,
): Promise<BackendCheckRow[]> {
  const referenceBackend = new CpuBackend();
  const reference = await runSteps(config, data, referenceBackend, steps);
  const order = [...reference.params.keys()];
  const referenceParams = flatten(reference.params, order);
  const rows: BackendCheckRow[] = [];
  for (const name of CHECKED_BACKENDS.filter((n) => names.includes(n))) {
    const empty = { lossMaxAbsDiff: null, lossRelDiff: null, paramMaxAbsDiff: null, paramRelDiff: null, gpuWork: null, selfTestProblem: null };
    if (name === 'cpu-reference') {
      rows.push({ ...empty, backend: name, status: 'reference', description: referenceBackend.description, reason: null, losses: reference.losses, tokensPerSec: reference.tokensPerSec });
      continue;
    }
    const opened = await open(name);
    if (!('backend' in opened)) {
      rows.push({ ...empty, backend: name, status: 'unavailable', description: null, reason: opened.reason, losses: [], tokensPerSec: null });
      continue;
    }
    const { backend } = opened;
    const probe = await probeBackend(backend, referenceBackend, 1);
    const run = await runSteps(config, data, backend, steps);
    const lossRelDiff = relativeError(run.losses, reference.losses);
    const paramRelDiff = relativeError(flatten(run.params, order), referenceParams);
    const agrees = probe.ok && lossRelDiff <= tolerance && paramRelDiff <= tolerance;
    rows.push({
      backend: name, status: agrees ? 'agrees' : 'disagrees', description: backend.description, reason: null,
      selfTestProblem: probe.problem, losses: run.losses, tokensPerSec: run.tokensPerSec, gpuWork: run.gpuWork,
      lossMaxAbsDiff: maxAbsDiff(run.losses, reference.losses), lossRelDiff,
      paramMaxAbsDiff: maxAbsDiff(flatten(run.params, order), referenceParams), paramRelDiff,
    });
    if (backend instanceof WasmBackend) await backend.dispose();
  }
  return rows;
}
