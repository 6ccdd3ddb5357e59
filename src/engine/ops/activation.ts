import type { ActivationKind } from '../backend';
import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

/** Elementwise GELU (exact erf), GELU (tanh approximation) or ReLU; the forward saves the slope the backward needs. */
export function activation(g: Graph, kind: ActivationKind, x: Tensor): Tensor {
  const y = g.output(x.shape, x);
  const slope = g.tensor(x.shape);
  g.kernels.activationForward(kind, x.storage, y.storage, slope.storage, x.size);
  g.record(y, (dy) => {
    const dx = g.gradOf(x);
    if (dx) g.kernels.multiplyAccumulate(dy.storage, slope.storage, dx.storage, x.size);
  });
  return y;
}
