/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argI, argP, claim, scratchOf } from './control';
import { ADD, STORE, finishEdge, micro, packCols, packRows } from './gemm';
import { exp4, hmax, hsum } from './vecmath';
import { zeroFloats } from './blocks';

/** Query rows per block of the backward pass: bounds the P and dS buffers to QB × Tk per thread. */
const QB: i32 = 128;
/** Which part of a causal product is not all zeros (see headProduct). */
const FULL: i32 = 0;
const LOWER: i32 = 1;
const UPPER: i32 = 2;
const NEG_INF = f32x4.splat(-Infinity);

function roundUp8(n: i32): i32 {
  return (n + 7) & ~7;
}

/** Per-thread scratch bytes of the attention tasks for these sizes (JS sizes the scratch from this). */
export function attention_scratch_bytes(Tq: i32, Tk: i32, D: i32): i32 {
  const stride = roundUp8(Tk), d8 = roundUp8(D);
  return 4 * (2 * stride * D + Tk * d8 + 2 * QB * d8 + 2 * QB * stride) + 128;
}

/**
 * One thread's scratch, in this order: Kᵀ and Vᵀ packed as B of the score products (D × Tk), K (or V in the
 * forward pass) packed as B of the weighted sums (Tk × D), Q and dY of a query block packed, two QB × Tk buffers
 * (P, and dP → dS), and a 4×8 edge tile. Returns the address of part `part` (0–7).
 */
function scratchPart(base: usize, Tk: i32, D: i32, part: i32): usize {
  const stride = roundUp8(Tk), d8 = roundUp8(D);
  let at = base;
  for (let i = 0; i < part; i++) {
    const floats = i < 2 ? stride * D : i == 2 ? Tk * d8 : i < 5 ? QB * d8 : QB * stride;
    at += <usize>floats << 2;
  }
  return at;
}

const K_T = 0, V_T = 1, K_PACK = 2, Q_PACK = 3, DY_PACK = 4, PROBS = 5, GRADS = 6, TILE = 7;

const LANES = i32x4(0, 1, 2, 3);

/** Lanes j..j+3 that the query may see: below the causal limit and, with a key-padding row, not padding. */
function visible4(keyPad: usize, j: i32, lim: i32): v128 {
  const inRange = i32x4.lt_s(i32x4.add(i32x4.splat(j), LANES), i32x4.splat(lim));
  if (keyPad == 0) return inRange;
  return v128.and(inRange, i32x4.eq(v128.load(keyPad + (<usize>j << 2)), i32x4.splat(0)));
}

/**
 * Turns one row of raw scores into probabilities over keys [0, lim) (the causal limit), zeroes [lim, len), and
 * returns the row's log-sum-exp (−∞ when no key is visible; the row is then all zeros). With `recompute` the row
 * is normalised with the saved `lseIn` instead (the backward pass). Lanes past `lim` are masked, never branched
 * on, so the row costs ⌈lim/4⌉ vector steps (reads past `lim` stay inside the padded row and the memory guard).
 */
function softmaxRow(row: usize, lim: i32, len: i32, keyPad: usize, scale: f32, lseIn: f32, recompute: bool): f32 {
  const vs = f32x4.splat(scale);
  const zero = f32x4.splat(0);
  let lse = lseIn;
  if (recompute) {
    if (lse == -Infinity) {
      zeroFloats(row, len);
      return lse;
    }
    const vl = f32x4.splat(lse);
    for (let j = 0; j < lim; j += 4) {
      const p = row + (<usize>j << 2);
      v128.store(p, v128.and(inline.always(exp4(f32x4.sub(f32x4.mul(v128.load(p), vs), vl))), inline.always(visible4(keyPad, j, lim))));
    }
  } else {
    let mx4 = NEG_INF;
    for (let j = 0; j < lim; j += 4) {
      const v = f32x4.mul(v128.load(row + (<usize>j << 2)), vs);
      mx4 = f32x4.max(mx4, v128.bitselect(v, NEG_INF, inline.always(visible4(keyPad, j, lim))));
    }
    const mx = hmax(mx4);
    if (mx == -Infinity) {
      zeroFloats(row, len);
      return -Infinity;
    }
    const vm = f32x4.splat(mx);
    let sum4 = zero;
    for (let j = 0; j < lim; j += 4) {
      const p = row + (<usize>j << 2);
      const e = v128.and(inline.always(exp4(f32x4.sub(f32x4.mul(v128.load(p), vs), vm))), inline.always(visible4(keyPad, j, lim)));
      v128.store(p, e);
      sum4 = f32x4.add(sum4, e);
    }
    const sum = hsum(sum4);
    lse = mx + Mathf.log(sum);
    const inv = f32x4.splat(1 / sum);
    for (let j = 0; j < lim; j += 4) {
      const p = row + (<usize>j << 2);
      v128.store(p, f32x4.mul(v128.load(p), inv));
    }
  }
  const lim4 = (lim + 3) & ~3;
  if (len > lim4) zeroFloats(row + (<usize>lim4 << 2), len - lim4);
  return lse;
}

