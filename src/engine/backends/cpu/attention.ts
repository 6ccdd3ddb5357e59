import { attentionLayout, type AttentionShape } from '../../backend';

type F32 = Float32Array;

/** Key j is visible from query i unless it is padding or (causal) lies in the future. */
function visible(keyPad: Int32Array | null, b: number, i: number, j: number, s: AttentionShape): boolean {
  return !(s.causal && j > i) && !(keyPad && keyPad[b * s.Tk + j] !== 0);
}

/**
 * y[B,Tq,C] = softmax(q·kᵀ/√D + mask)·v per head; head h uses channels [h·D, (h+1)·D).
 * lse[B,H,Tq] keeps each row's log-sum-exp so the backward pass can recompute probabilities without a T×T buffer;
 * weights[B,H,Tq,Tk], when given, keeps the probabilities themselves.
 */
export function attentionForward(q: F32, k: F32, v: F32, keyPad: Int32Array | null, y: F32, lse: F32, weights: F32 | null,
  s: AttentionShape): void {
  const { B, Tq, Tk, C, H } = s;
  const { ld, qOffset, kOffset, vOffset } = attentionLayout(s);
  const D = C / H;
  const scale = 1 / Math.sqrt(D);
  const scores = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        const qo = (b * Tq + i) * ld + qOffset + h * D;
        let max = -Infinity;
        for (let j = 0; j < Tk; j++) {
          if (!visible(keyPad, b, i, j, s)) { scores[j] = -Infinity; continue; }
          const ko = (b * Tk + j) * ld + kOffset + h * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qo + d] * k[ko + d];
          scores[j] = dot * scale;
          if (scores[j] > max) max = scores[j];
        }
        const yo = (b * Tq + i) * C + h * D;
        const wo = ((b * H + h) * Tq + i) * Tk;
        for (let d = 0; d < D; d++) y[yo + d] = 0;
        weights?.fill(0, wo, wo + Tk);
        if (max === -Infinity) { lse[(b * H + h) * Tq + i] = -Infinity; continue; }
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += scores[j] === -Infinity ? 0 : Math.exp(scores[j] - max);
        const rowLse = max + Math.log(sum);
        lse[(b * H + h) * Tq + i] = rowLse;
        for (let j = 0; j < Tk; j++) {
          if (scores[j] === -Infinity) continue;
          const p = Math.exp(scores[j] - rowLse);
          if (weights) weights[wo + j] = p;
          const vo = (b * Tk + j) * ld + vOffset + h * D;
          for (let d = 0; d < D; d++) y[yo + d] += p * v[vo + d];
        }
      }
    }
  }
}

/** FlashAttention-2 style backward: dS = P ∘ (dP − rowsum(dy ∘ y)), with P read from weights or recomputed from lse. */
export function attentionBackward(dy: F32, q: F32, k: F32, v: F32, keyPad: Int32Array | null, y: F32, lse: F32, weights: F32 | null,
  dq: F32, dk: F32, dv: F32, s: AttentionShape): void {
  const { B, Tq, Tk, C, H } = s;
  const { ld, qOffset, kOffset, vOffset } = attentionLayout(s);
  const D = C / H;
  const scale = 1 / Math.sqrt(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        const rowLse = lse[(b * H + h) * Tq + i];
        if (rowLse === -Infinity) continue;
        const yo = (b * Tq + i) * C + h * D, qo = (b * Tq + i) * ld + qOffset + h * D;
        let rowDot = 0;
        for (let d = 0; d < D; d++) rowDot += dy[yo + d] * y[yo + d];
        for (let j = 0; j < Tk; j++) {
          if (!visible(keyPad, b, i, j, s)) continue;
          const ko = (b * Tk + j) * ld + kOffset + h * D, vo = (b * Tk + j) * ld + vOffset + h * D;
          let dot = 0;
          let dp = 0;
          for (let d = 0; d < D; d++) {
            dot += q[qo + d] * k[ko + d];
            dp += dy[yo + d] * v[vo + d];
          }
          const p = weights ? weights[((b * H + h) * Tq + i) * Tk + j] : Math.exp(dot * scale - rowLse);
          const ds = p * (dp - rowDot) * scale;
          for (let d = 0; d < D; d++) {
            dq[qo + d] += ds * k[ko + d];
            dk[ko + d] += ds * q[qo + d];
            dv[vo + d] += p * dy[yo + d];
          }
        }
      }
    }
  }
}
