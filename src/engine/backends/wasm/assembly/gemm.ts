/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argI, argP, claim, scratchOf } from './control';

/** Epilogue modes: overwrite the output, or add to it (backward kernels add into gradients). */
export const STORE: i32 = 0;
export const ADD: i32 = 1;

/**
 * The register-tiled core: a 4×8 tile of C from 4 rows of A (each advanced by `aks` bytes per k) and a packed
 * panel of B ([k][8] floats). 8 accumulators + 2 B vectors + 1 broadcast fit V8's 15 usable XMM registers.
 */
export function micro(a0: usize, a1: usize, a2: usize, a3: usize, aks: usize, bp: usize, K: i32,
  c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let s = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a3);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    a0 += aks; a1 += aks; a2 += aks; a3 += aks; bp += 32;
  }
  if (bias != 0) {
    const z0 = v128.load(bias), z1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, z0); c01 = f32x4.add(c01, z1); c10 = f32x4.add(c10, z0); c11 = f32x4.add(c11, z1);
    c20 = f32x4.add(c20, z0); c21 = f32x4.add(c21, z1); c30 = f32x4.add(c30, z0); c31 = f32x4.add(c31, z1);
  }
  const r1 = c + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  if (mode == ADD) {
    c00 = f32x4.add(v128.load(c), c00); c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(r1), c10); c11 = f32x4.add(v128.load(r1, 16), c11);
    c20 = f32x4.add(v128.load(r2), c20); c21 = f32x4.add(v128.load(r2, 16), c21);
    c30 = f32x4.add(v128.load(r3), c30); c31 = f32x4.add(v128.load(r3, 16), c31);
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(r1, c10); v128.store(r1, c11, 16);
  v128.store(r2, c20); v128.store(r2, c21, 16);
  v128.store(r3, c30); v128.store(r3, c31, 16);
}

/**
 * The same 4×8 tile with A packed as [k][4] (one pointer, immediate offsets, the loop ends on B's pointer): a
 * quarter fewer instructions per k than four row pointers, which is what bounds the 4×8 kernel in V8.
 */
export function microPacked(ap: usize, bp: usize, K: i32, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = bp + (<usize>K << 5);
  while (bp < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let s = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    ap += 16; bp += 32;
  }
  if (bias != 0) {
    const z0 = v128.load(bias), z1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, z0); c01 = f32x4.add(c01, z1); c10 = f32x4.add(c10, z0); c11 = f32x4.add(c11, z1);
    c20 = f32x4.add(c20, z0); c21 = f32x4.add(c21, z1); c30 = f32x4.add(c30, z0); c31 = f32x4.add(c31, z1);
  }
  const r1 = c + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  if (mode == ADD) {
    c00 = f32x4.add(v128.load(c), c00); c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(r1), c10); c11 = f32x4.add(v128.load(r1, 16), c11);
    c20 = f32x4.add(v128.load(r2), c20); c21 = f32x4.add(v128.load(r2, 16), c21);
    c30 = f32x4.add(v128.load(r3), c30); c31 = f32x4.add(v128.load(r3, 16), c31);
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(r1, c10); v128.store(r1, c11, 16);
  v128.store(r2, c20); v128.store(r2, c21, 16);
  v128.store(r3, c30); v128.store(r3, c31, 16);
}

/** Copies the valid rows × cols of a 4×8 tile computed into `tile` (row stride 32 bytes) to C. */
export function finishEdge(tile: usize, c: usize, ldc: usize, rows: i32, cols: i32, mode: i32, bias: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let v = load<f32>(tile + (<usize>i << 5) + (<usize>j << 2));
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      const out = c + <usize>i * ldc + (<usize>j << 2);
      store<f32>(out, mode == ADD ? load<f32>(out) + v : v);
    }
  }
}