/**
 * out[i, j] = Σ_d a[i, d]·B[d, j] for the qc rows of a query block (ars apart) and the packed key panels of
 * D × 8, panel by panel so each panel stays in L1 while every 4-row tile uses it. With `causal`, a tile skips the
 * panels past its last visible key (query q0 + i sees keys ≤ q0 + i).
 */
function scoresBlock(a: usize, ars: usize, qc: i32, packed: usize, D: i32, len: i32, out: usize, stride: usize,
  causal: bool, q0: i32): void {
  for (let p = 0; p < len; p += 8) {
    const panel = packed + <usize>(p >> 3) * (<usize>D << 5);
    for (let i0 = causal ? max(0, ((p - q0 - 3) + 3) & ~3) : 0; i0 < qc; i0 += 4) {
      const rows = min(4, qc - i0);
      const a0 = a + <usize>i0 * ars;
      const a1 = rows > 1 ? a0 + ars : a0, a2 = rows > 2 ? a0 + 2 * ars : a0, a3 = rows > 3 ? a0 + 3 * ars : a0;
      micro(a0, a1, a2, a3, 4, panel, D, out + <usize>i0 * stride + (<usize>p << 2), stride, STORE, 0);
    }
  }
}

/**
 * Task ATTN_FWD, one (batch, head) per chunk, query blocks of QB rows: S = Q·Kᵀ/√D, masked softmax → P (lse
 * saved), y = P·V. Args: q, k, v, keyPad (0 = none), y, lse, B, Tq, Tk, C, H, causal.
 */
export function attentionForwardTask(tid: i32): void {
  const q = argP(0), k = argP(1), v = argP(2), keyPad = argP(3), y = argP(4), lseOut = argP(5);
  const B = argI(6), Tq = argI(7), Tk = argI(8), C = argI(9), H = argI(10), causal = argI(11) != 0;
  const D = C / H, stride = roundUp8(Tk), rowBytes = <usize>C << 2, strideBytes = <usize>stride << 2;
  const scale: f32 = 1 / Mathf.sqrt(<f32>D);
  const base = scratchOf(tid);
  const kT = scratchPart(base, Tk, D, K_T), vT = scratchPart(base, Tk, D, V_T), kPack = scratchPart(base, Tk, D, K_PACK);
  const qPack = scratchPart(base, Tk, D, Q_PACK), dyPack = scratchPart(base, Tk, D, DY_PACK);
  const probs = scratchPart(base, Tk, D, PROBS), grads = scratchPart(base, Tk, D, GRADS), tile = scratchPart(base, Tk, D, TILE);
  for (let chunk = claim(B * H); chunk >= 0; chunk = claim(B * H)) {
    const b = chunk / H, h = chunk % H;
    const head = <usize>(h * D) << 2;
    const kb = k + <usize>(b * Tk) * rowBytes + head, vb = v + <usize>(b * Tk) * rowBytes + head;
    const qb = q + <usize>(b * Tq) * rowBytes + head, yb = y + <usize>(b * Tq) * rowBytes + head;
    const pad: usize = keyPad == 0 ? 0 : keyPad + (<usize>(b * Tk) << 2);
    packCols(kb, rowBytes, 0, D, 0, Tk, kT);
    packRows(vb, rowBytes, 0, Tk, 0, D, kPack);
    for (let q0 = 0; q0 < Tq; q0 += QB) {
      const qc = min(QB, Tq - q0);
      const blockLen = causal ? min(Tk, q0 + qc) : Tk;
      scoresBlock(qb + <usize>q0 * rowBytes, rowBytes, qc, kT, D, blockLen, probs, strideBytes, causal, q0);
      for (let i = 0; i < qc; i++) {
        const len = causal ? min(Tk, q0 + (i | 3) + 1) : Tk;
        const lim = causal ? min(len, q0 + i + 1) : len;
        const lse = softmaxRow(probs + <usize>i * strideBytes, lim, len, pad, scale, 0, false);
        store<f32>(lseOut + (<usize>((b * H + h) * Tq + q0 + i) << 2), lse);
      }
      headProduct(probs, strideBytes, 4, kPack, <usize>Tk << 5, yb + <usize>q0 * rowBytes, rowBytes, qc, D, blockLen, STORE, tile,
        causal ? LOWER : FULL, q0);
    }
  }
}

