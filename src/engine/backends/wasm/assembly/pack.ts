/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
/** Packing of matrix operands into the layouts the register-tiled kernels read ([k][4] or [k][6] tiles of A, [k][8] panels of B). */

/** k-rows per block of the packers that read rows far apart: a block's source rows stay in L1 across panels or tiles. */
const K_BLOCK: i32 = 16;

/**
 * Packs B(k, n) = b[k·ldb + n] for k in [k0, k0+kc), n in [n0, n0+nc) into [panel][k][8] (zero-padded), in
 * blocks of K_BLOCK k-rows so that the block's rows are read from memory once for all the panels.
 */
export function packRows(b: usize, ldb: usize, k0: i32, kc: i32, n0: i32, nc: i32, dst: usize): void {
  for (let kb = 0; kb < kc; kb += K_BLOCK) {
    const kEnd = min(kc, kb + K_BLOCK);
    for (let p = 0; p < nc; p += 8) {
      const cols = min(8, nc - p);
      let src = b + <usize>(k0 + kb) * ldb + (<usize>(n0 + p) << 2);
      let out = dst + <usize>p * <usize>kc * 4 + (<usize>kb << 5);
      if (cols == 8) {
        for (let k = kb; k < kEnd; k++) {
          v128.store(out, v128.load(src)); v128.store(out, v128.load(src, 16), 16);
          src += ldb; out += 32;
        }
      } else {
        for (let k = kb; k < kEnd; k++) {
          for (let j = 0; j < 8; j++) store<f32>(out + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
          src += ldb; out += 32;
        }
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
export function packRowsA(a: usize, ars: usize, m0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
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
 * Packs A(m, k) = a[m·4 + k·aks] (A given transposed, e.g. dYᵀ in dW = dYᵀ·X) for m in [m0, m0+mc), k in
 * [k0, k0+kc) into 4-row tiles of [k][4]: the kernel then reads 16 contiguous bytes per k instead of striding
 * through memory at a power-of-two pitch that maps every row onto the same few cache sets.
 */
export function packTransposedA(a: usize, aks: usize, m0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
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

/** Packs A(m, k) = a[m·ars + k·4] into 6-row tiles of [k][6] (the FMA build's GEMM tile); rows past mc repeat the last. */
export function packRowsA6(a: usize, ars: usize, m0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let t = 0; t < mc; t += 6) {
    const rows = min(6, mc - t);
    const r0 = a + <usize>(m0 + t) * ars + (<usize>k0 << 2);
    const out = dst + <usize>t * <usize>kc * 4;
    let k = 0;
    if (rows == 6) {
      for (; k + 4 <= kc; k += 4) {
        const s = r0 + (<usize>k << 2), o = out + <usize>k * 24;
        transpose4(s, ars, o, 24);
        // Rows 4 and 5 interleaved: (r4[k], r5[k]) pairs, 8 bytes after each k-slice's first four rows.
        const r4 = v128.load(s + 4 * ars), r5 = v128.load(s + 5 * ars);
        const lo = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5), hi = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7);
        v128.store64_lane(o, lo, 0, 16); v128.store64_lane(o, lo, 1, 40);
        v128.store64_lane(o, hi, 0, 64); v128.store64_lane(o, hi, 1, 88);
      }
    }
    for (; k < kc; k++) {
      for (let i = 0; i < 6; i++) {
        const row = r0 + <usize>min(i, rows - 1) * ars;
        store<f32>(out + <usize>k * 24 + (<usize>i << 2), load<f32>(row + (<usize>k << 2)));
      }
    }
  }
}

/**
 * Packs A(m, k) = a[m·4 + k·aks] (A given transposed) into 6-row tiles of [k][6]; rows past mc repeat the last.
 * Blocks of K_BLOCK k-rows, tile after tile: each source line is read once from memory, and writes go to one
 * tile at a time (16 tiles written k by k would be 16 streams a multiple of 4 KiB apart, fighting over L1 sets).
 */
export function packTransposedA6(a: usize, aks: usize, m0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  const full = mc / 6 * 6, tileBytes = <usize>kc * 24;
  const src0 = a + (<usize>m0 << 2) + <usize>k0 * aks;
  for (let kb = 0; kb < kc; kb += K_BLOCK) {
    const kEnd = min(kc, kb + K_BLOCK);
    for (let t = 0; t < full; t += 6) {
      let s = src0 + <usize>kb * aks + (<usize>t << 2);
      let o = dst + <usize>(t / 6) * tileBytes + <usize>kb * 24;
      for (let k = kb; k < kEnd; k++) {
        v128.store(o, v128.load(s));
        store<u64>(o, load<u64>(s, 16), 16);
        s += aks;
        o += 24;
      }
    }
  }
  if (full == mc) return;
  const rows = mc - full;
  let src = src0 + (<usize>full << 2);
  let out = dst + <usize>full * <usize>kc * 4;
  for (let k = 0; k < kc; k++) {
    for (let i = 0; i < 6; i++) store<f32>(out + (<usize>i << 2), load<f32>(src + (<usize>min(i, rows - 1) << 2)));
    src += aks;
    out += 24;
  }
}
