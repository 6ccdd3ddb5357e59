import type { AdamHyper, GradScale, SgdHyper } from '../../backend';
import { scaleByElement } from './elementwise';

type F32 = Float32Array;

/** torch.optim.AdamW (decoupled) / Adam (L2 added to the gradient), one step, in the order torch applies it. */
export function adamUpdate(p: F32, g: F32, m: F32, v: F32, n: number, h: AdamHyper, gradScale?: GradScale<F32> | null): void {
  if (gradScale) scaleByElement(g, gradScale.factors, gradScale.index, n);
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = h;
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  for (let i = 0; i < n; i++) {
    const grad = g[i] + l2 * p[i];
    const param = p[i] * decay;
    const mi = (m[i] = beta1 * m[i] + (1 - beta1) * grad);
    const vi = (v[i] = beta2 * v[i] + (1 - beta2) * grad * grad);
    p[i] = param - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}

/** torch.optim.SGD with weight decay, momentum (buffer = gradient on the first step) and Nesterov. */
export function sgdUpdate(p: F32, g: F32, buf: F32, n: number, h: SgdHyper, gradScale?: GradScale<F32> | null): void {
  if (gradScale) scaleByElement(g, gradScale.factors, gradScale.index, n);
  const { lr, momentum, nesterov, weightDecay, firstStep } = h;
  for (let i = 0; i < n; i++) {
    let d = g[i] + weightDecay * p[i];
    if (momentum !== 0) {
      const b = (buf[i] = firstStep ? d : momentum * buf[i] + d);
      d = nesterov ? d + momentum * b : b;
    }
    p[i] -= lr * d;
  }
}
