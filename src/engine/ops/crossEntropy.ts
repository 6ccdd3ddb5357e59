import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

export interface CrossEntropyOptions {
  /** Target id that carries no loss (the padding id). */
  ignoreIndex: number;
  labelSmoothing: number;
  /** Multiplies the summed loss: 1 / (non-pad tokens of the whole optimizer step) gives the step's mean. */
  scale: number;
}

/** Scalar [1]: scale · Σ over non-ignored rows of cross-entropy(logits[N,V], targets[N]) with label smoothing. */
export function crossEntropy(g: Graph, logits: Tensor, targets: Tensor, options: CrossEntropyOptions): Tensor {
  const V = logits.shape[logits.shape.length - 1];
  const N = logits.size / V;
  const shape = { N, V, ignoreIndex: options.ignoreIndex, smoothing: options.labelSmoothing, scale: options.scale };
  const loss = g.output([1], logits);
  const lse = g.tensor([N]);
  g.kernels.crossEntropyForward(logits.storage, targets.storage, loss.storage, lse.storage, shape);
  g.record(loss, (dLoss) => {
    const dLogits = g.gradOf(logits);
    if (dLogits) g.kernels.crossEntropyBackward(dLoss.storage, logits.storage, targets.storage, lse.storage, dLogits.storage, shape);
  });
  return loss;
}
