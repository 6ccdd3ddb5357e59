import type { Graph } from '../graph';
import { attention, selfAttention } from '../ops/attention';
import { sliceLast, sliceRows } from '../ops/elementwise';
import { layerNorm } from '../ops/layerNorm';
import type { Affine } from '../ops/feedForward';
import { linear } from '../ops/linear';
import type { Tensor } from '../tensor';
import { constant, normal, xavierUniform } from './init';
import type { ParameterSet } from './parameters';
import type { Rng } from '../rng';

/** Weight and optional bias of a torch.nn.Linear / LayerNorm, looked up by their state-dict prefix. */
export type { Affine } from '../ops/feedForward';

export type WeightInit = 'gpt2' | 'xavier';

/** Creates `${prefix}.weight` [out, in] and, when bias, `${prefix}.bias` [out] (zeros). */
export function createLinear(params: ParameterSet, rng: Rng, prefix: string, out: number, inp: number, bias: boolean, init: WeightInit, std = 0.02): Affine {
  const weight = params.create(`${prefix}.weight`, [out, inp], init === 'gpt2' ? normal(rng, std) : xavierUniform(rng, out, inp));
  return { weight, bias: bias ? params.create(`${prefix}.bias`, [out], constant(0)) : null };
}

/** Creates a LayerNorm's `${prefix}.weight` (ones) and, when bias, `${prefix}.bias` (zeros). */
export function createLayerNorm(params: ParameterSet, prefix: string, C: number, bias: boolean): Affine {
  const weight = params.create(`${prefix}.weight`, [C], constant(1));
  return { weight, bias: bias ? params.create(`${prefix}.bias`, [C], constant(0)) : null };
}

export const applyLinear = (g: Graph, x: Tensor, p: Affine): Tensor => linear(g, x, p.weight, p.bias);
export const applyLayerNorm = (g: Graph, x: Tensor, p: Affine): Tensor => layerNorm(g, x, p.weight, p.bias);

/** Feed-forward block: down(activation(up(x))), one fused op. */
export { feedForward } from '../ops/feedForward';

export interface AttentionMasks {
  causal: boolean;
  keyPad: Tensor | null;
}

/** Self-attention with one fused [3C, C] projection whose rows hold q, k, v side by side (nanoGPT c_attn, torch in_proj). */
export function fusedSelfAttention(g: Graph, x: Tensor, qkvProj: Affine, outProj: Affine, nHeads: number, masks: AttentionMasks): Tensor {
  const qkv = applyLinear(g, x, qkvProj);
  return applyLinear(g, selfAttention(g, qkv, { nHeads, ...masks }), outProj);
}

/** torch.nn.MultiheadAttention with query ≠ key/value: q uses rows [0, C) of in_proj, k and v rows [C, 3C). */
export function crossAttention(g: Graph, x: Tensor, memory: Tensor, inProj: Affine, outProj: Affine, nHeads: number, memoryPad: Tensor | null): Tensor {
  const C = outProj.weight.shape[0];
  const qProj = { weight: sliceRows(g, inProj.weight, 0, C), bias: inProj.bias && sliceRows(g, inProj.bias, 0, C) };
  const kvProj = { weight: sliceRows(g, inProj.weight, C, 2 * C), bias: inProj.bias && sliceRows(g, inProj.bias, C, 2 * C) };
  const q = applyLinear(g, x, qProj);
  const kv = applyLinear(g, memory, kvProj);
  const k = sliceLast(g, kv, 0, C);
  const v = sliceLast(g, kv, C, C);
  return applyLinear(g, attention(g, q, k, v, { nHeads, causal: false, keyPad: memoryPad }), outProj);
}
