import type { EmbeddingShape, LinearActivation, LinearShape } from '../../../backend';
import type { GpuContext, GpuStorage } from '../context';
import { Uniforms, type ProgramSpec } from '../program';
import { activationForward, multiplyAccumulate } from './elementwise';

const MATMUL_OVERWRITE: ProgramSpec = { shader: 'matmul', bindings: ['read', 'read', 'read', 'write'] };
const MATMUL_ACCUMULATE: ProgramSpec = { shader: 'matmul', bindings: ['read', 'read', 'read', 'readwrite'] };
const COLUMN_SUM: ProgramSpec = { shader: 'column_sum', bindings: ['read', 'readwrite'] };
const EMBEDDING_FORWARD: ProgramSpec = { shader: 'embedding_forward', bindings: ['read', 'read', 'write'] };
const EMBEDDING_BACKWARD: ProgramSpec = { shader: 'embedding_backward', bindings: ['read', 'read', 'readwrite'] };

/** Matmul tile edge (matmul.wgsl's TILE). */
const TILE = 64;

/** One matmul: out[M,N] (= or +=) op(a)[M,K] · op(b)[K,N] (+ bias[N]). */
export interface MatmulCall {
  M: number;
  N: number;
  K: number;
  a: GpuStorage;
  transA: boolean;
  b: GpuStorage;
  transB: boolean;
  bias: GpuStorage | null;
  out: GpuStorage;
  accumulate: boolean;
}

export function matmul(ctx: GpuContext, c: MatmulCall): void {
  const accumulate = c.accumulate && ctx.addsInto(c.out, c.M * c.N, c.a, c.b, c.bias);
  const spec = accumulate ? MATMUL_ACCUMULATE : MATMUL_OVERWRITE;
  const out = accumulate ? c.out : ctx.covering(c.out, c.M * c.N);
  const uniforms = new Uniforms().u32(c.M).u32(c.N).u32(c.K).flag(accumulate).flag(c.bias !== null);
  ctx.dispatch(spec, { TRANS_A: c.transA, TRANS_B: c.transB }, uniforms, [c.a, c.b, c.bias, out],
    [Math.ceil(c.N / TILE), Math.ceil(c.M / TILE)]);
}

/** y[N,O] = x[N,I] · w[O,I]ᵀ + b[O], through `act` when given (the product goes to a pooled buffer, then the activation). */
export function linearForward(x: GpuStorage, w: GpuStorage, b: GpuStorage | null, y: GpuStorage, { N, I, O }: LinearShape,
  act?: LinearActivation<GpuStorage>): void {
  const ctx = y.context;
  const out = act ? ctx.alloc(N * O) : y;
  matmul(ctx, { M: N, N: O, K: I, a: x, transA: false, b: w, transB: true, bias: b, out, accumulate: false });
  if (!act) return;
  activationForward(act.kind, out, y, act.slope, N * O);
  ctx.release(out);
}

/** dx[N,I] += dy·w (⊙ dxGate: the product goes to a pooled buffer first); dw[O,I] += dyᵀ·x; db[O] += Σ_N dy */
export function linearBackward(dy: GpuStorage, x: GpuStorage, w: GpuStorage, dx: GpuStorage | null, dw: GpuStorage | null,
  db: GpuStorage | null, { N, I, O }: LinearShape, dxGate?: GpuStorage | null): void {
  const ctx = dy.context;
  if (dx) {
    const product = dxGate ? ctx.alloc(N * I) : dx;
    matmul(ctx, { M: N, N: I, K: O, a: dy, transA: false, b: w, transB: false, bias: null, out: product, accumulate: true });
    if (dxGate) {
      multiplyAccumulate(product, dxGate, dx, N * I);
      ctx.release(product);
    }
  }
  if (dw) matmul(ctx, { M: O, N: I, K: N, a: dy, transA: true, b: x, transB: false, bias: null, out: dw, accumulate: true });
  if (db) ctx.dispatch(COLUMN_SUM, {}, new Uniforms().u32(N).u32(O).flag(ctx.addsInto(db, O, dy)), [dy, db], [Math.ceil(O / 16)]);
}

export function embeddingForward(idx: GpuStorage, w: GpuStorage, y: GpuStorage, { N, C }: EmbeddingShape): void {
  const ctx = y.context;
  ctx.dispatchFlat(EMBEDDING_FORWARD, {}, new Uniforms().u32(N).u32(C), [idx, w, ctx.covering(y, N * C)], N * C, 256);
}

export function embeddingBackward(dy: GpuStorage, idx: GpuStorage, dw: GpuStorage, { N, C, V }: EmbeddingShape): void {
  const ctx = dw.context;
  ctx.dispatchFlat(EMBEDDING_BACKWARD, {}, new Uniforms().u32(N).u32(C).u32(V).flag(ctx.addsInto(dw, V * C, dy, idx)), [dy, idx, dw], V * C, 256);
}
