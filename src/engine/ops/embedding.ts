import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

/** y[…,C] = w[idx[…], :] (torch.nn.functional.embedding); idx is i32. */
export function embedding(g: Graph, idx: Tensor, w: Tensor): Tensor {
  const [V, C] = w.shape;
  const shape = { N: idx.size, C, V };
  const y = g.output([...idx.shape, C], w);
  g.kernels.embeddingForward(idx.storage, w.storage, y.storage, shape);
  g.record(y, (dy) => {
    const dw = g.gradOf(w);
    if (dw) g.kernels.embeddingBackward(dy.storage, idx.storage, dw.storage, shape);
  });
  return y;
}
