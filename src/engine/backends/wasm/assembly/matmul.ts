/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argI, argP, claim, claimRows, scratchOf, sharedScratch } from './control';
import { GEMM_TILE_ROWS } from './fma';
import { activateBlock } from './activation';
import { ADD, ADD_BLOCK, STORE, finishGated, finishTransposed, gemmTile, multiplyRows } from './gemm';
import { packCols, packRows, packRowsA, packRowsA6, packTransposedA, packTransposedA6 } from './pack';

/** B-columns (8 panels) per chunk of the packing task. */
const PACK_COLUMNS: i32 = 64;

/** Bytes of a thread's edge tile (up to GEMM_TILE_ROWS × 8 floats), at the start of its GEMM scratch. */
const TILE_BYTES: i32 = GEMM_TILE_ROWS << 5;

/** Rows of A per packed tile (4, or 6 in the FMA build): GEMM chunks span whole tiles. */
export function gemm_tile_rows(): i32 {
  return GEMM_TILE_ROWS;
}

/** M rounded up to whole A tiles. */
function paddedRows(M: i32): i32 {
  return (M + GEMM_TILE_ROWS - 1) / GEMM_TILE_ROWS * GEMM_TILE_ROWS;
}

/** Rows of A packed in shared scratch: only the last, partial tile of an A read in place (row-major A is packed per chunk). */
function sharedRows(M: i32, ars: usize): i32 {
  return ars == 4 && M % GEMM_TILE_ROWS != 0 ? GEMM_TILE_ROWS : 0;
}

/** Bytes of shared scratch the packed operands of an M × K by K × N product take (A's tail tile first, then B). */
export function packed_bytes(M: i32, N: i32, K: i32, ars: i32): i32 {
  return (sharedRows(M, ars) + ((N + 7) & ~7)) * K * 4;
}

/** Where a split product's partial results start in shared scratch: after its packed operands. */
function partialsOf(M: i32, N: i32, K: i32, ars: usize): usize {
  return sharedScratch() + <usize>packed_bytes(M, N, K, <i32>ars);
}

/** Bytes of per-thread scratch a GEMM takes: an edge tile, and a row-major A's MB rows × KC packed per chunk. */
export function gemm_thread_bytes(MB: i32, KC: i32): i32 {
  return TILE_BYTES + paddedRows(MB) * KC * 4;
}

/**
 * Task GEMM_PACK: packs B[K,N] (B(k, n) at b + k·ldb + 4n, or b + n·ldb + 4k when bTransposed) into [panel][K][8]
 * in shared scratch, once per product. A given transposed (ars = 4: each k holds a tile's rows side by side) is
 * read in place by the kernel; only its last tile, when M is not a whole number of tiles, is packed here (a
 * full-tile read there would run past A's end). A row-major A is packed by the GEMM task, chunk by chunk.
 * Args: a, ars, aks, b, ldb, bTransposed, M, N, K.
 */
export function gemmPackTask(_tid: i32): void {
  const a = argP(0), ars = argP(1), aks = argP(2), b = argP(3), ldb = argP(4), bT = argI(5), M = argI(6), N = argI(7), K = argI(8);
  const tailRows = ars == 4 ? M % GEMM_TILE_ROWS : 0;
  const ap = sharedScratch(), bp = ap + <usize>sharedRows(M, ars) * <usize>K * 4;
  const aChunks = tailRows != 0 ? 1 : 0;
  const chunks = aChunks + (N + PACK_COLUMNS - 1) / PACK_COLUMNS;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    if (chunk < aChunks) {
      if (GEMM_TILE_ROWS == 6) packTransposedA6(a, aks, M - tailRows, tailRows, 0, K, ap);
      else packTransposedA(a, aks, M - tailRows, tailRows, 0, K, ap);
    } else {
      const n0 = (chunk - aChunks) * PACK_COLUMNS, nc = min(PACK_COLUMNS, N - n0);
      const dst = bp + <usize>(n0 >> 3) * <usize>K * 32;
      if (bT != 0) packCols(b, ldb, 0, K, n0, nc, dst);
      else packRows(b, ldb, 0, K, n0, nc, dst);
    }
  }
}

