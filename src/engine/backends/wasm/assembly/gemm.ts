/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { GEMM_TILE_ROWS, madd } from './fma';
import { ZERO_ROW } from './vecmath';

/**
 * How a tile meets C: overwrite it, or add to it (backward kernels add into gradients). ADD_BLOCK is GEMM's own
 * mode for a K block after the first: C + (that block's sum from zero), the order split K's reduce also keeps.
 */
export const STORE: i32 = 0;
export const ADD: i32 = 1;
export const ADD_BLOCK: i32 = 2;

/**
 * The register-tiled core: a 4×8 tile of C from A packed as [k][4] and a B panel packed as [k][8]. 8 accumulators
 * + 2 B vectors + 1 broadcast (+ 1 product without FMA) fit V8's 15 usable XMM registers; one A pointer with
 * immediate offsets and a loop that ends on B's pointer keep the instructions per k low, which is what bounds
 * this kernel in V8 (≈ 46 GFLOP/s per core from L1 here without FMA).
 */
export function microPacked(ap: usize, aStep: usize, bp: usize, K: i32, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = bp + (<usize>K << 5);
  while (bp < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let s = v128.load32_splat(ap);
    c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
    s = v128.load32_splat(ap, 4);
    c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
    s = v128.load32_splat(ap, 8);
    c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
    s = v128.load32_splat(ap, 12);
    c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
    ap += aStep; bp += 32;
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
 * The FMA build's core: a 6×8 tile from A packed as [k][6], its accumulators started from the 6 rows at `init`
 * (row stride ldi: C itself to add to it, a bias row with stride 0, or zeros) and stored to `out` (row stride
 * ldo). 12 accumulators + 2 B vectors + 1 broadcast fill V8's 15 registers exactly, which only fused multiply-adds
 * allow; 6 rows reuse each loaded B vector 6 times instead of 4. The start values are loaded before the loop
 * because an epilogue after it (adding bias or C) makes V8 spill accumulators in the loop and halves the speed
 * (≈ 55 GFLOP/s per core from L1 here).
 */
export function micro6x8(ap: usize, aStep: usize, bp: usize, K: i32, init: usize, ldi: usize, out: usize, ldo: usize): void {
  const i1 = init + ldi, i2 = i1 + ldi, i3 = i2 + ldi, i4 = i3 + ldi, i5 = i4 + ldi;
  let c00 = v128.load(init), c01 = v128.load(init, 16), c10 = v128.load(i1), c11 = v128.load(i1, 16);
  let c20 = v128.load(i2), c21 = v128.load(i2, 16), c30 = v128.load(i3), c31 = v128.load(i3, 16);
  let c40 = v128.load(i4), c41 = v128.load(i4, 16), c50 = v128.load(i5), c51 = v128.load(i5, 16);
  const end = bp + (<usize>K << 5);
  while (bp < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let s = v128.load32_splat(ap);
    c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
    s = v128.load32_splat(ap, 4);
    c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
    s = v128.load32_splat(ap, 8);
    c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
    s = v128.load32_splat(ap, 12);
    c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
    s = v128.load32_splat(ap, 16);
    c40 = madd(s, b0, c40); c41 = madd(s, b1, c41);
    s = v128.load32_splat(ap, 20);
    c50 = madd(s, b0, c50); c51 = madd(s, b1, c51);
    ap += aStep; bp += 32;
  }
  const r1 = out + ldo, r2 = r1 + ldo, r3 = r2 + ldo, r4 = r3 + ldo, r5 = r4 + ldo;
  v128.store(out, c00); v128.store(out, c01, 16);
  v128.store(r1, c10); v128.store(r1, c11, 16);
  v128.store(r2, c20); v128.store(r2, c21, 16);
  v128.store(r3, c30); v128.store(r3, c31, 16);
  v128.store(r4, c40); v128.store(r4, c41, 16);
  v128.store(r5, c50); v128.store(r5, c51, 16);
}

/** C's 6×8 tile += `tile` (row stride 32 bytes) + bias: a K block after the first, or C and a bias together. */
function finish6x8(tile: usize, c: usize, ldc: usize, bias: usize): void {
  const z0 = bias != 0 ? v128.load(bias) : f32x4.splat(0), z1 = bias != 0 ? v128.load(bias, 16) : f32x4.splat(0);
  for (let i = 0; i < 6; i++) {
    const row = c + <usize>i * ldc, t = tile + (<usize>i << 5);
    v128.store(row, f32x4.add(v128.load(row), f32x4.add(v128.load(t), z0)));
    v128.store(row, f32x4.add(v128.load(row, 16), f32x4.add(v128.load(t, 16), z1)), 16);
  }
}

/**
 * One tile of C (mode)= A·B + bias, GEMM_TILE_ROWS × 8, or the valid rows × cols of one at an edge (computed into
 * the thread's `tile` scratch, then copied). A full 6×8 tile starts its sums from C or the bias where it can.
 */
export function gemmTile(ap: usize, aStep: usize, bp: usize, K: i32, c: usize, ldc: usize, rows: i32, cols: i32, mode: i32, bias: usize, tile: usize): void {
  const full = rows == GEMM_TILE_ROWS && cols == 8;
  const adds = mode == STORE ? STORE : ADD;
  if (GEMM_TILE_ROWS == 6) {
    if (full && mode != ADD_BLOCK && (mode == STORE || bias == 0)) {
      if (mode == ADD) micro6x8(ap, aStep, bp, K, c, ldc, c, ldc);
      else micro6x8(ap, aStep, bp, K, bias != 0 ? bias : ZERO_ROW, 0, c, ldc);
      return;
    }
    micro6x8(ap, aStep, bp, K, ZERO_ROW, 0, tile, 32);
    if (full) finish6x8(tile, c, ldc, bias);
    else finishEdge(tile, c, ldc, rows, cols, adds, bias);
  } else if (full) {
    microPacked(ap, aStep, bp, K, c, ldc, adds, bias);
  } else {
    microPacked(ap, aStep, bp, K, tile, 32, STORE, 0);
    finishEdge(tile, c, ldc, rows, cols, adds, bias);
  }
}

/** Copies the valid rows × cols of a tile of up to 6×8 computed into `tile` (row stride 32 bytes) to C. */
export function finishEdge(tile: usize, c: usize, ldc: usize, rows: i32, cols: i32, mode: i32, bias: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let v = load<f32>(tile + (<usize>i << 5) + (<usize>j << 2));
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      const out = c + <usize>i * ldc + (<usize>j << 2);
      store<f32>(out, mode != STORE ? load<f32>(out) + v : v);
    }
  }
}

