/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
/**
 * The pieces of the attention kernels: per-thread scratch layout, masked softmax rows, and the per-head products
 * (register-tiled, A packed as [k][4] tiles, B as [k][8] panels; causal products skip their all-zero triangle).
 */
import { zeroFloats } from './blocks';
import { madd } from './fma';
import { STORE, finishEdge, microPacked } from './gemm';
import { exp2Negative4, hmax, hsum } from './vecmath';

/** Query rows per block: bounds the P and dS buffers to QB × Tk floats per thread. */
export const QB: i32 = 128;
/** Which part of a causal product is not all zeros (see headProduct). */
export const FULL: i32 = 0;
export const LOWER: i32 = 1;
export const UPPER: i32 = 2;
const NEG_INF = f32x4.splat(-Infinity);

export function roundUp8(n: i32): i32 {
  return (n + 7) & ~7;
}

/**
 * Floats per row of the P and dS buffers: room for whole 8-key panels, plus 4 so that consecutive rows do not
 * sit a power of two apart (at 512 bytes, 128 rows would share 8 of L1's 64 sets and evict each other).
 */
export function rowStride(Tk: i32): i32 {
  return roundUp8(Tk) + 4;
}

/** Parts of one thread's scratch, in order (see scratchPart). */
export const K_T = 0, V_T = 1, K_PACK = 2, Q_PACK = 3, DY_PACK = 4, Q_TILES = 5, DY_TILES = 6, PROBS = 7, GRADS = 8,
  A_TILES = 9, TILE = 10, ROW_SCALE = 11, PARTS = 12;

/**
 * Floats of each scratch part: Kᵀ and Vᵀ packed as B of the score products (D × Tk), K or V packed as B of the
 * weighted sums (Tk × D), Q and dY of a block packed as B (QB × D) and as A tiles (QB × D), P and dP → dS
 * (QB × Tk), one of them re-packed as A tiles, a 4×8 edge tile, and the forward pass's 1/Σe per row.
 */
function partFloats(part: i32, Tk: i32, D: i32): i32 {
  const stride = rowStride(Tk), d8 = roundUp8(D);
  if (part <= V_T) return roundUp8(Tk) * D;
  if (part == K_PACK) return Tk * d8;
  if (part <= DY_PACK) return QB * d8;
  if (part <= DY_TILES) return QB * D;
  if (part <= A_TILES) return QB * stride;
  if (part == TILE) return 32;
  return QB;
}

/** The address of scratch part `part` in a thread's scratch at `base`. */
export function scratchPart(base: usize, Tk: i32, D: i32, part: i32): usize {
  let at = base;
  for (let i = 0; i < part; i++) at += <usize>partFloats(i, Tk, D) << 2;
  return at;
}

/** Per-thread scratch bytes of the attention tasks for these sizes (JS sizes the scratch from this). */
export function attention_scratch_bytes(Tq: i32, Tk: i32, D: i32): i32 {
  return <i32>(scratchPart(0, Tk, D, PARTS));
}

const LANES = i32x4(0, 1, 2, 3);

/** Lanes j..j+3 that the query may see: below the causal limit and, with a key-padding row, not padding. */
function visible4(keyPad: usize, j: i32, lim: i32): v128 {
  const inRange = i32x4.lt_s(i32x4.add(i32x4.splat(j), LANES), i32x4.splat(lim));
  if (keyPad == 0) return inRange;
  return v128.and(inRange, i32x4.eq(v128.load(keyPad + (<usize>j << 2)), i32x4.splat(0)));
}

/** a·log₂e rounded once: e^(x·s − a) is 2^(x·(s·log₂e) − a·log₂e). */
function timesLog2e(a: f32): f32 {
  return <f32>(<f64>a * 1.4426950408889634);
}

/**
 * One row of the forward pass: e_j = exp(s_j·scale − max) over the visible keys [0, lim) (the causal limit),
 * stored unnormalised (y is scaled by 1/Σe afterwards, a pass over D floats instead of over the row), zeros on
 * [lim, len). Writes 1/Σe at `inverseSum` and returns the log-sum-exp (−∞, and an all-zero row, when no key is
 * visible). The exponential is 2^(s_j·scale·log₂e − max·log₂e): one multiply-add, then exp2. The max is taken
 * over s and scaled once (scale > 0, and rounding keeps order). Without key padding the whole vectors below `lim`
 * skip the mask; reads past `lim` stay inside the padded row.
 */