/**
 * Task GEMM: C[M,N] (mode)= A·B (+ bias[N]), A(m, k) at a + m·ars + k·aks, B as GEMM_PACK left it in shared
 * scratch, in chunks of MB × NB outputs over K in blocks of KC (a B panel block stays in L1 while the chunk's A
 * tiles stream from L2). Rows from bigRows on come in smaller chunks of MS rows, placed in the claim order
 * between the top and the bottom half's large chunks: claimed from both ends (claimRows), each thread keeps its
 * half of the rows, and threads that end their large chunks at different times even out on the small ones. A given
 * transposed (ars = 4) is read in place; a row-major A is packed by the thread that runs the chunk, MB rows × KC
 * at a time, into its own scratch (where the product then finds it, in L2).
 * C(m, n) is at c + m·ldc + 4n, or at c + n·ldc + 4m when cTransposed (then without bias). With `split`, each
 * block of KC k is its own chunk: the first block goes to C, the others to partial results in C's layout, which
 * GEMM_REDUCE then adds in block order (a long-K product whose small C would otherwise be cut into thin chunks that
 * each stream all of K). Every output sums its k in the same order whichever thread runs its chunk, split or not:
 * results do not depend on the thread count.
 * Two epilogues, neither with split K or a transposed C, both over a finished chunk row by row (C's rows still in
 * L2, the other operand streamed; per tile, its rows' lines would be fetched in 32-byte halves far apart): `act` ≥ 0
 * applies that activation in place and writes its slopes to `slope` (C's layout); `gate` ≠ 0 multiplies the product
 * by gate (C's layout), which adding to C (mode ADD) must do per tile, before the sum meets C.
 * Args: c, ldc, M, N, K, mode, bias, MB, NB, KC, a, ars, aks, cTransposed, bigRows, MS, split, act, slope, gate.
 */