/** Packs B(k, n) = b[k·ldb + n] for k in [k0, k0+kc), n in [n0, n0+nc) into [panel][k][8] (zero-padded). */
export function packRows(b: usize, ldb: usize, k0: i32, kc: i32, n0: i32, nc: i32, dst: usize): void {
  for (let p = 0; p < nc; p += 8) {
    const cols = min(8, nc - p);
    let src = b + <usize>k0 * ldb + (<usize>(n0 + p) << 2);
    let out = dst + <usize>p * <usize>kc * 4;
    if (cols == 8) {
      for (let k = 0; k < kc; k++) {
        v128.store(out, v128.load(src)); v128.store(out, v128.load(src, 16), 16);
        src += ldb; out += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < 8; j++) store<f32>(out + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
        src += ldb; out += 32;
      }
    }
  }
}

/** Packs B(k, n) = b[n·ldb + k] (B given transposed, e.g. a weight [O, I] used as Wᵀ) into [panel][k][8]. */
export function packCols(b: usize, ldb: usize, k0: i32, kc: i32, n0: i32, nc: i32, dst: usize): void {
  for (let p = 0; p < nc; p += 8) {
    const cols = min(8, nc - p);
    const src = b + <usize>(n0 + p) * ldb + (<usize>k0 << 2);
    const out = dst + <usize>p * <usize>kc * 4;
    let k = 0;
    if (cols == 8) {
      for (; k + 4 <= kc; k += 4) {
        const s = src + (<usize>k << 2);
        transpose4(s, ldb, out + (<usize>k << 5), 32);
        transpose4(s + (ldb << 2), ldb, out + (<usize>k << 5) + 16, 32);
      }
    }
    for (; k < kc; k++) {
      for (let j = 0; j < 8; j++) {
        store<f32>(out + (<usize>k << 5) + (<usize>j << 2), j < cols ? load<f32>(src + <usize>j * ldb + (<usize>k << 2)) : 0);
      }
    }
  }
}

