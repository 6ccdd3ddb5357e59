import type { ActivationKind, DropoutShape, SliceShape } from '../../../backend';
import type { GpuStorage } from '../context';
import { Uniforms, type ProgramSpec } from '../program';

const ADD: ProgramSpec = { shader: 'add', bindings: ['read', 'read', 'write'] };
const ACCUMULATE: ProgramSpec = { shader: 'accumulate', bindings: ['read', 'readwrite'] };
const SCALE: ProgramSpec = { shader: 'scale', bindings: ['read', 'write'] };
const FILL: ProgramSpec = { shader: 'fill', bindings: ['write'] };
const SLICE_FORWARD: ProgramSpec = { shader: 'slice_forward', bindings: ['read', 'write'] };
const SLICE_BACKWARD: ProgramSpec = { shader: 'slice_backward', bindings: ['read', 'readwrite'] };
const DROPOUT_FORWARD: ProgramSpec = { shader: 'dropout_forward', bindings: ['read', 'write', 'write'] };
const MULTIPLY_ACCUMULATE: ProgramSpec = { shader: 'multiply_accumulate', bindings: ['read', 'read', 'readwrite'] };
const ACTIVATION_FORWARD: ProgramSpec = { shader: 'activation_forward', bindings: ['read', 'write', 'write'] };

const ACTIVATION_CODE: Record<ActivationKind, number> = { gelu: 0, gelu_tanh: 1, relu: 2 };

export function add(a: GpuStorage, b: GpuStorage, out: GpuStorage, n: number): void {
  const ctx = out.context;
  ctx.dispatchFlat(ADD, {}, new Uniforms().u32(n), [a, b, ctx.covering(out, n)], n, 256);
}

export function accumulate(target: GpuStorage, x: GpuStorage, n: number, factor: number): void {
  const ctx = target.context;
  // Adding into a zero tensor is a scaled copy.
  const spec = ctx.addsInto(target, n, x) ? ACCUMULATE : SCALE;
  ctx.dispatchFlat(spec, {}, new Uniforms().u32(n).f32(factor), [x, target], n, 256);
}

export function scale(x: GpuStorage, factor: number, out: GpuStorage, n: number): void {
  const ctx = out.context;
  ctx.dispatchFlat(SCALE, {}, new Uniforms().u32(n).f32(factor), [x, ctx.covering(out, n)], n, 256);
}

export function fill(x: GpuStorage, value: number, n: number): void {
  // Zeroing a whole tensor is deferred: the next kernel that overwrites it never pays for it.
  if (value === 0 && n >= x.length) {
    x.pendingZero = true;
    return;
  }
  x.context.dispatchFlat(FILL, {}, new Uniforms().u32(n).f32(value), [x.context.covering(x, n)], n, 256);
}

export function sliceForward(x: GpuStorage, y: GpuStorage, s: SliceShape): void {
  const ctx = y.context;
  const n = s.N * s.width;
  ctx.dispatchFlat(SLICE_FORWARD, {}, new Uniforms().u32(s.N).u32(s.W).u32(s.start).u32(s.width), [x, ctx.covering(y, n)], n, 256);
}

export function sliceBackward(dy: GpuStorage, dx: GpuStorage, s: SliceShape): void {
  dx.context.dispatchFlat(SLICE_BACKWARD, {}, new Uniforms().u32(s.N).u32(s.W).u32(s.start).u32(s.width), [dy, dx], s.N * s.width, 256);
}

/** hash < threshold ⇔ hash / 2³² < p for every 32-bit hash, so the GPU decides exactly like the CPU. */
function dropThreshold(p: number): { threshold: number; dropAll: boolean } {
  const scaled = Math.ceil(p * 4294967296);
  return scaled >= 4294967296 ? { threshold: 0, dropAll: true } : { threshold: scaled, dropAll: false };
}

export function dropoutForward(x: GpuStorage, mask: GpuStorage, y: GpuStorage, s: DropoutShape): void {
  const ctx = y.context;
  const { threshold, dropAll } = dropThreshold(s.p);
  const uniforms = new Uniforms().u32(s.n).u32(s.seed).u32(threshold).flag(dropAll).f32(1 / (1 - s.p));
  ctx.dispatchFlat(DROPOUT_FORWARD, {}, uniforms, [x, ctx.covering(mask, s.n), ctx.covering(y, s.n)], s.n, 256);
}

export function multiplyAccumulate(a: GpuStorage, b: GpuStorage, out: GpuStorage, n: number): void {
  const ctx = out.context;
  ctx.dispatchFlat(MULTIPLY_ACCUMULATE, {}, new Uniforms().u32(n).flag(ctx.addsInto(out, n, a, b)), [a, b, out], n, 256);
}

export function activationForward(kind: ActivationKind, x: GpuStorage, y: GpuStorage, slope: GpuStorage, n: number): void {
  const ctx = y.context;
  const outputs = [ctx.covering(y, n), ctx.covering(slope, n)];
  ctx.dispatchFlat(ACTIVATION_FORWARD, { KIND: ACTIVATION_CODE[kind] }, new Uniforms().u32(n), [x, ...outputs], n, 256);
}
