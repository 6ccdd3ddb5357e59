import type { ActivationKind } from '../backend';
import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

/** Weight and optional bias of an affine layer (torch.nn.Linear: [O,I] and [O]; LayerNorm: [C] and [C]). */
export interface Affine {
  weight: Tensor;
  bias: Tensor | null;
}

/**
 * down(act(up(x))), the transformer's feed-forward block, as one op: the activation runs inside the up-projection's
 * kernel (no pre-activation tensor), and its backward, the saved slope, is applied inside the down-projection's
 * dx product (no gradient of the hidden tensor). x[…,I] → hidden [N,F] → y[…,O].
 */
export function feedForward(g: Graph, x: Tensor, up: Affine, down: Affine, kind: ActivationKind): Tensor {
  const [F, I] = up.weight.shape;
  const O = down.weight.shape[0];
  const N = x.size / I;
  const upShape = { N, I, O: F }, downShape = { N, I: F, O };
  const hidden = g.tensor([N, F]);
  const slope = g.tensor([N, F]);
  g.kernels.linearForward(x.storage, up.weight.storage, up.bias?.storage ?? null, hidden.storage, upShape, { kind, slope: slope.storage });
  const y = g.output([...x.shape.slice(0, -1), O], x, up.weight, up.bias, down.weight, down.bias);
  g.kernels.linearForward(hidden.storage, down.weight.storage, down.bias?.storage ?? null, y.storage, downShape);
  g.record(y, (dy) => {
    const upNeedsGrad = g.needsGrad(x, up.weight, up.bias);
    const dPre = upNeedsGrad ? g.tensor([N, F]) : null;
    g.kernels.linearBackward(dy.storage, hidden.storage, down.weight.storage, dPre?.storage ?? null, g.gradOf(down.weight)?.storage ?? null,
      g.gradOf(down.bias)?.storage ?? null, downShape, slope.storage);
    if (!dPre) return;
    g.kernels.linearBackward(dPre.storage, x.storage, up.weight.storage, g.gradOf(x)?.storage ?? null, g.gradOf(up.weight)?.storage ?? null,
      g.gradOf(up.bias)?.storage ?? null, upShape);
  });
  return y;
}
