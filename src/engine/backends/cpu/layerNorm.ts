import type { LayerNormShape } from '../../backend';

type F32 = Float32Array;

/** y[N,C] = (x − mean) · rstd · w + b over each row; saves mean[N] and rstd[N] for the backward pass. */
export function layerNormForward(x: F32, w: F32, b: F32 | null, y: F32, mean: F32, rstd: F32, { N, C, eps }: LayerNormShape): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += x[o + c];
    const m = sum / C;
    let sq = 0;
    for (let c = 0; c < C; c++) sq += (x[o + c] - m) ** 2;
    const r = 1 / Math.sqrt(sq / C + eps);
    for (let c = 0; c < C; c++) y[o + c] = (x[o + c] - m) * r * w[c] + (b ? b[c] : 0);
    mean[n] = m;
    rstd[n] = r;
  }
}

/** dx = rstd · (dnorm − mean(dnorm) − norm · mean(dnorm · norm)) with dnorm = dy · w. */
export function layerNormBackward(dy: F32, x: F32, w: F32, mean: F32, rstd: F32, dx: F32 | null, dw: F32 | null, db: F32 | null, { N, C }: LayerNormShape): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const m = mean[n];
    const r = rstd[n];
    let dnormMean = 0;
    let dnormNormMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (x[o + c] - m) * r;
      const dnorm = dy[o + c] * w[c];
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
      if (dw) dw[c] += dy[o + c] * norm;
      if (db) db[c] += dy[o + c];
    }
    if (!dx) continue;
    dnormMean /= C;
    dnormNormMean /= C;
    for (let c = 0; c < C; c++) {
      const norm = (x[o + c] - m) * r;
      dx[o + c] += r * (dy[o + c] * w[c] - dnormMean - norm * dnormNormMean);
    }
  }
}