/** Zeroes a head's [T, D] slice of a [.., T, C] tensor (so a gradient written in parts can be added to). */
function zeroSlice(base: usize, T: i32, D: i32, rowBytes: usize): void {
  for (let t = 0; t < T; t++) zeroFloats(base + <usize>t * rowBytes, D);
}

function dot(a: usize, b: usize, n: i32): f32 {
  let s: f32 = 0;
  for (let i = 0; i < n; i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
}

/**
 * C[0:M, 0:D] (mode)= A·B for one head, B packed in 8-column panels `panelBytes` apart, each 4-row tile over its
 * own k range, so causal products skip the all-zero triangle of P and dS: LOWER (dQ = dS·K, query m sees keys
 * ≤ m + shift) stops at k = m0 + 4 + shift; UPPER (dK = dSᵀ·Q, key m is seen by queries ≥ m − shift) starts at
 * k = m0 − shift.
 */
function headProduct(a: usize, ars: usize, aks: usize, bp: usize, panelBytes: usize, c: usize, ldc: usize,
  M: i32, D: i32, K: i32, mode: i32, tile: usize, triangle: i32, shift: i32): void {
  for (let m0 = 0; m0 < M; m0 += 4) {
    const rows = min(4, M - m0);
    const k0 = triangle == UPPER ? max(0, m0 - shift) : 0;
    const k1 = triangle == LOWER ? min(K, m0 + 4 + shift) : K;
    if (k1 <= k0) {
      if (mode == STORE) zeroSlice(c + <usize>m0 * ldc, rows, D, ldc);
      continue;
    }
    const a0 = a + <usize>m0 * ars + <usize>k0 * aks;
    const a1 = rows > 1 ? a0 + ars : a0, a2 = rows > 2 ? a0 + 2 * ars : a0, a3 = rows > 3 ? a0 + 3 * ars : a0;
    for (let p = 0; p < D; p += 8) {
      const cols = min(8, D - p);
      const panel = bp + <usize>(p >> 3) * panelBytes + (<usize>k0 << 5);
      const out = c + <usize>m0 * ldc + (<usize>p << 2);
      if (rows == 4 && cols == 8) {
        micro(a0, a1, a2, a3, aks, panel, k1 - k0, out, ldc, mode, 0);
      } else {
        micro(a0, a1, a2, a3, aks, panel, k1 - k0, tile, 32, STORE, 0);
        finishEdge(tile, out, ldc, rows, cols, mode, 0);
      }
    }
  }
}

/**
 * Task ATTN_BWD, one (batch, head) per chunk, query blocks of QB rows: P from the saved lse, dP = dY·Vᵀ,
 * dS = P∘(dP − rowsum(dY∘Y))/√D, then dQ = dS·K, dK += dSᵀ·Q, dV += Pᵀ·dY as register-tiled products.
 * Args: dy, q, k, v, keyPad, y, lse, dq, dk, dv, B, Tq, Tk, C, H, causal, dqMode, dkMode, dvMode.
 */
export function attentionBackwardTask(tid: i32): void {
  const dy = argP(0), q = argP(1), k = argP(2), v = argP(3), keyPad = argP(4), y = argP(5), lseIn = argP(6);
  const dq = argP(7), dk = argP(8), dv = argP(9), B = argI(10), Tq = argI(11), Tk = argI(12), C = argI(13), H = argI(14);
  const causal = argI(15) != 0, dqMode = argI(16), dkMode = argI(17), dvMode = argI(18);
  const D = C / H, stride = roundUp8(Tk), rowBytes = <usize>C << 2, strideBytes = <usize>stride << 2;
  const scale: f32 = 1 / Mathf.sqrt(<f32>D);
  const vs = f32x4.splat(scale);
  const base = scratchOf(tid);
  const kT = scratchPart(base, Tk, D, K_T), vT = scratchPart(base, Tk, D, V_T), kPack = scratchPart(base, Tk, D, K_PACK);
  const qPack = scratchPart(base, Tk, D, Q_PACK), dyPack = scratchPart(base, Tk, D, DY_PACK);
  const probs = scratchPart(base, Tk, D, PROBS), grads = scratchPart(base, Tk, D, GRADS), tile = scratchPart(base, Tk, D, TILE);
  const lower = causal ? LOWER : FULL, upper = causal ? UPPER : FULL;
  for (let chunk = claim(B * H); chunk >= 0; chunk = claim(B * H)) {
    const b = chunk / H, h = chunk % H;
    const head = <usize>(h * D) << 2;
    const kb = k + <usize>(b * Tk) * rowBytes + head, vb = v + <usize>(b * Tk) * rowBytes + head;
    const qb = q + <usize>(b * Tq) * rowBytes + head, yb = y + <usize>(b * Tq) * rowBytes + head;
    const dyb = dy + <usize>(b * Tq) * rowBytes + head, dqb = dq + <usize>(b * Tq) * rowBytes + head;
    const dkb = dk + <usize>(b * Tk) * rowBytes + head, dvb = dv + <usize>(b * Tk) * rowBytes + head;
    const pad: usize = keyPad == 0 ? 0 : keyPad + (<usize>(b * Tk) << 2);
    if (dkMode == STORE) zeroSlice(dkb, Tk, D, rowBytes);
    if (dvMode == STORE) zeroSlice(dvb, Tk, D, rowBytes);
    packCols(kb, rowBytes, 0, D, 0, Tk, kT);
    packCols(vb, rowBytes, 0, D, 0, Tk, vT);
    packRows(kb, rowBytes, 0, Tk, 0, D, kPack);
    for (let q0 = 0; q0 < Tq; q0 += QB) {
      const qc = min(QB, Tq - q0);
      const blockLen = causal ? min(Tk, q0 + qc) : Tk;
      scoresBlock(qb + <usize>q0 * rowBytes, rowBytes, qc, kT, D, blockLen, probs, strideBytes, causal, q0);
      scoresBlock(dyb + <usize>q0 * rowBytes, rowBytes, qc, vT, D, blockLen, grads, strideBytes, causal, q0);
      for (let i = 0; i < qc; i++) {
        const len = causal ? min(Tk, q0 + (i | 3) + 1) : Tk;
        const lim = causal ? min(len, q0 + i + 1) : len;
        const pRow = probs + <usize>i * strideBytes, gRow = grads + <usize>i * strideBytes;
        softmaxRow(pRow, lim, len, pad, scale, load<f32>(lseIn + (<usize>((b * H + h) * Tq + q0 + i) << 2)), true);
        const rowDot = f32x4.splat(dot(dyb + <usize>(q0 + i) * rowBytes, yb + <usize>(q0 + i) * rowBytes, D));
        // dS = P ∘ (dP − rowDot) / √D, in place of dP.
        for (let j = 0; j < len; j += 4) {
          const o = <usize>j << 2;
          v128.store(gRow + o, f32x4.mul(f32x4.mul(v128.load(pRow + o), f32x4.sub(v128.load(gRow + o), rowDot)), vs));
        }
      }
      packRows(qb + <usize>q0 * rowBytes, rowBytes, 0, qc, 0, D, qPack);
      packRows(dyb + <usize>q0 * rowBytes, rowBytes, 0, qc, 0, D, dyPack);
      headProduct(grads, strideBytes, 4, kPack, <usize>Tk << 5, dqb + <usize>q0 * rowBytes, rowBytes, qc, D, blockLen, dqMode, tile, lower, q0);
      headProduct(grads, 4, strideBytes, qPack, <usize>qc << 5, dkb, rowBytes, blockLen, D, qc, ADD, tile, upper, q0);
      headProduct(probs, 4, strideBytes, dyPack, <usize>qc << 5, dvb, rowBytes, blockLen, D, qc, ADD, tile, upper, q0);
    }
  }
}
