import type { LayerNormShape } from '../../../backend';
import type { GpuStorage } from '../context';
import { Uniforms, type ProgramSpec } from '../program';

const FORWARD: ProgramSpec = { shader: 'layer_norm_forward', bindings: ['read', 'read', 'read', 'write', 'write', 'write'] };
const BACKWARD_INPUT: ProgramSpec = { shader: 'layer_norm_backward_input', bindings: ['read', 'read', 'read', 'read', 'read', 'readwrite'] };
const BACKWARD_PARAMS: ProgramSpec = { shader: 'layer_norm_backward_params', bindings: ['read', 'read', 'read', 'read', 'readwrite', 'readwrite'] };

export function layerNormForward(x: GpuStorage, w: GpuStorage, b: GpuStorage | null, y: GpuStorage, mean: GpuStorage, rstd: GpuStorage,
  { N, C, eps }: LayerNormShape): void {
  const ctx = y.context;
  const uniforms = new Uniforms().u32(N).u32(C).f32(eps).flag(b !== null);
  ctx.dispatchRows(FORWARD, {}, uniforms, [x, w, b, ctx.covering(y, N * C), ctx.covering(mean, N), ctx.covering(rstd, N)], N);
}

export function layerNormBackward(dy: GpuStorage, x: GpuStorage, w: GpuStorage, mean: GpuStorage, rstd: GpuStorage,
  dx: GpuStorage | null, dw: GpuStorage | null, db: GpuStorage | null, { N, C }: LayerNormShape): void {
  const ctx = dy.context;
  if (dx) {
    const uniforms = new Uniforms().u32(N).u32(C).flag(ctx.addsInto(dx, N * C, dy, x, w, mean, rstd));
    ctx.dispatchRows(BACKWARD_INPUT, {}, uniforms, [dy, x, w, mean, rstd, dx], N);
  }
  if (dw || db) {
    const inputs = [dy, x, mean, rstd];
    const uniforms = new Uniforms().u32(N).u32(C).flag(dw !== null).flag(db !== null)
      .flag(ctx.addsInto(dw, C, ...inputs)).flag(ctx.addsInto(db, C, ...inputs));
    ctx.dispatch(BACKWARD_PARAMS, {}, uniforms, [dy, x, mean, rstd, dw, db], [Math.ceil(C / 16)]);
  }
}
