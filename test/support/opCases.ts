import type { Backend } from '../../src/engine/backend';
import { Graph } from '../../src/engine/graph';
import { activation } from '../../src/engine/ops/activation';
import { attention, selfAttention } from '../../src/engine/ops/attention';
import { crossEntropy } from '../../src/engine/ops/crossEntropy';
import { add, scale, sliceLast } from '../../src/engine/ops/elementwise';
import { embedding } from '../../src/engine/ops/embedding';
import { feedForward } from '../../src/engine/ops/feedForward';
import { layerNorm } from '../../src/engine/ops/layerNorm';
import { linear } from '../../src/engine/ops/linear';
import { Rng } from '../../src/engine/rng';
import { Tensor, fromArray, sizeOf } from '../../src/engine/tensor';

/** One input of an op case: float inputs get gradients checked, int inputs are indices or masks. */
export interface CaseInput {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** An op with concrete inputs, as the engine runs it and as the PyTorch referee names it. */
export interface OpCase {
  name: string;
  /** Op name understood by test/torch/referee.py `ops`. */
  op: string;
  attrs: Record<string, unknown>;
  inputs: CaseInput[];
  /** Runs the engine op on tensors made from `inputs` (same order). */
  run: (g: Graph, inputs: Tensor[]) => Tensor;
}

function floats(rng: Rng, shape: number[], std = 1): CaseInput {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
  return { shape, data };
}

function ints(values: number[], shape: number[]): CaseInput {
  return { shape, data: Int32Array.from(values) };
}

/** The op suite: every op the models use, including masking corner cases. */
export function opCases(): OpCase[] {
  const rng = new Rng(7);
  const B = 2, T = 5, C = 8, V = 7;
  const padMask = ints([0, 0, 0, 1, 1, 0, 0, 0, 0, 0], [B, T]);
  const targets = ints([3, 0, 6, 0, 2, 1, 5, 0, 4, 2], [B * T]);
  return [
    { name: 'linear', op: 'linear', attrs: {}, inputs: [floats(rng, [B * T, C]), floats(rng, [6, C]), floats(rng, [6])],
      run: (g, [x, w, b]) => linear(g, x, w, b) },
    { name: 'linear_nobias', op: 'linear', attrs: {}, inputs: [floats(rng, [3, 4, C]), floats(rng, [5, C])],
      run: (g, [x, w]) => linear(g, x, w, null) },
    { name: 'embedding', op: 'embedding', attrs: {}, inputs: [ints([1, 4, 1, 6, 0, 3], [6]), floats(rng, [V, C])],
      run: (g, [idx, w]) => embedding(g, idx, w) },
    { name: 'layer_norm', op: 'layer_norm', attrs: { eps: 1e-5 }, inputs: [floats(rng, [B * T, C], 3), floats(rng, [C]), floats(rng, [C])],
      run: (g, [x, w, b]) => layerNorm(g, x, w, b) },
    { name: 'layer_norm_nobias', op: 'layer_norm', attrs: { eps: 1e-5 }, inputs: [floats(rng, [4, C]), floats(rng, [C])],
      run: (g, [x, w]) => layerNorm(g, x, w, null) },
    ...(['gelu', 'gelu_tanh', 'relu'] as const).map((kind): OpCase => ({
      name: kind, op: kind, attrs: {}, inputs: [floats(rng, [B * T, C], 2)], run: (g, [x]) => activation(g, kind, x),
    })),
    { name: 'attention_causal', op: 'attention', attrs: { n_heads: 2, causal: true },
      inputs: [floats(rng, [B, T, C]), floats(rng, [B, T, C]), floats(rng, [B, T, C])],
      run: (g, [q, k, v]) => attention(g, q, k, v, { nHeads: 2, causal: true, keyPad: null }) },
    { name: 'attention_causal_padded', op: 'attention', attrs: { n_heads: 4, causal: true },
      inputs: [floats(rng, [B, T, C]), floats(rng, [B, T, C]), floats(rng, [B, T, C]), padMask],
      run: (g, [q, k, v, pad]) => attention(g, q, k, v, { nHeads: 4, causal: true, keyPad: pad }) },
    { name: 'self_attention_packed_padded', op: 'self_attention', attrs: { n_heads: 2, causal: true },
      inputs: [floats(rng, [B, T, 3 * C]), padMask],
      run: (g, [qkv, pad]) => selfAttention(g, qkv, { nHeads: 2, causal: true, keyPad: pad }) },
    { name: 'attention_cross_padded', op: 'attention', attrs: { n_heads: 2, causal: false },
      inputs: [floats(rng, [B, 3, C]), floats(rng, [B, T, C]), floats(rng, [B, T, C]), padMask],
      run: (g, [q, k, v, pad]) => attention(g, q, k, v, { nHeads: 2, causal: false, keyPad: pad }) },
    { name: 'cross_entropy', op: 'cross_entropy', attrs: { ignore_index: 0, label_smoothing: 0, scale: 1 / 7 },
      inputs: [floats(rng, [B * T, V], 2), targets],
      run: (g, [logits, t]) => crossEntropy(g, logits, t, { ignoreIndex: 0, labelSmoothing: 0, scale: 1 / 7 }) },
    { name: 'cross_entropy_smoothed', op: 'cross_entropy', attrs: { ignore_index: 0, label_smoothing: 0.1, scale: 0.25 },
      inputs: [floats(rng, [B * T, V], 2), targets],
      run: (g, [logits, t]) => crossEntropy(g, logits, t, { ignoreIndex: 0, labelSmoothing: 0.1, scale: 0.25 }) },
    { name: 'slice_last', op: 'slice_last', attrs: { start: 3, width: 4 }, inputs: [floats(rng, [B * T, 3 * 4])],
      run: (g, [x]) => sliceLast(g, x, 3, 4) },
    { name: 'feed_forward', op: 'feed_forward', attrs: { activation: 'gelu' },
      inputs: [floats(rng, [B, T, C]), floats(rng, [12, C], 0.5), floats(rng, [12]), floats(rng, [C, 12], 0.5), floats(rng, [C])],
      run: (g, [x, w1, b1, w2, b2]) => feedForward(g, x, { weight: w1, bias: b1 }, { weight: w2, bias: b2 }, 'gelu') },
    { name: 'feed_forward_relu_nobias', op: 'feed_forward', attrs: { activation: 'relu' },
      inputs: [floats(rng, [B * T, C]), floats(rng, [16, C], 0.5), floats(rng, [5, 16], 0.5)],
      run: (g, [x, w1, w2]) => feedForward(g, x, { weight: w1, bias: null }, { weight: w2, bias: null }, 'relu') },
    { name: 'add', op: 'add', attrs: {}, inputs: [floats(rng, [B, T, C]), floats(rng, [B, T, C])], run: (g, [a, b]) => add(g, a, b) },
    { name: 'scale', op: 'scale', attrs: { factor: 2.5 }, inputs: [floats(rng, [B, T, C])], run: (g, [x]) => scale(g, x, 2.5) },
  ];
}

export interface OpResult {
  out: Float32Array;
  shape: number[];
  /** Gradient of Σ out·dy for each float input (null for int inputs). */
  grads: (Float32Array | null)[];
}

/** Runs a case on a backend: forward, then backward of Σ out·dy. */
export async function runCase(backend: Backend, c: OpCase, dy: Float32Array | null): Promise<OpResult> {
  const g = new Graph(backend, true);
  const tensors = c.inputs.map((input) => fromArray(backend, input.shape, input.data, input.data instanceof Float32Array));
  const out = c.run(g, tensors);
  if (dy) g.backwardFrom(out, fromArray(backend, out.shape, dy));
  const result: OpResult = {
    out: (await out.read()) as Float32Array,
    shape: [...out.shape],
    grads: await Promise.all(tensors.map(async (t) => (t.grad ? ((await t.grad.read()) as Float32Array) : null))),
  };
  g.dispose();
  return result;
}

/** The upstream gradient a case uses: seeded noise with the output's size. */
export function upstreamGradient(size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: size }, () => rng.normal());
}
