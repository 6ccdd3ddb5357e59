import type { ActivationKind, AdamHyper, DropoutShape, EmbeddingShape, GradScale, SgdHyper, SliceShape } from '../../backend';
import { ADD, PARALLEL_MIN_WORK, STORE, STORE_ZERO_REST, accumulateMode, input, output, type WasmStorage } from './storage';

type S = WasmStorage;

/** Activation ids of assembly/activation.ts. */
export const ACTIVATION_IDS: Record<ActivationKind, number> = { gelu: 0, gelu_tanh: 1, relu: 2 };

const wide = (n: number): boolean => n >= PARALLEL_MIN_WORK;

export function add(a: S, b: S, out: S, n: number): void {
  a.runtime.call('ADD', [input(a), input(b), output(out, n), n], [], wide(n));
}

export function accumulate(target: S, x: S, n: number, factor: number): void {
  x.runtime.call('AXPY', [input(x), target.ptr, n, accumulateMode(target, n)], [factor], wide(n));
}

export function scale(x: S, factor: number, out: S, n: number): void {
  x.runtime.call('AXPY', [input(x), output(out, n), n, STORE], [factor], wide(n));
}

export function fill(x: S, value: number, n: number): void {
  if (value === 0 && n >= x.length) {
    x.zero = true;
    return;
  }
  x.runtime.call('FILL', [output(x, n), n], [value], wide(n));
}

export function sliceForward(x: S, y: S, s: SliceShape): void {
  x.runtime.call('SLICE_FWD', [input(x), output(y, s.N * s.width), s.N, s.W, s.start, s.width], [], wide(s.N * s.width));
}

export function sliceBackward(dy: S, dx: S, s: SliceShape): void {
  const whole = s.N * s.W >= dx.length;
  let mode = ADD;
  if (whole && dx.zero) mode = s.start === 0 && s.width === s.W ? STORE : STORE_ZERO_REST;
  const dxp = mode === ADD ? input(dx) : output(dx);
  dy.runtime.call('SLICE_BWD', [input(dy), dxp, s.N, s.W, s.start, s.width, mode], [], wide(s.N * s.width));
}

export function dropoutForward(x: S, mask: S, y: S, s: DropoutShape): void {
  x.runtime.call('DROPOUT_FWD', [input(x), output(mask, s.n), output(y, s.n), s.n, s.seed | 0], [s.p], false);
}

export function multiplyAccumulate(a: S, b: S, out: S, n: number): void {
  a.runtime.call('MUL_ACC', [input(a), input(b), out.ptr, n, accumulateMode(out, n)], [], wide(n));
}

export function embeddingForward(idx: S, w: S, y: S, { N, C }: EmbeddingShape): void {
  w.runtime.call('EMBED_FWD', [input(idx), input(w), output(y, N * C), N, C], [], wide(N * C));
}

export function embeddingBackward(dy: S, idx: S, dw: S, { N, C }: EmbeddingShape): void {
  dy.runtime.call('EMBED_BWD', [input(dy), input(idx), input(dw), N, C], [], false);
}

export function activationForward(kind: ActivationKind, x: S, y: S, slope: S, n: number): void {
  x.runtime.call('ACT_FWD', [ACTIVATION_IDS[kind], input(x), output(y, n), output(slope, n), n], [], wide(n));
}

export function sumOfSquares(x: S, n: number, out: S, index: number): void {
  x.runtime.call('SUM_SQUARES', [input(x), n, input(out), index], [], false);
}

export function globalNorm(squares: S, count: number, maxNorm: number): void {
  squares.runtime.call('GLOBAL_NORM', [input(squares), count], [maxNorm], false);
}

export function scaleByElement(x: S, factors: S, index: number, n: number): void {
  if (x.zero && n >= x.length) return;
  x.runtime.call('SCALE_BY_ELEMENT', [input(x), input(factors), index, n], [], wide(n));
}

export function adamUpdate(p: S, g: S, m: S, v: S, n: number, h: AdamHyper, gradScale?: GradScale<S> | null): void {
  if (gradScale) scaleByElement(g, gradScale.factors, gradScale.index, n);
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = h;
  const floats = [lr / (1 - beta1 ** step), beta1, beta2, 1 / Math.sqrt(1 - beta2 ** step), eps,
    decoupled ? 1 - lr * weightDecay : 1, decoupled ? 0 : weightDecay];
  p.runtime.call('ADAM', [input(p), input(g), input(m), input(v), n], floats, wide(n));
}

export function sgdUpdate(p: S, g: S, buf: S, n: number, h: SgdHyper, gradScale?: GradScale<S> | null): void {
  if (gradScale) scaleByElement(g, gradScale.factors, gradScale.index, n);
  const { lr, momentum, nesterov, weightDecay, firstStep } = h;
  p.runtime.call('SGD', [input(p), input(g), input(buf), n, firstStep ? 1 : 0, nesterov ? 1 : 0], [lr, momentum, weightDecay], wide(n));
}