/**
 * C (mode)= `tile` ⊙ gate over the valid rows × cols of a tile computed into `tile` (row stride 32 bytes); gate has
 * C's layout. An input gradient through an activation's saved slope, so the product is never stored ungated.
 */
export function finishGated(tile: usize, c: usize, ldc: usize, gate: usize, rows: i32, cols: i32, mode: i32): void {
  for (let i = 0; i < rows; i++) {
    const row = c + <usize>i * ldc, gateRow = gate + <usize>i * ldc, t = tile + (<usize>i << 5);
    if (cols == 8) {
      let v0 = f32x4.mul(v128.load(t), v128.load(gateRow)), v1 = f32x4.mul(v128.load(t, 16), v128.load(gateRow, 16));
      if (mode != STORE) {
        v0 = f32x4.add(v128.load(row), v0); v1 = f32x4.add(v128.load(row, 16), v1);
      }
      v128.store(row, v0); v128.store(row, v1, 16);
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(t + o) * load<f32>(gateRow + o);
      store<f32>(row + o, mode != STORE ? load<f32>(row + o) + v : v);
    }
  }
}

/** c *= gate over rows × cols (both with row stride ld bytes). */
export function multiplyRows(c: usize, gate: usize, ld: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    const row = c + <usize>i * ld, gateRow = gate + <usize>i * ld;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.mul(v128.load(row + o), v128.load(gateRow + o)));
    }
    for (; j < cols; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * load<f32>(gateRow + (<usize>j << 2)));
  }
}

/** Copies the valid rows × cols of a tile computed into `tile` (row stride 32 bytes) to Cᵀ: tile(i, j) → c + j·ldc + 4i. */
export function finishTransposed(tile: usize, c: usize, ldc: usize, rows: i32, cols: i32, mode: i32): void {
  for (let j = 0; j < cols; j++) {
    const column = c + <usize>j * ldc;
    for (let i = 0; i < rows; i++) {
      const v = load<f32>(tile + (<usize>i << 5) + (<usize>j << 2));
      const out = column + (<usize>i << 2);
      store<f32>(out, mode != STORE ? load<f32>(out) + v : v);
    }
  }
}
