import type { Backend } from '../../backend';
import { Graph } from '../../graph';
import { activation } from '../../ops/activation';
import { attention } from '../../ops/attention';
import { crossEntropy } from '../../ops/crossEntropy';
import { sliceLast } from '../../ops/elementwise';
import { layerNorm } from '../../ops/layerNorm';
import { linear } from '../../ops/linear';
import { Rng } from '../../rng';
import { fromArray, sizeOf, type Tensor } from '../../tensor';

/** The outcome of probing a backend: whether it computes like the reference, and how fast. */
export interface ProbeResult {
  ok: boolean;
  /** What disagreed, when not ok. */
  problem: string | null;
  /** Median milliseconds of one probe step on the backend (its results read back). */
  ms: number;
  /** Milliseconds of the same step on the reference backend. */
  referenceMs: number;
}

const B = 4, T = 32, C = 64, H = 4, V = 96;
/** How far `auto` lets a backend's loss and gradients stray from the CPU reference, relative to their largest value. */
export const PARITY_TOLERANCE = 1e-4;

/**
 * One small training step (layer norm, fused q/k/v projection, causal attention, GELU MLP, cross-entropy,
 * backward) on fixed random data; returns the loss and the gradients it produces, read back to the host.
 */
async function probeStep(backend: Backend): Promise<Float32Array[]> {
  const rng = new Rng(2024);
  const make = (shape: number[], std: number, grad = true): Tensor =>
    fromArray(backend, shape, Float32Array.from({ length: sizeOf(shape) }, () => rng.normal() * std), grad);
  const x = make([B, T, C], 1), lnW = make([C], 1), lnB = make([C], 0.1);
  const wQkv = make([3 * C, C], 0.1), bQkv = make([3 * C], 0.1), wUp = make([2 * C, C], 0.1), wOut = make([V, 2 * C], 0.1);
  const targets = fromArray(backend, [B * T], Int32Array.from({ length: B * T }, () => rng.int(V)));
  const g = new Graph(backend, true);
  const qkv = linear(g, layerNorm(g, x, lnW, lnB), wQkv, bQkv);
  const [q, k, v] = [0, 1, 2].map((i) => sliceLast(g, qkv, i * C, C));
  const heads = attention(g, q, k, v, { nHeads: H, causal: true, keyPad: null });
  const logits = linear(g, activation(g, 'gelu', linear(g, heads, wUp, null)), wOut, null);
  const loss = crossEntropy(g, logits, targets, { ignoreIndex: 0, labelSmoothing: 0.1, scale: 1 / (B * T) });
  g.backward(loss);
  const results = [loss, ...[x, lnW, lnB, wQkv, bQkv, wUp, wOut].map((t) => t.grad as Tensor)];
  const host = await Promise.all(results.map((t) => t.read() as Promise<Float32Array>));
  g.dispose();
  return host;
}

/** The largest difference from `reference`, relative to its largest magnitude (the measure `auto`'s parity check uses). */
export function relativeError(ours: ArrayLike<number>, reference: ArrayLike<number>): number {
  let scale = 0, worst = 0;
  for (let i = 0; i < reference.length; i++) {
    scale = Math.max(scale, Math.abs(reference[i]));
    worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  }
  return Number.isFinite(worst) ? worst / Math.max(scale, 1e-12) : Infinity;
}

/**
 * Self-test and speed probe in one: runs the probe step on `backend` and on `reference` (the readable CPU
 * backend), checks that the loss and every gradient agree within 1e-4 of their largest value, and times the
 * backend over a few repetitions (the first, warm-up run excluded).
 */
export async function probeBackend(backend: Backend, reference: Backend, repetitions = 5): Promise<ProbeResult> {
  const referenceStart = performance.now();
  const expected = await probeStep(reference);
  const referenceMs = performance.now() - referenceStart;
  const actual = await probeStep(backend);
  const names = ['loss', 'dx', 'd layer-norm weight', 'd layer-norm bias', 'd qkv weight', 'd qkv bias', 'd mlp weight', 'd output weight'];
  for (let i = 0; i < expected.length; i++) {
    const error = relativeError(actual[i], expected[i]);
    if (error < PARITY_TOLERANCE) continue;
    return { ok: false, problem: `${names[i]} differs from the CPU reference by ${error.toExponential(1)}`, ms: Infinity, referenceMs };
  }
  const times: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const start = performance.now();
    await probeStep(backend);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ok: true, problem: null, ms: times[Math.floor(times.length / 2)], referenceMs };
}
