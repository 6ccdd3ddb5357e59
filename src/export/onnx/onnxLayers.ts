import type { Activation } from '../../config/types';
import { LAYER_NORM_EPS } from '../../engine/ops/layerNorm';
import { float, int, ints, type GraphBuilder } from './graphBuilder';

/** State-dict names of a Linear / LayerNorm's weight and optional bias, already added as initializers. */
export interface AffineNames {
  weight: string;
  bias: string | null;
}

/** Masks of one attention, as bool values broadcastable to [B, H, Tq, Tk] (true = hidden). */
export interface AttentionMask {
  mask: string | null;
  /** Whether a query row can have every key hidden (then, as in the engine, its output is zero). */
  rowsMayBeEmpty: boolean;
}

/** The most negative float32: softmax gives hidden keys exactly zero weight, and never overflows. */
const HIDDEN_SCORE = -3.4028234663852886e38;

/** x · Wᵀ + b, with W stored as torch's [out, in]. */
export function linear(g: GraphBuilder, x: string, p: AffineNames, hint: string): string {
  const y = g.op('MatMul', [x, g.transpose(p.weight)], {}, hint);
  return p.bias ? g.op('Add', [y, p.bias], {}, hint) : y;
}

export function layerNorm(g: GraphBuilder, x: string, p: AffineNames, hint: string): string {
  const inputs = p.bias ? [x, p.weight, p.bias] : [x, p.weight];
  return g.op('LayerNormalization', inputs, { axis: int(-1), epsilon: float(LAYER_NORM_EPS) }, hint);
}

/** GELU exactly as the engine computes it: x·Φ(x) through Erf, the tanh approximation, or ReLU. */
export function activation(g: GraphBuilder, kind: Activation, x: string, hint: string): string {
  if (kind === 'relu') return g.op('Relu', [x], {}, hint);
  let inner: string;
  if (kind === 'gelu') {
    inner = g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)], {}, hint)], {}, hint);
  } else {
    const cube = g.op('Mul', [g.op('Mul', [x, x], {}, hint), x], {}, hint);
    const poly = g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)], {}, hint)], {}, hint);
    inner = g.op('Tanh', [g.op('Mul', [poly, g.scalar(Math.sqrt(2 / Math.PI))], {}, hint)], {}, hint);
  }
  const half = g.op('Mul', [x, g.scalar(0.5)], {}, hint);
  return g.op('Mul', [half, g.op('Add', [inner, g.scalar(1)], {}, hint)], {}, hint);
}

export function feedForward(g: GraphBuilder, x: string, up: AffineNames, down: AffineNames, kind: Activation, hint: string): string {
  return linear(g, activation(g, kind, linear(g, x, up, `${hint}.up`), `${hint}.act`), down, `${hint}.down`);
}

/** [B, T, C] → [B, H, T, D]. */
function splitHeads(g: GraphBuilder, x: string, H: number, D: number, hint: string): string {
  const heads = g.op('Reshape', [x, g.int64([0, 0, H, D])], {}, hint);
  return g.op('Transpose', [heads], { perm: ints([0, 2, 1, 3]) }, hint);
}

/** softmax(q·kᵀ/√D with hidden keys removed)·v per head, heads merged back to [B, Tq, C]. */
function scaledDotProduct(g: GraphBuilder, q: string, k: string, v: string, C: number, H: number, masks: AttentionMask, hint: string): string {
  const D = C / H;
  const kT = g.op('Transpose', [g.op('Reshape', [k, g.int64([0, 0, H, D])], {}, hint)], { perm: ints([0, 2, 3, 1]) }, `${hint}.kT`);
  const scores = g.op('Mul', [g.op('MatMul', [splitHeads(g, q, H, D, `${hint}.q`), kT], {}, hint), g.scalar(1 / Math.sqrt(D))], {}, `${hint}.scores`);
  const { mask } = masks;
  let probs = g.op('Softmax', [mask ? g.op('Where', [mask, g.scalar(HIDDEN_SCORE), scores], {}, hint) : scores], { axis: int(-1) }, `${hint}.probs`);
  // A row with every key hidden would average all values; the engine outputs zero there instead.
  if (mask && masks.rowsMayBeEmpty) probs = g.op('Where', [mask, g.scalar(0), probs], {}, `${hint}.probs`);
  const y = g.op('MatMul', [probs, splitHeads(g, v, H, D, `${hint}.v`)], {}, hint);
  const merged = g.op('Transpose', [y], { perm: ints([0, 2, 1, 3]) }, hint);
  return g.op('Reshape', [merged, g.int64([0, 0, C])], {}, hint);
}