/** Four rows × 4 floats at s (row stride ldb) → four k-slices of 4 floats, `step` bytes apart. */
function transpose4(s: usize, ldb: usize, out: usize, step: usize): void {
  const r0 = v128.load(s), r1 = v128.load(s + ldb), r2 = v128.load(s + 2 * ldb), r3 = v128.load(s + 3 * ldb);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(out + step, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(out + 2 * step, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(out + 3 * step, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs A(m, k) = a[m·ars + k·4] (rows contiguous) for m in [m0, m0+mc), k in [k0, k0+kc) into 4-row tiles of
 * [k][4]; rows past mc repeat the last row (their results are discarded).
 */
function packRowsA(a: usize, ars: usize, m0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let t = 0; t < mc; t += 4) {
    const rows = min(4, mc - t);
    const r0 = a + <usize>(m0 + t) * ars + (<usize>k0 << 2);
    const out = dst + <usize>t * <usize>kc * 4;
    let k = 0;
    if (rows == 4) {
      for (; k + 4 <= kc; k += 4) transpose4(r0 + (<usize>k << 2), ars, out + (<usize>k << 4), 16);
    }
    for (; k < kc; k++) {
      for (let i = 0; i < 4; i++) {
        const row = r0 + <usize>min(i, rows - 1) * ars;
        store<f32>(out + (<usize>k << 4) + (<usize>i << 2), load<f32>(row + (<usize>k << 2)));
      }
    }
  }
}

/**
 * C[m0:m0+mc, n0:n0+nc] (mode)= A·B over k in [k0, k0+kc) with B packed at `bp`, `panelBytes` apart per 8 columns.
 * A(m, k) is at a + m·ars + k·aks. `tile` is 128 bytes of scratch for edge tiles.
 */
export function tiles(a: usize, ars: usize, aks: usize, bp: usize, panelBytes: usize, c: usize, ldc: usize,
  m0: i32, mc: i32, n0: i32, nc: i32, k0: i32, kc: i32, mode: i32, bias: usize, tile: usize): void {
  for (let p = 0; p < nc; p += 8) {
    const cols = min(8, nc - p);
    const panel = bp + <usize>(p >> 3) * panelBytes;
    const biasHere: usize = bias == 0 ? 0 : bias + (<usize>(n0 + p) << 2);
    for (let i = 0; i < mc; i += 4) {
      const rows = min(4, mc - i);
      const a0 = a + <usize>(m0 + i) * ars + <usize>k0 * aks;
      const a1 = rows > 1 ? a0 + ars : a0, a2 = rows > 2 ? a0 + 2 * ars : a0, a3 = rows > 3 ? a0 + 3 * ars : a0;
      const out = c + <usize>(m0 + i) * ldc + (<usize>(n0 + p) << 2);
      if (rows == 4 && cols == 8) {
        micro(a0, a1, a2, a3, aks, panel, kc, out, ldc, mode, biasHere);
      } else {
        micro(a0, a1, a2, a3, aks, panel, kc, tile, 32, STORE, 0);
        finishEdge(tile, out, ldc, rows, cols, mode, biasHere);
      }
    }
  }
}

/**
 * Packs A(m, k) = a[m·4 + k·aks] (A given transposed, e.g. dYᵀ in dW = dYᵀ·X) for m in [m0, m0+mc), k in
 * [k0, k0+kc) into 4-row tiles of [k][4]: the kernel then reads 16 contiguous bytes per k instead of striding
 * through memory at a power-of-two pitch that maps every row onto the same few cache sets.
 */
function packTransposedA(a: usize, aks: usize, m0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let t = 0; t < mc; t += 4) {
    let src = a + (<usize>(m0 + t) << 2) + <usize>k0 * aks;
    let out = dst + <usize>t * <usize>kc * 4;
    for (let k = 0; k < kc; k++) {
      v128.store(out, v128.load(src));
      src += aks;
      out += 16;
    }
  }
}

/**
 * Task GEMM: C[M,N] (mode)= A[M,K]·B[K,N] (+ bias[N]) in chunks of MB×NB outputs; every output sums its k in the
 * same order whichever thread runs its chunk, so results do not depend on the thread count. Both operands are
 * packed per block: A into [k][4] tiles (from rows, or from columns when it is given transposed: ars = 4).
 * Args: a, ars, aks, b, ldb, bTransposed, c, ldc, M, N, K, mode, bias, MB, NB, KC.
 */
export function gemmTask(tid: i32): void {
  const a = argP(0), ars = argP(1), aks = argP(2), b = argP(3), ldb = argP(4), bT = argI(5);
  const c = argP(6), ldc = argP(7), M = argI(8), N = argI(9), K = argI(10), mode = argI(11), bias = argP(12);
  const MB = argI(13), NB = argI(14), KC = argI(15);
  const chunksN = (N + NB - 1) / NB;
  const chunks = ((M + MB - 1) / MB) * chunksN;
  const pack = scratchOf(tid), aPack = pack + <usize>KC * <usize>((NB + 7) & ~7) * 4;
  const tile = aPack + <usize>KC * <usize>((MB + 3) & ~3) * 4;
  const transposedA = ars == 4;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const m0 = (chunk / chunksN) * MB, n0 = (chunk % chunksN) * NB;
    const mc = min(MB, M - m0), nc = min(NB, N - n0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      if (bT != 0) packCols(b, ldb, k0, kc, n0, nc, pack);
      else packRows(b, ldb, k0, kc, n0, nc, pack);
      const stepMode = k0 == 0 ? mode : ADD, stepBias = k0 == 0 ? bias : 0;
      if (transposedA) packTransposedA(a, aks, m0, mc, k0, kc, aPack);
      else packRowsA(a, ars, m0, mc, k0, kc, aPack);
      packedTiles(aPack, pack, c, ldc, m0, mc, n0, nc, kc, stepMode, stepBias, tile);
    }
  }
}

/** Like `tiles`, with A packed by packTransposedA (tiles of [k][4], kc·16 bytes apart). */
function packedTiles(ap: usize, bp: usize, c: usize, ldc: usize, m0: i32, mc: i32, n0: i32, nc: i32, kc: i32,
  mode: i32, bias: usize, tile: usize): void {
  const tileBytes = <usize>kc << 4, panelBytes = <usize>kc << 5;
  for (let p = 0; p < nc; p += 8) {
    const cols = min(8, nc - p);
    const panel = bp + <usize>(p >> 3) * panelBytes;
    const biasHere: usize = bias == 0 ? 0 : bias + (<usize>(n0 + p) << 2);
    for (let i = 0; i < mc; i += 4) {
      const rows = min(4, mc - i);
      const a0 = ap + <usize>(i >> 2) * tileBytes;
      const out = c + <usize>(m0 + i) * ldc + (<usize>(n0 + p) << 2);
      if (rows == 4 && cols == 8) {
        microPacked(a0, panel, kc, out, ldc, mode, biasHere);
      } else {
        microPacked(a0, panel, kc, tile, 32, STORE, 0);
        finishEdge(tile, out, ldc, rows, cols, mode, biasHere);
      }
    }
  }
}

/**
 * Task BIAS_GRAD: db[O] (mode)= Σ_n dy[n, O] in chunks of 32 columns, each summed row after row (in order) in
 * eight vector accumulators: rows are read as contiguous 128-byte segments. Args: dy, db, N, O, mode.
 */
export function biasGradTask(_tid: i32): void {
  const dy = argP(0), db = argP(1), N = argI(2), O = argI(3), mode = argI(4);
  const rowBytes = <usize>O << 2;
  const chunks = (O + 31) >> 5;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const o0 = chunk << 5, oc = min(32, O - o0);
    const out = db + (<usize>o0 << 2);
    if (oc == 32) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
      let src = dy + (<usize>o0 << 2);
      for (let n = 0; n < N; n++) {
        s0 = f32x4.add(s0, v128.load(src)); s1 = f32x4.add(s1, v128.load(src, 16));
        s2 = f32x4.add(s2, v128.load(src, 32)); s3 = f32x4.add(s3, v128.load(src, 48));
        s4 = f32x4.add(s4, v128.load(src, 64)); s5 = f32x4.add(s5, v128.load(src, 80));
        s6 = f32x4.add(s6, v128.load(src, 96)); s7 = f32x4.add(s7, v128.load(src, 112));
        src += rowBytes;
      }
      if (mode == ADD) {
        s0 = f32x4.add(v128.load(out), s0); s1 = f32x4.add(v128.load(out, 16), s1);
        s2 = f32x4.add(v128.load(out, 32), s2); s3 = f32x4.add(v128.load(out, 48), s3);
        s4 = f32x4.add(v128.load(out, 64), s4); s5 = f32x4.add(v128.load(out, 80), s5);
        s6 = f32x4.add(v128.load(out, 96), s6); s7 = f32x4.add(v128.load(out, 112), s7);
      }
      v128.store(out, s0); v128.store(out, s1, 16); v128.store(out, s2, 32); v128.store(out, s3, 48);
      v128.store(out, s4, 64); v128.store(out, s5, 80); v128.store(out, s6, 96); v128.store(out, s7, 112);
    } else {
      for (let o = 0; o < oc; o++) {
        let acc: f32 = 0;
        for (let n = 0; n < N; n++) acc += load<f32>(dy + <usize>n * rowBytes + (<usize>(o0 + o) << 2));
        const at = out + (<usize>o << 2);
        store<f32>(at, mode == ADD ? load<f32>(at) + acc : acc);
      }
    }
  }
}

/** Scratch bytes per thread that gemmTask needs for an MB × NB block over KC. */
export function gemm_scratch_bytes(MB: i32, NB: i32, KC: i32): i32 {
  return KC * ((NB + 7) & ~7) * 4 + KC * ((MB + 3) & ~3) * 4 + 128;
}
