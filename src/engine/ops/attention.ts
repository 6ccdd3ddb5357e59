import type { AttentionShape } from '../backend';
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
  return attend(g, [q, k, v], { B, Tq, Tk: k.shape[1], C, H: options.nHeads, causal: options.causal }, options.keyPad);
}

/** Self-attention straight from a fused projection qkv[B,T,3C] (q, k, v side by side in each row) → y[B,T,C]. */
export function selfAttention(g: Graph, qkv: Tensor, options: AttentionOptions): Tensor {
  const [B, T, threeC] = qkv.shape;
  return attend(g, [qkv], { B, Tq: T, Tk: T, C: threeC / 3, H: options.nHeads, causal: options.causal, packed: true }, options.keyPad);
}

/** Runs the attention kernels on `inputs` (q, k, v, or the one packed projection) and records their backward. */
function attend(g: Graph, inputs: Tensor[], shape: AttentionShape, keyPadTensor: Tensor | null): Tensor {
  const { B, Tq, Tk, C, H } = shape;
  const [q, k, v] = inputs.length === 1 ? [inputs[0], inputs[0], inputs[0]] : inputs;
  const keyPad = keyPadTensor?.storage ?? null;
  const y = g.output([B, Tq, C], ...inputs);
  const lse = g.tensor([B, H, Tq]);
  const keepsWeights = B * H * Tq * Tk <= g.backend.attentionWeightsBudget;
  const weights = keepsWeights ? g.tensor([B, H, Tq, Tk]).storage : null;
  g.kernels.attentionForward(q.storage, k.storage, v.storage, keyPad, y.storage, lse.storage, weights, shape);
  g.record(y, (dy) => {
    const [dq, dk, dv] = inputs.length === 1
      ? Array(3).fill(g.gradOf(inputs[0]) ?? g.tensor(inputs[0].shape))
      : inputs.map((x) => g.gradOf(x) ?? g.tensor(x.shape));
    g.kernels.attentionBackward(dy.storage, q.storage, k.storage, v.storage, keyPad, y.storage, lse.storage, weights,
      dq.storage, dk.storage, dv.storage, shape);
  });
  return y;
}