/** Self-attention with one fused [3C, C] projection (nanoGPT c_attn, torch in_proj) and an output projection. */
export function selfAttention(g: GraphBuilder, x: string, qkvProj: AffineNames, outProj: AffineNames, C: number, H: number, masks: AttentionMask, hint: string): string {
  const qkv = linear(g, x, qkvProj, `${hint}.qkv`);
  const [q, k, v] = [0, 1, 2].map((i) => g.op('Slice', [qkv, g.int64([i * C]), g.int64([(i + 1) * C]), g.int64([-1])], {}, `${hint}.${'qkv'[i]}`));
  return linear(g, scaledDotProduct(g, q, k, v, C, H, masks, hint), outProj, `${hint}.out`);
}

/** torch.nn.MultiheadAttention with query ≠ key/value: q uses in_proj rows [0, C), k and v rows [C, 3C). */
export function crossAttention(g: GraphBuilder, x: string, memory: string, inProj: AffineNames, outProj: AffineNames, C: number, H: number, masks: AttentionMask, hint: string): string {
  const rows = (name: string, from: number, to: number) => g.op('Slice', [name, g.int64([from]), g.int64([to]), g.int64([0])], {}, `${name}[${from}:${to}]`);
  const qProj = { weight: rows(inProj.weight, 0, C), bias: inProj.bias && rows(inProj.bias, 0, C) };
  const kvProj = { weight: rows(inProj.weight, C, 3 * C), bias: inProj.bias && rows(inProj.bias, C, 3 * C) };
  const q = linear(g, x, qProj, `${hint}.q`);
  const kv = linear(g, memory, kvProj, `${hint}.kv`);
  const k = g.op('Slice', [kv, g.int64([0]), g.int64([C]), g.int64([-1])], {}, `${hint}.k`);
  const v = g.op('Slice', [kv, g.int64([C]), g.int64([2 * C]), g.int64([-1])], {}, `${hint}.v`);
  return linear(g, scaledDotProduct(g, q, k, v, C, H, masks, hint), outProj, `${hint}.out`);
}

/** 0, 1, …, T−1 (int64) where T is dimension 1 of `ids` [B, T]. */
export function positionsOf(g: GraphBuilder, ids: string, hint: string): string {
  const length = g.op('Gather', [g.op('Shape', [ids], {}, hint), g.int64([1], true)], { axis: int(0) }, `${hint}.length`);
  return g.op('Range', [g.int64([0], true), length, g.int64([1], true)], {}, `${hint}.positions`);
}

/** [T, T] bool, true where key j lies in the future of query i (j > i). */
export function causalMask(g: GraphBuilder, positions: string, hint: string): string {
  const rows = g.op('Unsqueeze', [positions, g.int64([1])], {}, hint);
  const cols = g.op('Unsqueeze', [positions, g.int64([0])], {}, hint);
  return g.op('Greater', [cols, rows], {}, `${hint}.causal`);
}

/** [B, 1, 1, T] bool, true where `ids` [B, T] holds the pad id. */
export function keyPaddingMask(g: GraphBuilder, ids: string, padId: number, hint: string): string {
  const pad = g.op('Equal', [ids, g.int64([padId], true)], {}, `${hint}.pad`);
  return g.op('Unsqueeze', [pad, g.int64([1, 2])], {}, `${hint}.keyPad`);
}
