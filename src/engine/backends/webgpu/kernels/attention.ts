import type { AttentionShape, SliceShape } from '../../../backend';
import type { GpuContext, GpuStorage } from '../context';
import { Uniforms, type ProgramSpec } from '../program';
import { sliceBackward, sliceForward } from './elementwise';

const FORWARD: ProgramSpec = { shader: 'attention_forward', bindings: ['read', 'read', 'read', 'read', 'write', 'write'] };
const BACKWARD_ROWS: ProgramSpec = { shader: 'attention_backward_rows', bindings: ['read', 'read', 'read', 'write'] };
const BACKWARD_QUERY: ProgramSpec = { shader: 'attention_backward_query', bindings: ['read', 'read', 'read', 'read', 'read', 'read', 'readwrite'] };
const BACKWARD_KEY: ProgramSpec = {
  shader: 'attention_backward_key', bindings: ['read', 'read', 'read', 'read', 'read', 'read', 'readwrite', 'readwrite'],
};

/** Head sizes the kernels are compiled for keep their per-invocation arrays in registers; larger ones are refused. */
export const MAX_HEAD_DIM = 256;

function headDim(s: AttentionShape): number {
  const D = s.C / s.H;
  if (!Number.isInteger(D) || D < 1 || D > MAX_HEAD_DIM) throw new Error(`WebGPU attention supports head sizes 1…${MAX_HEAD_DIM} (C / H = ${D})`);
  return D;
}

function refuseWeights(weights: GpuStorage | null): void {
  if (weights) throw new Error('WebGPU attention recomputes its weights from the log-sum-exp: pass weights = null (attentionWeightsBudget is 0)');
}

function shapeUniforms(s: AttentionShape, keyPad: GpuStorage | null, D: number): Uniforms {
  return new Uniforms().u32(s.B).u32(s.Tq).u32(s.Tk).u32(s.C).u32(s.H).flag(s.causal).flag(keyPad !== null).f32(1 / Math.sqrt(D));
}

/**
 * The shaders read q, k, v rows C floats apart (and dk, dv bound twice as writable would alias): a packed
 * projection [B,T,3C] is sliced into pooled buffers around them, and its gradient gathered back.
 */
function unpacked(ctx: GpuContext, qkv: GpuStorage, s: AttentionShape): GpuStorage[] {
  return [0, 1, 2].map((part) => {
    const slice = ctx.alloc(s.B * s.Tq * s.C);
    sliceForward(qkv, slice, packedPart(s, part));
    return slice;
  });
}

/** Part 0, 1 or 2 (q, k, v) of a packed projection's rows, as a slice. */
function packedPart(s: AttentionShape, part: number): SliceShape {
  return { N: s.B * s.Tq, W: 3 * s.C, start: part * s.C, width: s.C };
}

export function attentionForward(q: GpuStorage, k: GpuStorage, v: GpuStorage, keyPad: GpuStorage | null, y: GpuStorage, lse: GpuStorage,
  weights: GpuStorage | null, s: AttentionShape): void {
  refuseWeights(weights);
  const ctx = y.context;
  if (s.packed) {
    const parts = unpacked(ctx, q, s);
    attentionForward(parts[0], parts[1], parts[2], keyPad, y, lse, weights, { ...s, packed: false });
    parts.forEach((part) => ctx.release(part));
    return;
  }
  const D = headDim(s);
  const rows = s.B * s.H * s.Tq;
  ctx.dispatchFlat(FORWARD, { HEAD_DIM: D }, shapeUniforms(s, keyPad, D),
    [q, k, v, keyPad, ctx.covering(y, s.B * s.Tq * s.C), ctx.covering(lse, rows)], rows, 64);
}

/** Three launches: per-row statistics, then dq by query rows and dk, dv by key rows (each gathers; no atomics). */
export function attentionBackward(dy: GpuStorage, q: GpuStorage, k: GpuStorage, v: GpuStorage, keyPad: GpuStorage | null, y: GpuStorage,
  lse: GpuStorage, weights: GpuStorage | null, dq: GpuStorage, dk: GpuStorage, dv: GpuStorage, s: AttentionShape): void {
  refuseWeights(weights);
  const ctx = dq.context;
  if (s.packed) {
    const parts = unpacked(ctx, q, s);
    const grads = parts.map((part) => ctx.alloc(part.length));
    attentionBackward(dy, parts[0], parts[1], parts[2], keyPad, y, lse, weights, grads[0], grads[1], grads[2], { ...s, packed: false });
    grads.forEach((grad, part) => sliceBackward(grad, dq, packedPart(s, part)));
    [...parts, ...grads].forEach((temporary) => ctx.release(temporary));
    return;
  }
  const D = headDim(s);
  const rows = s.B * s.H * s.Tq;
  const stats = ctx.alloc(2 * rows);
  ctx.dispatchFlat(BACKWARD_ROWS, {}, new Uniforms().u32(s.B).u32(s.Tq).u32(s.C).u32(s.H).u32(D), [dy, y, lse, stats], rows, 64);
  const inputs = [dy, q, k, v, keyPad, stats];
  const queryUniforms = shapeUniforms(s, keyPad, D).flag(ctx.addsInto(dq, s.B * s.Tq * s.C, ...inputs));
  ctx.dispatchFlat(BACKWARD_QUERY, { HEAD_DIM: D }, queryUniforms, [...inputs, dq], rows, 64);
  const keyCount = s.B * s.Tk * s.C;
  const keyUniforms = shapeUniforms(s, keyPad, D).flag(ctx.addsInto(dk, keyCount, ...inputs, dv)).flag(ctx.addsInto(dv, keyCount, ...inputs, dk));
  ctx.dispatchFlat(BACKWARD_KEY, { HEAD_DIM: D }, keyUniforms, [...inputs, dk, dv], s.B * s.H * s.Tk, 64);
  ctx.release(stats);
}
