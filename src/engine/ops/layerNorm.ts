import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

export const LAYER_NORM_EPS = 1e-5;

/** LayerNorm over the last dimension with weight and optional bias (torch.nn.functional.layer_norm). */
export function layerNorm(g: Graph, x: Tensor, w: Tensor, b: Tensor | null, eps = LAYER_NORM_EPS): Tensor {
  const C = w.size;
  const N = x.size / C;
  const shape = { N, C, eps };
  const y = g.output(x.shape, x, w, b);
  const mean = g.tensor([N]);
  const rstd = g.tensor([N]);
  g.kernels.layerNormForward(x.storage, w.storage, b?.storage ?? null, y.storage, mean.storage, rstd.storage, shape);
  g.record(y, (dy) => {
    g.kernels.layerNormBackward(dy.storage, x.storage, w.storage, mean.storage, rstd.storage,
      g.gradOf(x)?.storage ?? null, g.gradOf(w)?.storage ?? null, g.gradOf(b)?.storage ?? null, shape);
  });
  return y;
}
