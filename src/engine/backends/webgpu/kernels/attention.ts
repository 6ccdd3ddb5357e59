import type { AttentionShape } from '../../../backend';
import type { GpuStorage } from '../context';
import { Uniforms, type ProgramSpec } from '../program';

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
 * The shaders' layout defines: q, k, v rows LD floats apart with k and v K_OFF and V_OFF channels in, so a packed
 * projection [B,T,3C] (q, k, v and their gradients each one buffer) is read and written where it is, unsliced.
 */
function layout(s: AttentionShape): { LD: number; K_OFF: number; V_OFF: number } {
  return s.packed ? { LD: 3 * s.C, K_OFF: s.C, V_OFF: 2 * s.C } : { LD: s.C, K_OFF: 0, V_OFF: 0 };
}

export function attentionForward(q: GpuStorage, k: GpuStorage, v: GpuStorage, keyPad: GpuStorage | null, y: GpuStorage, lse: GpuStorage,
  weights: GpuStorage | null, s: AttentionShape): void {
  refuseWeights(weights);
  const ctx = y.context;
  const D = headDim(s);
  const rows = s.B * s.H * s.Tq;
  ctx.dispatchFlat(FORWARD, { HEAD_DIM: D, ...layout(s) }, shapeUniforms(s, keyPad, D),
    [q, k, v, keyPad, ctx.covering(y, s.B * s.Tq * s.C), ctx.covering(lse, rows)], rows, 64);
}

/**
 * Three launches: per-row statistics, then dq by query rows and dk, dv by key rows (each gathers; no atomics). A
 * packed projection passes q = k = v = qkv and dq = dk = dv = its gradient.
 */
export function attentionBackward(dy: GpuStorage, q: GpuStorage, k: GpuStorage, v: GpuStorage, keyPad: GpuStorage | null, y: GpuStorage,
  lse: GpuStorage, weights: GpuStorage | null, dq: GpuStorage, dk: GpuStorage, dv: GpuStorage, s: AttentionShape): void {
  refuseWeights(weights);
  const ctx = dq.context;
  const D = headDim(s);
  const defines = { HEAD_DIM: D, ...layout(s) };
  const rows = s.B * s.H * s.Tq;
  const stats = ctx.alloc(2 * rows);
  ctx.dispatchFlat(BACKWARD_ROWS, {}, new Uniforms().u32(s.B).u32(s.Tq).u32(s.C).u32(s.H).u32(D), [dy, y, lse, stats], rows, 64);
  const inputs = [dy, q, k, v, keyPad, stats];
  if (s.packed) {
    // The two kernels together write every column of a packed gradient: a deferred zero there is overwritten, not filled.
    const add = ctx.addsInto(dq, dq.length, ...inputs);
    ctx.dispatchFlat(BACKWARD_QUERY, defines, shapeUniforms(s, keyPad, D).flag(add), [...inputs, dq], rows, 64);
    ctx.dispatchFlat(BACKWARD_KEY, { ...defines, PACKED: true }, shapeUniforms(s, keyPad, D).flag(add).flag(add), [...inputs, dq, null], s.B * s.H * s.Tk, 64);
    ctx.release(stats);
    return;
  }
  const queryUniforms = shapeUniforms(s, keyPad, D).flag(ctx.addsInto(dq, s.B * s.Tq * s.C, ...inputs));
  ctx.dispatchFlat(BACKWARD_QUERY, defines, queryUniforms, [...inputs, dq], rows, 64);
  const keyCount = s.B * s.Tk * s.C;
  const keyUniforms = shapeUniforms(s, keyPad, D).flag(ctx.addsInto(dk, keyCount, ...inputs, dv)).flag(ctx.addsInto(dv, keyCount, ...inputs, dk));
  ctx.dispatchFlat(BACKWARD_KEY, { ...defines, PACKED: false }, keyUniforms, [...inputs, dk, dv], s.B * s.H * s.Tk, 64);
  ctx.release(stats);
}