export function gemmTask(tid: i32): void {
  const c = argP(0), ldc = argP(1), M = argI(2), N = argI(3), K = argI(4), mode = argI(5), bias = argP(6);
  const MB = argI(7), NB = argI(8), KC = argI(9), a = argP(10), ars = argP(11), aks = argP(12), cTransposed = argI(13) != 0;
  const bigRows = argI(14), MS = argI(15), split = argI(16) != 0, act = argI(17), slope = argP(18), gate = argP(19);
  const gateTiles = gate != 0 && mode != STORE, gateChunks = gate != 0 && mode == STORE;
  const inPlace = ars == 4;
  const kBlocks = split ? (K + KC - 1) / KC : 1;
  const partials = partialsOf(M, N, K, ars), partialLd: usize = <usize>(cTransposed ? M : N) << 2;
  const tail = sharedScratch(), bp = tail + <usize>sharedRows(M, ars) * <usize>K * 4;
  const tile = scratchOf(tid), own = tile + <usize>TILE_BYTES;
  const panelBytes = <usize>K << 5, tileStep = <usize>(GEMM_TILE_ROWS << 2);
  const chunksN = (N + NB - 1) / NB;
  const bigBlocks = (bigRows + MB - 1) / MB;
  const bigChunks = bigBlocks * chunksN, topChunks = (bigBlocks + 1) / 2 * chunksN;
  const smallChunks = (M - bigRows + MS - 1) / MS * chunksN;
  const blockChunks = bigChunks + smallChunks;
  const chunks = blockChunks * kBlocks;
  for (let claimed = claimRows(chunks); claimed >= 0; claimed = claimRows(chunks)) {
    const kb = claimed / blockChunks, at = claimed % blockChunks;
    const small = at >= topChunks && at < topChunks + smallChunks;
    const chunk = small ? at - topChunks : at < topChunks ? at : at - smallChunks;
    const m0 = small ? bigRows + chunk / chunksN * MS : chunk / chunksN * MB, n0 = (chunk % chunksN) * NB;
    const mc = min(small ? MS : MB, M - m0), nc = min(NB, N - n0);
    const kFirst = kb * KC, kEnd = split ? min(K, kFirst + KC) : K;
    const out = kb == 0 ? c : partials + <usize>(kb - 1) * <usize>M * <usize>N * 4, ld = kb == 0 ? ldc : partialLd;
    const firstMode = kb == 0 ? mode : STORE;
    for (let k0 = kFirst; k0 < kEnd; k0 += KC) {
      const kc = min(KC, K - k0);
      const stepMode = k0 == kFirst ? firstMode : ADD_BLOCK, stepBias = k0 == 0 ? bias : 0;
      if (!inPlace) {
        if (GEMM_TILE_ROWS == 6) packRowsA6(a, ars, m0, mc, k0, kc, own);
        else packRowsA(a, ars, m0, mc, k0, kc, own);
      }
      const ownTileBytes = <usize>kc * tileStep;
      for (let p = 0; p < nc; p += 8) {
        const cols = min(8, nc - p);
        const panel = bp + <usize>((n0 + p) >> 3) * panelBytes + (<usize>k0 << 5);
        const biasHere: usize = stepBias == 0 ? 0 : stepBias + (<usize>(n0 + p) << 2);
        for (let i = 0; i < mc; i += GEMM_TILE_ROWS) {
          const rows = min(GEMM_TILE_ROWS, mc - i);
          let a0: usize, aStep: usize;
          if (!inPlace) {
            a0 = own + <usize>(i / GEMM_TILE_ROWS) * ownTileBytes;
            aStep = tileStep;
          } else if (rows == GEMM_TILE_ROWS) {
            a0 = a + (<usize>(m0 + i) << 2) + <usize>k0 * aks;
            aStep = aks;
          } else {
            a0 = tail + <usize>k0 * tileStep;
            aStep = tileStep;
          }
          if (cTransposed) {
            gemmTile(a0, aStep, panel, kc, tile, 32, GEMM_TILE_ROWS, 8, STORE, 0, tile);
            finishTransposed(tile, out + <usize>(n0 + p) * ld + (<usize>(m0 + i) << 2), ld, rows, cols, stepMode);
            continue;
          }
          const at = <usize>(m0 + i) * ld + (<usize>(n0 + p) << 2);
          if (gateTiles) {
            gemmTile(a0, aStep, panel, kc, tile, 32, GEMM_TILE_ROWS, 8, STORE, 0, tile);
            finishGated(tile, out + at, ld, gate + at, rows, cols, stepMode);
          } else {
            gemmTile(a0, aStep, panel, kc, out + at, ld, rows, cols, stepMode, biasHere, tile);
          }
        }
      }
    }
    const chunkAt = <usize>m0 * ldc + (<usize>n0 << 2);
    if (act >= 0) activateBlock(act, c + chunkAt, slope + chunkAt, ldc, mc, nc);
    if (gateChunks) multiplyRows(c + chunkAt, gate + chunkAt, ldc, mc, nc);
  }
}

/**
 * Task GEMM_REDUCE: C += the partial results of a split GEMM's k blocks after the first, in block order, 16 of C's
 * rows (columns when cTransposed) per chunk. Args: c, ldc, M, N, K, KC, ars, cTransposed.
 */
export function gemmReduceTask(_tid: i32): void {
  const c = argP(0), ldc = argP(1), M = argI(2), N = argI(3), K = argI(4), KC = argI(5), ars = argP(6), cTransposed = argI(7) != 0;
  const rows = cTransposed ? N : M, width = cTransposed ? M : N;
  const partials = partialsOf(M, N, K, ars), blockBytes = <usize>M * <usize>N * 4;
  const extraBlocks = (K + KC - 1) / KC - 1;
  const chunks = (rows + 15) >> 4;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const end = min(rows, (chunk + 1) << 4);
    for (let r = chunk << 4; r < end; r++) {
      const dst = c + <usize>r * ldc, src = partials + <usize>r * <usize>width * 4;
      let j = 0;
      for (; j + 4 <= width; j += 4) {
        const o = <usize>j << 2;
        let v = v128.load(dst + o);
        for (let b = 0; b < extraBlocks; b++) v = f32x4.add(v, v128.load(src + <usize>b * blockBytes + o));
        v128.store(dst + o, v);
      }
      for (; j < width; j++) {
        const o = <usize>j << 2;
        let v = load<f32>(dst + o);
        for (let b = 0; b < extraBlocks; b++) v += load<f32>(src + <usize>b * blockBytes + o);
        store<f32>(dst + o, v);
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