export function softmaxRow(row: usize, lim: i32, len: i32, keyPad: usize, scale: f32, inverseSum: usize): f32 {
  const unmasked = keyPad == 0 ? lim & ~3 : 0;
  let mx4 = NEG_INF;
  let j = 0;
  for (; j < unmasked; j += 4) mx4 = f32x4.pmax(mx4, v128.load(row + (<usize>j << 2)));
  for (; j < lim; j += 4) {
    const visible = inline.always(visible4(keyPad, j, lim));
    mx4 = f32x4.pmax(mx4, v128.bitselect(v128.load(row + (<usize>j << 2)), NEG_INF, visible));
  }
  const mx = hmax(mx4) * scale;
  if (mx == -Infinity) {
    zeroFloats(row, len);
    store<f32>(inverseSum, 0);
    return -Infinity;
  }
  const vs = f32x4.splat(timesLog2e(scale)), vm = f32x4.splat(-timesLog2e(mx));
  let sum4 = f32x4.splat(0);
  for (j = 0; j < unmasked; j += 4) {
    const p = row + (<usize>j << 2);
    const e = inline.always(exp2Negative4(madd(v128.load(p), vs, vm)));
    v128.store(p, e);
    sum4 = f32x4.add(sum4, e);
  }
  for (; j < lim; j += 4) {
    const p = row + (<usize>j << 2);
    const e = v128.and(inline.always(exp2Negative4(madd(v128.load(p), vs, vm))), inline.always(visible4(keyPad, j, lim)));
    v128.store(p, e);
    sum4 = f32x4.add(sum4, e);
  }
  const sum = hsum(sum4);
  store<f32>(inverseSum, 1 / sum);
  const lim4 = (lim + 3) & ~3;
  if (len > lim4) zeroFloats(row + (<usize>lim4 << 2), len - lim4);
  return mx + Mathf.log(sum);
}

/**
 * One row of the backward pass, in one sweep: P_j = exp(s_j·scale − lse) (masked, as exp2 like softmaxRow) into
 * `pRow`, and dS_j = P_j·(dP_j − rowDot)·scale in place of dP in `gRow`; both zero on [lim, len).
 */
export function gradientRow(pRow: usize, gRow: usize, lim: i32, len: i32, keyPad: usize, scale: f32, lse: f32, rowDot: f32): void {
  if (lse == -Infinity) {
    zeroFloats(pRow, len);
    zeroFloats(gRow, len);
    return;
  }
  const vs = f32x4.splat(scale), vd = f32x4.splat(rowDot);
  const vs2 = f32x4.splat(timesLog2e(scale)), vl = f32x4.splat(-timesLog2e(lse));
  const unmasked = keyPad == 0 ? lim & ~3 : 0;
  let j = 0;
  for (; j < unmasked; j += 4) {
    const o = <usize>j << 2;
    const p = inline.always(exp2Negative4(madd(v128.load(pRow + o), vs2, vl)));
    v128.store(pRow + o, p);
    v128.store(gRow + o, f32x4.mul(f32x4.mul(p, f32x4.sub(v128.load(gRow + o), vd)), vs));
  }
  for (; j < lim; j += 4) {
    const o = <usize>j << 2;
    const p = v128.and(inline.always(exp2Negative4(madd(v128.load(pRow + o), vs2, vl))), inline.always(visible4(keyPad, j, lim)));
    v128.store(pRow + o, p);
    v128.store(gRow + o, f32x4.mul(f32x4.mul(p, f32x4.sub(v128.load(gRow + o), vd)), vs));
  }
  const lim4 = (lim + 3) & ~3;
  if (len > lim4) {
    zeroFloats(pRow + (<usize>lim4 << 2), len - lim4);
    zeroFloats(gRow + (<usize>lim4 << 2), len - lim4);
  }
}

/** One row of saved weights: w_j = e_j·inverseSum for j < len (e from softmaxRow), 0 on [len, Tk). */
export function storeWeights(eRow: usize, wRow: usize, len: i32, Tk: i32, inverseSum: f32): void {
  const vi = f32x4.splat(inverseSum);
  let j = 0;
  for (; j + 4 <= len; j += 4) v128.store(wRow + (<usize>j << 2), f32x4.mul(v128.load(eRow + (<usize>j << 2)), vi));
  for (; j < len; j++) store<f32>(wRow + (<usize>j << 2), load<f32>(eRow + (<usize>j << 2)) * inverseSum);
  zeroFloats(wRow + (<usize>len << 2), Tk - len);
}

