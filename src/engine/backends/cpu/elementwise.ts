import type { DropoutShape, SliceShape } from '../../backend';

type F32 = Float32Array;

export function add(a: F32, b: F32, out: F32, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

export function accumulate(target: F32, x: F32, n: number, factor: number): void {
  if (factor === 1) for (let i = 0; i < n; i++) target[i] += x[i];
  else for (let i = 0; i < n; i++) target[i] += factor * x[i];
}

export function scale(x: F32, factor: number, out: F32, n: number): void {
  for (let i = 0; i < n; i++) out[i] = factor * x[i];
}

export function fill(x: F32, value: number, n: number): void {
  x.fill(value, 0, n);
}

export function sliceForward(x: F32, y: F32, s: SliceShape): void {
  for (let r = 0; r < s.N; r++) y.set(x.subarray(r * s.W + s.start, r * s.W + s.start + s.width), r * s.width);
}

export function sliceBackward(dy: F32, dx: F32, s: SliceShape): void {
  for (let r = 0; r < s.N; r++) {
    const src = r * s.width;
    const dst = r * s.W + s.start;
    for (let c = 0; c < s.width; c++) dx[dst + c] += dy[src + c];
  }
}

/** A 32-bit integer hash of (seed, index); WGSL and WASM kernels compute the same bits. */
export function hashUniform(seed: number, index: number): number {
  let h = (Math.imul(index, 0x9e3779b9) ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

export function dropoutForward(x: F32, mask: F32, y: F32, s: DropoutShape): void {
  // The f32 value the mask stores, so y = x · mask exactly (and bit-identical on every backend).
  const keep = Math.fround(1 / (1 - s.p));
  for (let i = 0; i < s.n; i++) {
    const m = hashUniform(s.seed, i) < s.p ? 0 : keep;
    mask[i] = m;
    y[i] = x[i] * m;
  }
}

export function multiplyAccumulate(a: F32, b: F32, out: F32, n: number): void {
  for (let i = 0; i < n; i++) out[i] += a[i] * b[i];
}

export function sumOfSquares(x: F32, n: number, out: F32, index: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i] * x[i];
  out[index] = sum;
}

export function globalNorm(squares: F32, count: number, maxNorm: number): void {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += squares[i];
  const norm = Math.sqrt(sum);
  squares[count] = norm;
  squares[count + 1] = maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
}

export function scaleByElement(x: F32, factors: F32, index: number, n: number): void {
  const factor = factors[index];
  for (let i = 0; i < n; i++) x[i] *= factor;
}
