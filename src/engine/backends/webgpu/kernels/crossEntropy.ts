import type { CrossEntropyShape } from '../../../backend';
import type { GpuStorage } from '../context';
import { Uniforms, type ProgramSpec } from '../program';

const FORWARD: ProgramSpec = { shader: 'cross_entropy_forward', bindings: ['read', 'read', 'write', 'write'] };
const BACKWARD: ProgramSpec = { shader: 'cross_entropy_backward', bindings: ['read', 'read', 'read', 'read', 'readwrite'] };
export const REDUCE_SUM: ProgramSpec = { shader: 'reduce_sum', bindings: ['read', 'readwrite'] };

/** Per-row losses and lse in one pass over the logits, then one workgroup sums the rows in a fixed order. */
export function crossEntropyForward(logits: GpuStorage, targets: GpuStorage, loss: GpuStorage, lse: GpuStorage, s: CrossEntropyShape): void {
  const ctx = loss.context;
  const rowLoss = ctx.alloc(s.N);
  ctx.dispatchRows(FORWARD, {}, new Uniforms().u32(s.N).u32(s.V).i32(s.ignoreIndex).f32(s.smoothing),
    [logits, targets, ctx.covering(lse, s.N), rowLoss], s.N);
  ctx.dispatch(REDUCE_SUM, { SQUARE: false }, new Uniforms().u32(s.N).u32(0).f32(s.scale), [rowLoss, loss], [1]);
  ctx.release(rowLoss);
}

export function crossEntropyBackward(dLoss: GpuStorage, logits: GpuStorage, targets: GpuStorage, lse: GpuStorage, dLogits: GpuStorage,
  s: CrossEntropyShape): void {
  const ctx = dLogits.context;
  const add = ctx.addsInto(dLogits, s.N * s.V, dLoss, logits, targets, lse);
  const uniforms = new Uniforms().u32(s.N).u32(s.V).i32(s.ignoreIndex).f32(s.smoothing).f32(s.scale).flag(add);
  ctx.dispatchFlat(BACKWARD, {}, uniforms, [dLoss, logits, targets, lse, dLogits], s.N * s.V, 256);
}
