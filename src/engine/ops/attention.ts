import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

export interface AttentionOptions {
  nHeads: number;
  causal: boolean;
  /** i32 [B,Tk], 1 where the key is padding; null when no key is padding. */
  keyPad: Tensor | null;
}

/** Scaled dot-product multi-head attention: q[B,Tq,C], k[B,Tk,C], v[B,Tk,C] → y[B,Tq,C]. */
export function attention(g: Graph, q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const [B, Tq, C] = q.shape;
  const Tk = k.shape[1];
  const shape = { B, Tq, Tk, C, H: options.nHeads, causal: options.causal };
  const keyPad = options.keyPad?.storage ?? null;
  const y = g.output(q.shape, q, k, v);
  const lse = g.tensor([B, options.nHeads, Tq]);
  const keepsWeights = B * options.nHeads * Tq * Tk <= g.backend.attentionWeightsBudget;
  const weights = keepsWeights ? g.tensor([B, options.nHeads, Tq, Tk]).storage : null;
  g.kernels.attentionForward(q.storage, k.storage, v.storage, keyPad, y.storage, lse.storage, weights, shape);
  g.record(y, (dy) => {
    const dq = g.gradOf(q) ?? g.tensor(q.shape);
    const dk = g.gradOf(k) ?? g.tensor(k.shape);
    const dv = g.gradOf(v) ?? g.tensor(v.shape);
    g.kernels.attentionBackward(dy.storage, q.storage, k.storage, v.storage, keyPad, y.storage, lse.storage, weights,
      dq.storage, dk.storage, dv.storage, shape);
  });
  return y;
}
