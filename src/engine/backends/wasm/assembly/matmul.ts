/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argI, argP, claim, scratchOf, sharedScratch } from './control';
import { GEMM_TILE_ROWS } from './fma';
import { ADD, STORE, finishTransposed, gemmTile } from './gemm';
import { packCols, packRows, packRowsA, packRowsA6, packTransposedA, packTransposedA6 } from './pack';

/** A-rows (16 tiles) or B-columns (8 panels) per chunk of the packing task. */
const PACK_ROWS: i32 = 16 * GEMM_TILE_ROWS;
const PACK_COLUMNS: i32 = 64;

/** Rows of A per packed tile (4, or 6 in the FMA build): GEMM chunks span whole tiles. */
export function gemm_tile_rows(): i32 {
  return GEMM_TILE_ROWS;
}

/** M rounded up to whole A tiles. */
function paddedRows(M: i32): i32 {
  return (M + GEMM_TILE_ROWS - 1) / GEMM_TILE_ROWS * GEMM_TILE_ROWS;
}

/** Bytes of shared scratch the packed operands of an M × K by K × N product take (A first, then B). */
export function packed_bytes(M: i32, N: i32, K: i32): i32 {
  return (paddedRows(M) + ((N + 7) & ~7)) * K * 4;
}

/** Rows of A packed in shared scratch: all of them, or with A read in place only the last, partial tile. */
function packedRows(M: i32, aInPlace: bool): i32 {
  return aInPlace ? GEMM_TILE_ROWS : paddedRows(M);
}

/**
 * Task GEMM_PACK: packs A[M,K] (A(m, k) at a + m·ars + k·aks; given transposed when ars = 4) into [tile][K][rows]
 * and B[K,N] (B(k, n) at b + k·ldb + 4n, or b + n·ldb + 4k when bTransposed) into [panel][K][8], in shared
 * scratch, once per product: the product's chunks then never repack an operand. A given transposed (ars = 4:
 * each k holds a tile's rows side by side) is read in place by the kernel, and only its last tile, when M is not
 * a whole number of tiles, is packed (a full-width read there would run past A's end).
 * Args: a, ars, aks, b, ldb, bTransposed, M, N, K.
 */
export function gemmPackTask(_tid: i32): void {
  const a = argP(0), ars = argP(1), aks = argP(2), b = argP(3), ldb = argP(4), bT = argI(5), M = argI(6), N = argI(7), K = argI(8);
  const aInPlace = ars == 4;
  const ap = sharedScratch(), bp = ap + <usize>packedRows(M, aInPlace) * <usize>K * 4;
  const tailRows = M % GEMM_TILE_ROWS;
  const aChunks = aInPlace ? (tailRows != 0 ? 1 : 0) : (M + PACK_ROWS - 1) / PACK_ROWS;
  const chunks = aChunks + (N + PACK_COLUMNS - 1) / PACK_COLUMNS;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    if (chunk < aChunks) {
      const m0 = aInPlace ? M - tailRows : chunk * PACK_ROWS, mc = aInPlace ? tailRows : min(PACK_ROWS, M - m0);
      const dst = aInPlace ? ap : ap + <usize>m0 * <usize>K * 4;
      if (GEMM_TILE_ROWS == 6) {
        if (ars == 4) packTransposedA6(a, aks, m0, mc, 0, K, dst);
        else packRowsA6(a, ars, m0, mc, 0, K, dst);
      } else if (ars == 4) packTransposedA(a, aks, m0, mc, 0, K, dst);
      else packRowsA(a, ars, m0, mc, 0, K, dst);
    } else {
      const n0 = (chunk - aChunks) * PACK_COLUMNS, nc = min(PACK_COLUMNS, N - n0);
      const dst = bp + <usize>(n0 >> 3) * <usize>K * 32;
      if (bT != 0) packCols(b, ldb, 0, K, n0, nc, dst);
      else packRows(b, ldb, 0, K, n0, nc, dst);
    }
  }
}

/**
 * Task GEMM: C[M,N] (mode)= A·B (+ bias[N]) from the operands GEMM_PACK left in shared scratch (or A in place at
 * aInPlace, k-rows aks bytes apart), in chunks of MB × NB outputs over K in blocks of KC (a B panel block stays in
 * L1 while the chunk's A tiles stream from L2). C(m, n) is at c + m·ldc + 4n, or at c + n·ldc + 4m when
 * cTransposed (then without bias). Every output sums its k in the same order whichever thread runs its chunk:
 * results do not depend on the thread count. Args: c, ldc, M, N, K, mode, bias, MB, NB, KC, aInPlace, aks, cTransposed.
 */
export function gemmTask(tid: i32): void {
  const c = argP(0), ldc = argP(1), M = argI(2), N = argI(3), K = argI(4), mode = argI(5), bias = argP(6);
  const MB = argI(7), NB = argI(8), KC = argI(9), aInPlace = argP(10), aks = argP(11), cTransposed = argI(12) != 0;
  const ap = sharedScratch(), bp = ap + <usize>packedRows(M, aInPlace != 0) * <usize>K * 4;
  const tile = scratchOf(tid);
  const rowBytes = <usize>K << 2, panelBytes = <usize>K << 5, tileStep = <usize>(GEMM_TILE_ROWS << 2);
  const chunksN = (N + NB - 1) / NB;
  const chunks = ((M + MB - 1) / MB) * chunksN;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const m0 = (chunk / chunksN) * MB, n0 = (chunk % chunksN) * NB;
    const mc = min(MB, M - m0), nc = min(NB, N - n0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const stepMode = k0 == 0 ? mode : ADD, stepBias = k0 == 0 ? bias : 0;
      for (let p = 0; p < nc; p += 8) {
        const cols = min(8, nc - p);
        const panel = bp + <usize>((n0 + p) >> 3) * panelBytes + (<usize>k0 << 5);
        const biasHere: usize = stepBias == 0 ? 0 : stepBias + (<usize>(n0 + p) << 2);
        for (let i = 0; i < mc; i += GEMM_TILE_ROWS) {
          const rows = min(GEMM_TILE_ROWS, mc - i);
          const inPlace = aInPlace != 0 && rows == GEMM_TILE_ROWS;
          const a0 = inPlace ? aInPlace + (<usize>(m0 + i) << 2) + <usize>k0 * aks
            : (aInPlace != 0 ? ap : ap + <usize>(m0 + i) * rowBytes) + <usize>k0 * tileStep;
          const aStep = inPlace ? aks : tileStep;
          if (cTransposed) {
            gemmTile(a0, aStep, panel, kc, tile, 32, GEMM_TILE_ROWS, 8, STORE, 0, tile);
            finishTransposed(tile, c + <usize>(n0 + p) * ldc + (<usize>(m0 + i) << 2), ldc, rows, cols, stepMode);
          } else {
            gemmTile(a0, aStep, panel, kc, c + <usize>(m0 + i) * ldc + (<usize>(n0 + p) << 2), ldc, rows, cols, stepMode, biasHere, tile);
          }
        }
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
