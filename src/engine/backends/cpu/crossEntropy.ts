import type { CrossEntropyShape } from '../../backend';

type F32 = Float32Array;

/**
 * Per row: lse − (1−ε)·z[target] − (ε/V)·Σ_c z[c], i.e. PyTorch's label-smoothed CE; rows whose target is
 * ignoreIndex add nothing. loss[0] = scale · Σ rows. lse[N] is saved for the backward pass.
 */
export function crossEntropyForward(logits: F32, targets: Int32Array, loss: F32, lse: F32, s: CrossEntropyShape): void {
  const { N, V, ignoreIndex, smoothing } = s;
  let total = 0;
  for (let n = 0; n < N; n++) {
    const o = n * V;
    let max = -Infinity;
    for (let c = 0; c < V; c++) if (logits[o + c] > max) max = logits[o + c];
    let sum = 0;
    let zSum = 0;
    for (let c = 0; c < V; c++) {
      sum += Math.exp(logits[o + c] - max);
      zSum += logits[o + c];
    }
    const rowLse = max + Math.log(sum);
    lse[n] = rowLse;
    const target = targets[n];
    if (target === ignoreIndex) continue;
    total += rowLse - (1 - smoothing) * logits[o + target] - (smoothing / V) * zSum;
  }
  loss[0] = total * s.scale;
}

export function crossEntropyBackward(dLoss: F32, logits: F32, targets: Int32Array, lse: F32, dLogits: F32, s: CrossEntropyShape): void {
  const { N, V, ignoreIndex, smoothing } = s;
  const g = dLoss[0] * s.scale;
  const uniform = smoothing / V;
  for (let n = 0; n < N; n++) {
    const target = targets[n];
    if (target === ignoreIndex) continue;
    const o = n * V;
    const rowLse = lse[n];
    for (let c = 0; c < V; c++) dLogits[o + c] += g * (Math.exp(logits[o + c] - rowLse) - uniform);
    dLogits[o + target] -= g * (1 - smoothing);
  }
}
