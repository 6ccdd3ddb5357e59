import type { EmbeddingShape, LinearShape } from '../../backend';

type F32 = Float32Array;

/** y[N,O] = x[N,I] · w[O,I]ᵀ + b[O]; rows of x and w are both contiguous, so each output is one dot product. */
export function linearForward(x: F32, w: F32, b: F32 | null, y: F32, { N, I, O }: LinearShape): void {
  for (let n = 0; n < N; n++) {
    const xo = n * I;
    for (let o = 0; o < O; o++) {
      const wo = o * I;
      let sum = b ? b[o] : 0;
      for (let i = 0; i < I; i++) sum += x[xo + i] * w[wo + i];
      y[n * O + o] = sum;
    }
  }
}

/** dx[N,I] += dy[N,O]·w[O,I]; dw[O,I] += dy[N,O]ᵀ·x[N,I]; db[O] += Σ_n dy[n,O]. */
export function linearBackward(dy: F32, x: F32, w: F32, dx: F32 | null, dw: F32 | null, db: F32 | null, { N, I, O }: LinearShape): void {
  for (let n = 0; n < N; n++) {
    const xo = n * I;
    for (let o = 0; o < O; o++) {
      const d = dy[n * O + o];
      if (d === 0) continue;
      const wo = o * I;
      if (dx) for (let i = 0; i < I; i++) dx[xo + i] += d * w[wo + i];
      if (dw) for (let i = 0; i < I; i++) dw[wo + i] += d * x[xo + i];
      if (db) db[o] += d;
    }
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
