/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argF, argI, argP, claim, claimRows } from './control';
import { madd } from './fma';
import { ADD } from './gemm';
import { copyFloats, zeroFloats } from './blocks';

/** Elements per chunk of the elementwise tasks (32 KiB of floats). */
export const CHUNK: i32 = 8192;

/** Mode of a slice's backward pass into a gradient still logically zero: write the slice and zero the rest of each row. */
export const STORE_ZERO_REST: i32 = 2;

/** Task ADD: out = a + b. Args: a, b, out, n. */
export function addTask(_tid: i32): void {
  const a = argP(0), b = argP(1), out = argP(2), n = argI(3);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(n, (chunk + 1) * CHUNK);
    let i = chunk * CHUNK;
    for (; i + 4 <= end; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < end; i++) store<f32>(out + (<usize>i << 2), load<f32>(a + (<usize>i << 2)) + load<f32>(b + (<usize>i << 2)));
  }
}

/** Task AXPY: out (mode)= factor·x, i.e. accumulate (mode ADD) or scale (mode STORE; out may be x). Args: x, out, n, mode; factor. */
export function axpyTask(_tid: i32): void {
  const x = argP(0), out = argP(1), n = argI(2), mode = argI(3);
  const factor = <f32>argF(0);
  const vf = f32x4.splat(factor);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(n, (chunk + 1) * CHUNK);
    let i = chunk * CHUNK;
    for (; i + 4 <= end; i += 4) {
      const o = <usize>i << 2;
      const v = factor == 1 ? v128.load(x + o) : f32x4.mul(vf, v128.load(x + o));
      v128.store(out + o, mode == ADD ? f32x4.add(v128.load(out + o), v) : v);
    }
    for (; i < end; i++) {
      const o = <usize>i << 2;
      const v = factor * load<f32>(x + o);
      store<f32>(out + o, mode == ADD ? load<f32>(out + o) + v : v);
    }
  }
}

/** Task FILL: x[0:n] = value. Args: x, n; value. */
export function fillTask(_tid: i32): void {
  const x = argP(0), n = argI(1), value = <f32>argF(0);
  const chunks = (n + CHUNK - 1) / CHUNK;
  const v = f32x4.splat(value);
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(n, (chunk + 1) * CHUNK);
    let i = chunk * CHUNK;
    for (; i + 4 <= end; i += 4) v128.store(x + (<usize>i << 2), v);
    for (; i < end; i++) store<f32>(x + (<usize>i << 2), value);
  }
}

/** Task SLICE_FWD: y[N, width] = x[N, start:start+width] of x[N, W]. Args: x, y, N, W, start, width. */
export function sliceForwardTask(_tid: i32): void {
  const x = argP(0), y = argP(1), N = argI(2), W = argI(3), start = argI(4), width = argI(5);
  const rows = max(1, CHUNK / max(1, width));
  const chunks = (N + rows - 1) / rows;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(N, (chunk + 1) * rows);
    for (let r = chunk * rows; r < end; r++) {
      copyFloats(y + (<usize>r * <usize>width << 2), x + ((<usize>r * <usize>W + <usize>start) << 2), width);
    }
  }
}

/**
 * Task SLICE_BWD: dx[N, start:start+width] (mode)+= dy; mode STORE_ZERO_REST also zeroes the rest of dx's rows.
 * Args: dy, dx, N, W, start, width, mode.
 */
export function sliceBackwardTask(_tid: i32): void {
  const dy = argP(0), dx = argP(1), N = argI(2), W = argI(3), start = argI(4), width = argI(5), mode = argI(6);
  const rows = max(1, CHUNK / max(1, W));
  const chunks = (N + rows - 1) / rows;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(N, (chunk + 1) * rows);
    for (let r = chunk * rows; r < end; r++) {
      const src = dy + (<usize>r * <usize>width << 2), row = dx + (<usize>r * <usize>W << 2), dst = row + (<usize>start << 2);
      if (mode == ADD) {
        let c = 0;
        for (; c + 4 <= width; c += 4) {
          const o = <usize>c << 2;
          v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
        }
        for (; c < width; c++) store<f32>(dst + (<usize>c << 2), load<f32>(dst + (<usize>c << 2)) + load<f32>(src + (<usize>c << 2)));
      } else {
        if (mode == STORE_ZERO_REST) {
          zeroFloats(row, start);
          zeroFloats(dst + (<usize>width << 2), W - start - width);
        }
        copyFloats(dst, src, width);
      }
    }
  }
}

/** The counter-based hash of the CPU reference (elementwise.ts hashUniform), as an unsigned 32-bit integer. */
function hash(seed: u32, index: u32): u32 {
  let h = (index * 0x9e3779b9) ^ seed;
  h = (h ^ (h >> 16)) * 0x7feb352d;
  h = (h ^ (h >> 15)) * 0x846ca68b;
  return h ^ (h >> 16);
}

/**
 * Task DROPOUT_FWD (one thread): mask[i] = hash(seed, i)/2³² < p ? 0 : f32(1/(1−p)); y = x·mask in float32,
 * bit for bit as the CPU reference. Args: x, mask, y, n, seed; p.
 */