/** gradientRow from saved weights (0 where masked, so no mask here): dS_j = w_j·(dP_j − rowDot)·scale on [0, len). */
export function gradientFromWeights(wRow: usize, gRow: usize, len: i32, scale: f32, rowDot: f32): void {
  const vs = f32x4.splat(scale), vd = f32x4.splat(rowDot);
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    const o = <usize>j << 2;
    v128.store(gRow + o, f32x4.mul(f32x4.mul(v128.load(wRow + o), f32x4.sub(v128.load(gRow + o), vd)), vs));
  }
  for (; j < len; j++) {
    const o = <usize>j << 2;
    store<f32>(gRow + o, load<f32>(wRow + o) * (load<f32>(gRow + o) - rowDot) * scale);
  }
}

/**
 * out[i, j] = Σ_d A[i, d]·B[d, j] for the qc rows of a query block, A packed as [tile][D][4], B as key panels
 * [panel][D][8]: panel by panel, so each stays in L1 while every tile uses it. With `causal`, a tile skips the
 * panels past its last visible key (query q0 + i sees keys ≤ q0 + i). Rows past qc in the last tile are
 * computed too (the buffers have QB rows) and ignored.
 */
export function scoresBlock(aTiles: usize, qc: i32, panels: usize, D: i32, len: i32, out: usize, stride: usize,
  causal: bool, q0: i32): void {
  const tileBytes = <usize>D << 4, panelBytes = <usize>D << 5;
  for (let p = 0; p < len; p += 8) {
    const panel = panels + <usize>(p >> 3) * panelBytes;
    for (let i0 = causal ? max(0, (p - q0) & ~3) : 0; i0 < qc; i0 += 4) {
      microPacked(aTiles + <usize>(i0 >> 2) * tileBytes, 16, panel, D, out + <usize>i0 * stride + (<usize>p << 2), stride, STORE, 0);
    }
  }
}

/** Zeroes a head's [T, D] slice of a [.., T, C] tensor (so a gradient written in parts can be added to). */
export function zeroSlice(base: usize, T: i32, D: i32, rowBytes: usize): void {
  for (let t = 0; t < T; t++) zeroFloats(base + <usize>t * rowBytes, D);
}

/** Σ a[i]·b[i] over [0, n): four lanes at a time, the tail one by one. */
export function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = madd(v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2)), acc);
  let s = hsum(acc);
  for (; i < n; i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
}

/**
 * C[0:M, 0:D] (mode)= A·B for one head, B as 8-column panels (panelBytes apart), A as 4-row tiles tileBytes apart
 * whose k-rows are aStep bytes apart: packed as [tile][K][4] (aStep 16), or read in place from a matrix given
 * transposed (tileBytes 16, aStep its row pitch). Each 4-row tile runs over its own k range, so causal products skip the all-zero triangle of P and
 * dS: LOWER (y = P·V and dQ = dS·K: query m sees keys ≤ m + shift) stops at k = m0 + 4 + shift; UPPER
 * (dK = dSᵀ·Q, dV = Pᵀ·dY: key m is seen by queries ≥ m − shift) starts at k = m0 − shift.
 */
export function headProduct(ap: usize, tileBytes: usize, aStep: usize, bp: usize, panelBytes: usize, c: usize, ldc: usize,
  M: i32, D: i32, K: i32, mode: i32, tile: usize, triangle: i32, shift: i32): void {
  for (let m0 = 0; m0 < M; m0 += 4) {
    const rows = min(4, M - m0);
    const k0 = triangle == UPPER ? max(0, m0 - shift) : 0;
    const k1 = triangle == LOWER ? min(K, m0 + 4 + shift) : K;
    if (k1 <= k0) {
      if (mode == STORE) zeroSlice(c + <usize>m0 * ldc, rows, D, ldc);
      continue;
    }
    const a0 = ap + <usize>(m0 >> 2) * tileBytes + <usize>k0 * aStep;
    for (let p = 0; p < D; p += 8) {
      const cols = min(8, D - p);
      const panel = bp + <usize>(p >> 3) * panelBytes + (<usize>k0 << 5);
      const out = c + <usize>m0 * ldc + (<usize>p << 2);
      if (rows == 4 && cols == 8) {
        microPacked(a0, aStep, panel, k1 - k0, out, ldc, mode, 0);
      } else {
        microPacked(a0, aStep, panel, k1 - k0, tile, 32, STORE, 0);
        finishEdge(tile, out, ldc, rows, cols, mode, 0);
      }
    }
  }
}
