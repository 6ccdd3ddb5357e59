import type { EmbeddingShape, LinearActivation, LinearShape } from '../../backend';
import { activationForward } from './activation';

type F32 = Float32Array;

/**
 * y[N,O] = x[N,I] · w[O,I]ᵀ + b[O], then act in place when given; rows of x and w are both contiguous, so each
 * output is one dot product.
 */
export function linearForward(x: F32, w: F32, b: F32 | null, y: F32, { N, I, O }: LinearShape, act?: LinearActivation<F32>): void {
  for (let n = 0; n < N; n++) {
    const xo = n * I;
    for (let o = 0; o < O; o++) {
      const wo = o * I;
      let sum = b ? b[o] : 0;
      for (let i = 0; i < I; i++) sum += x[xo + i] * w[wo + i];
      y[n * O + o] = sum;
    }
  }
  if (act) activationForward(act.kind, y, y, act.slope, N * O);
}

/** dx[N,I] += dy[N,O]·w[O,I] (⊙ dxGate); dw[O,I] += dy[N,O]ᵀ·x[N,I]; db[O] += Σ_n dy[n,O]. */
export function linearBackward(dy: F32, x: F32, w: F32, dx: F32 | null, dw: F32 | null, db: F32 | null, { N, I, O }: LinearShape,
  dxGate?: F32 | null): void {
  const dxRow = new Float32Array(dx ? I : 0);
  for (let n = 0; n < N; n++) {
    const xo = n * I;
    dxRow.fill(0);
    for (let o = 0; o < O; o++) {
      const d = dy[n * O + o];
      if (d === 0) continue;
      const wo = o * I;
      if (dx) for (let i = 0; i < I; i++) dxRow[i] += d * w[wo + i];
      if (dw) for (let i = 0; i < I; i++) dw[wo + i] += d * x[xo + i];
      if (db) db[o] += d;
    }
    if (dx) for (let i = 0; i < I; i++) dx[xo + i] += dxGate ? dxRow[i] * dxGate[xo + i] : dxRow[i];
  }
}

export function embeddingForward(idx: Int32Array, w: F32, y: F32, { N, C }: EmbeddingShape): void {
  for (let n = 0; n < N; n++) y.set(w.subarray(idx[n] * C, idx[n] * C + C), n * C);
}

export function embeddingBackward(dy: F32, idx: Int32Array, dw: F32, { N, C }: EmbeddingShape): void {
  for (let n = 0; n < N; n++) {
    const row = idx[n] * C;
    for (let c = 0; c < C; c++) dw[row + c] += dy[n * C + c];
  }
}