export function dropoutForwardTask(_tid: i32): void {
  const x = argP(0), mask = argP(1), y = argP(2), n = argI(3), seed = <u32>argI(4);
  const p = argF(0);
  const keep = <f32>(1 / (1 - p));
  // One chunk: a thread that joins late finds it taken.
  for (let only = claim(1); only >= 0; only = claim(1)) {
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 2;
      const m: f32 = <f64>hash(seed, <u32>i) / 4294967296.0 < p ? 0 : keep;
      store<f32>(mask + o, m);
      store<f32>(y + o, load<f32>(x + o) * m);
    }
  }
}

/**
 * Task MUL_ACC: out (mode)= a·b elementwise: dy times dropout's mask or an activation's saved slope.
 * Args: a, b, out, n, mode.
 */
export function mulAccTask(_tid: i32): void {
  const a = argP(0), b = argP(1), out = argP(2), n = argI(3), mode = argI(4);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(n, (chunk + 1) * CHUNK);
    let i = chunk * CHUNK;
    if (mode == ADD) {
      for (; i + 4 <= end; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, madd(v128.load(a + o), v128.load(b + o), v128.load(out + o)));
      }
    } else {
      for (; i + 4 <= end; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
      }
    }
    for (; i < end; i++) {
      const o = <usize>i << 2;
      const v = load<f32>(a + o) * load<f32>(b + o);
      store<f32>(out + o, mode == ADD ? load<f32>(out + o) + v : v);
    }
  }
}

/** Task EMBED_FWD: y[n, :] = w[idx[n], :]. Args: idx, w, y, N, C. */
export function embeddingForwardTask(_tid: i32): void {
  const idx = argP(0), w = argP(1), y = argP(2), N = argI(3), C = argI(4);
  const rowBytes = <usize>C << 2;
  const chunks = (N + 63) >> 6;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(N, (chunk + 1) << 6);
    for (let n = chunk << 6; n < end; n++) {
      copyFloats(y + <usize>n * rowBytes, w + <usize>load<i32>(idx + (<usize>n << 2)) * rowBytes, C);
    }
  }
}

/** Task EMBED_BWD (one thread, rows in order since rows may share an id): dw[idx[n], :] += dy[n, :]. Args: dy, idx, dw, N, C. */
export function embeddingBackwardTask(_tid: i32): void {
  const dy = argP(0), idx = argP(1), dw = argP(2), N = argI(3), C = argI(4);
  // One chunk: a thread that joins late finds it taken.
  for (let only = claim(1); only >= 0; only = claim(1)) {
    const rowBytes = <usize>C << 2;
    for (let n = 0; n < N; n++) {
      const src = dy + <usize>n * rowBytes, dst = dw + <usize>load<i32>(idx + (<usize>n << 2)) * rowBytes;
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
      for (; c < C; c++) store<f32>(dst + (<usize>c << 2), load<f32>(dst + (<usize>c << 2)) + load<f32>(src + (<usize>c << 2)));
    }
  }
}

/** Task SUM_SQUARES (one thread): out[index] = Σ x², accumulated in f64. Args: x, n, out, index. */
export function sumOfSquaresTask(_tid: i32): void {
  const x = argP(0), n = argI(1), out = argP(2), index = argI(3);
  // One chunk: a thread that joins late finds it taken.
  for (let only = claim(1); only >= 0; only = claim(1)) {
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
      acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
    }
    const both = f64x2.add(acc0, acc1);
    let sum = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; i < n; i++) {
      const v = <f64>load<f32>(x + (<usize>i << 2));
      sum += v * v;
    }
    store<f32>(out + (<usize>index << 2), <f32>sum);
  }
}

/** Task GLOBAL_NORM (one thread): s[count] = √Σ s[0:count], s[count+1] = clip coefficient (1 when maxNorm ≤ 0). Args: s, count; maxNorm. */
export function globalNormTask(_tid: i32): void {
  const s = argP(0), count = argI(1), maxNorm = argF(0);
  // One chunk: a thread that joins late finds it taken.
  for (let only = claim(1); only >= 0; only = claim(1)) {
    let sum: f64 = 0;
    for (let i = 0; i < count; i++) sum += <f64>load<f32>(s + (<usize>i << 2));
    const norm = Math.sqrt(sum);
    store<f32>(s + (<usize>count << 2), <f32>norm);
    store<f32>(s + (<usize>(count + 1) << 2), <f32>(maxNorm > 0 ? min(1, maxNorm / (norm + 1e-6)) : 1));
  }
}

/** Task SCALE_BY_ELEMENT: x[0:n] *= factors[index]. Args: x, factors, index, n. */
export function scaleByElementTask(_tid: i32): void {
  const x = argP(0), factors = argP(1), index = argI(2), n = argI(3);
  const factor = load<f32>(factors + (<usize>index << 2));
  if (factor == 1) return;
  const vf = f32x4.splat(factor);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const end = min(n, (chunk + 1) * CHUNK);
    let i = chunk * CHUNK;
    for (; i + 4 <= end; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(vf, v128.load(x + (<usize>i << 2))));
    for (; i < end; i++) store<f32>(x + (<usize>i << 2), factor * load<f32>(x + (<usize>i << 2)));
  }
}
