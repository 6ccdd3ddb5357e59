import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

/** y[…,O] = x[…,I] · w[O,I]ᵀ + b[O] (torch.nn.functional.linear). */
export function linear(g: Graph, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [O, I] = w.shape;
  const N = x.size / I;
  const y = g.output([...x.shape.slice(0, -1), O], x, w, b);
  const shape = { N, I, O };
  g.kernels.linearForward(x.storage, w.storage, b?.storage ?? null, y.storage, shape);
  g.record(y, (dy) => {
    g.kernels.linearBackward(dy.storage, x.storage, w.storage, g.gradOf(x)?.storage ?? null,
      g.gradOf(w)?.storage ?? null, g.gradOf(b)?.storage ?? null, shape);
  });
  return y;
}
