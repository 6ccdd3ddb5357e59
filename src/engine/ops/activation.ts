import type { ActivationKind } from '../backend';
import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

/** Elementwise GELU (exact erf), GELU (tanh approximation) or ReLU. */
export function activation(g: Graph, kind: ActivationKind, x: Tensor): Tensor {
  const y = g.output(x.shape, x);
  g.kernels.activationForward(kind, x.storage, y.storage, x.size);
  g.record(y, (dy) => {
    const dx = g.gradOf(x);
    if (dx) g.kernels.activationBackward(kind, dy.storage, x.storage, dx.storage, x.size);
  });
  return y;
}
