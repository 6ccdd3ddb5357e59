import type { AdamHyper, GradScale, SgdHyper } from '../../../backend';
import type { GpuStorage } from '../context';
import { Uniforms, type ProgramSpec } from '../program';
import { REDUCE_SUM } from './crossEntropy';

const ADAM: ProgramSpec = { shader: 'adam_update', bindings: ['read', 'readwrite', 'readwrite', 'readwrite', 'read'] };
const SGD: ProgramSpec = { shader: 'sgd_update', bindings: ['read', 'readwrite', 'readwrite', 'read'] };
const GLOBAL_NORM: ProgramSpec = { shader: 'global_norm', bindings: ['readwrite'] };
const SCALE_BY_ELEMENT: ProgramSpec = { shader: 'scale_by_element', bindings: ['read', 'readwrite'] };

/**
 * torch.optim.AdamW / Adam; the bias corrections and decoupled decay factor are computed once on the host in f64. The
 * clip coefficient (gradScale) is applied as g is read, which saves clipping's own pass over every gradient.
 */
export function adamUpdate(p: GpuStorage, g: GpuStorage, m: GpuStorage, v: GpuStorage, n: number, h: AdamHyper, gradScale?: GradScale<GpuStorage> | null): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = h;
  const uniforms = new Uniforms().u32(n).f32(beta1).f32(1 - beta1).f32(beta2).f32(1 - beta2).f32(eps)
    .f32(lr / (1 - beta1 ** step)).f32(Math.sqrt(1 - beta2 ** step)).f32(decoupled ? 1 - lr * weightDecay : 1).f32(decoupled ? 0 : weightDecay)
    .u32(gradScale?.index ?? 0);
  p.context.dispatchFlat(ADAM, { SCALED: Boolean(gradScale) }, uniforms, [g, p, m, v, gradScale?.factors ?? null], n, 256);
}

export function sgdUpdate(p: GpuStorage, g: GpuStorage, buf: GpuStorage, n: number, h: SgdHyper, gradScale?: GradScale<GpuStorage> | null): void {
  const uniforms = new Uniforms().u32(n).f32(h.lr).f32(h.momentum).f32(h.weightDecay).flag(h.nesterov).flag(h.firstStep).u32(gradScale?.index ?? 0);
  p.context.dispatchFlat(SGD, { SCALED: Boolean(gradScale) }, uniforms, [g, p, buf, gradScale?.factors ?? null], n, 256);
}

export function sumOfSquares(x: GpuStorage, n: number, out: GpuStorage, index: number): void {
  out.context.dispatch(REDUCE_SUM, { SQUARE: true }, new Uniforms().u32(n).u32(index).f32(1), [x, out], [1]);
}

export function globalNorm(squares: GpuStorage, count: number, maxNorm: number): void {
  squares.context.dispatch(GLOBAL_NORM, {}, new Uniforms().u32(count).f32(maxNorm), [squares], [1]);
}

export function scaleByElement(x: GpuStorage, factors: GpuStorage, index: number, n: number): void {
  x.context.dispatchFlat(SCALE_BY_ELEMENT, {}, new Uniforms().u32(n).u32(index), [factors, x], n, 256);
}
