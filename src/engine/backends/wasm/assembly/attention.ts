/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { scaleFloats } from './blocks';
import { argI, argP, claimRows, scratchOf } from './control';
import { ADD, STORE } from './gemm';
import {
  A_TILES, DY_PACK, DY_TILES, FULL, GRADS, K_PACK, K_T, LOWER, PROBS, QB, Q_PACK, Q_TILES, ROW_SCALE, TILE, UPPER, V_T,
  dot, gradientFromWeights, gradientRow, headProduct, rowStride, scoresBlock, scratchPart, softmaxRow, storeWeights, zeroSlice,
} from './attentionParts';
import { packCols, packRows, packRowsA, packTransposedA } from './pack';

/**
 * Task ATTN_FWD, one (batch, head) per chunk, query blocks of QB rows: S = Q·Kᵀ/√D, masked softmax (lse saved, and
 * the normalised weights [B,H,Tq,Tk] when `weights` ≠ 0), y = P·V. Head h uses channels [h·D, (h+1)·D).
 * q, k, v rows are ld floats apart (3C when they are one packed projection), y rows C.
 * Args: q, k, v, keyPad (0 = none), y, lse, weights (0 = none), B, Tq, Tk, C, H, causal, ld.
 */
export function attentionForwardTask(tid: i32): void {
  const q = argP(0), k = argP(1), v = argP(2), keyPad = argP(3), y = argP(4), lseOut = argP(5), weights = argP(6);
  const B = argI(7), Tq = argI(8), Tk = argI(9), C = argI(10), H = argI(11), causal = argI(12) != 0, ld = argI(13);
  const D = C / H, stride = rowStride(Tk), rowBytes = <usize>C << 2, strideBytes = <usize>stride << 2, inBytes = <usize>ld << 2;
  const scale: f32 = 1 / Mathf.sqrt(<f32>D);
  const base = scratchOf(tid);
  const kT = scratchPart(base, Tk, D, K_T), vPack = scratchPart(base, Tk, D, K_PACK), qTiles = scratchPart(base, Tk, D, Q_TILES);
  const probs = scratchPart(base, Tk, D, PROBS), pTiles = scratchPart(base, Tk, D, A_TILES);
  const tile = scratchPart(base, Tk, D, TILE), rowScale = scratchPart(base, Tk, D, ROW_SCALE);
  for (let chunk = claimRows(B * H); chunk >= 0; chunk = claimRows(B * H)) {
    const b = chunk / H, h = chunk % H;
    const head = <usize>(h * D) << 2;
    const kb = k + <usize>(b * Tk) * inBytes + head, vb = v + <usize>(b * Tk) * inBytes + head;
    const qb = q + <usize>(b * Tq) * inBytes + head, yb = y + <usize>(b * Tq) * rowBytes + head;
    const pad: usize = keyPad == 0 ? 0 : keyPad + (<usize>(b * Tk) << 2);
    packCols(kb, inBytes, 0, D, 0, Tk, kT);
    packRows(vb, inBytes, 0, Tk, 0, D, vPack);
    for (let q0 = 0; q0 < Tq; q0 += QB) {
      const qc = min(QB, Tq - q0);
      const blockLen = causal ? min(Tk, q0 + qc) : Tk;
      packRowsA(qb + <usize>q0 * inBytes, inBytes, 0, qc, 0, D, qTiles);
      scoresBlock(qTiles, qc, kT, D, blockLen, probs, strideBytes, causal, q0);
      for (let i = 0; i < qc; i++) {
        const len = causal ? min(Tk, q0 + (i | 3) + 1) : Tk;
        const lim = causal ? min(len, q0 + i + 1) : len;
        const lse = softmaxRow(probs + <usize>i * strideBytes, lim, len, pad, scale, rowScale + (<usize>i << 2));
        const row = (b * H + h) * Tq + q0 + i;
        store<f32>(lseOut + (<usize>row << 2), lse);
        if (weights != 0) {
          storeWeights(probs + <usize>i * strideBytes, weights + (<usize>row * <usize>Tk << 2), len, Tk, load<f32>(rowScale + (<usize>i << 2)));
        }
      }
      packRowsA(probs, strideBytes, 0, qc, 0, blockLen, pTiles);
      const yBlock = yb + <usize>q0 * rowBytes;
      headProduct(pTiles, <usize>blockLen << 4, 16, vPack, <usize>Tk << 5, yBlock, rowBytes, qc, D, blockLen, STORE, tile,
        causal ? LOWER : FULL, q0);
      for (let i = 0; i < qc; i++) scaleFloats(yBlock + <usize>i * rowBytes, D, load<f32>(rowScale + (<usize>i << 2)));
    }
  }
}

/**
 * Task ATTN_BWD, one (batch, head) per chunk, query blocks of QB rows: P read from the saved weights, or recomputed
 * from the saved lse (FlashAttention-2), dP = dY·Vᵀ, dS = P∘(dP − rowsum(dY∘Y))/√D, then dQ = dS·K, dK += dSᵀ·Q,
 * dV += Pᵀ·dY (the block's P and dS kept whole instead of recomputed per key block). q, k, v, dq, dk, dv rows are
 * ld floats apart, y and dy rows C.
 * Args: dy, q, k, v, keyPad, y, lse, weights (0 = none), dq, dk, dv, B, Tq, Tk, C, H, causal, dqMode, dkMode, dvMode, ld.
 */
export function attentionBackwardTask(tid: i32): void {
  const dy = argP(0), q = argP(1), k = argP(2), v = argP(3), keyPad = argP(4), y = argP(5), lseIn = argP(6), weights = argP(7);
  const dq = argP(8), dk = argP(9), dv = argP(10), B = argI(11), Tq = argI(12), Tk = argI(13), C = argI(14), H = argI(15);
  const causal = argI(16) != 0, dqMode = argI(17), dkMode = argI(18), dvMode = argI(19), ld = argI(20);
  const D = C / H, stride = rowStride(Tk), rowBytes = <usize>C << 2, strideBytes = <usize>stride << 2, inBytes = <usize>ld << 2;
  const scale: f32 = 1 / Mathf.sqrt(<f32>D);
  const base = scratchOf(tid);
  const kT = scratchPart(base, Tk, D, K_T), vT = scratchPart(base, Tk, D, V_T), kPack = scratchPart(base, Tk, D, K_PACK);
  const qPack = scratchPart(base, Tk, D, Q_PACK), dyPack = scratchPart(base, Tk, D, DY_PACK);
  const qTiles = scratchPart(base, Tk, D, Q_TILES), dyTiles = scratchPart(base, Tk, D, DY_TILES);
  const probs = scratchPart(base, Tk, D, PROBS), grads = scratchPart(base, Tk, D, GRADS), aTiles = scratchPart(base, Tk, D, A_TILES);
  const tile = scratchPart(base, Tk, D, TILE);
  const lower = causal ? LOWER : FULL, upper = causal ? UPPER : FULL;
  for (let chunk = claimRows(B * H); chunk >= 0; chunk = claimRows(B * H)) {
    const b = chunk / H, h = chunk % H;
    const head = <usize>(h * D) << 2;
    const kb = k + <usize>(b * Tk) * inBytes + head, vb = v + <usize>(b * Tk) * inBytes + head;
    const qb = q + <usize>(b * Tq) * inBytes + head, yb = y + <usize>(b * Tq) * rowBytes + head;
    const dyb = dy + <usize>(b * Tq) * rowBytes + head, dqb = dq + <usize>(b * Tq) * inBytes + head;
    const dkb = dk + <usize>(b * Tk) * inBytes + head, dvb = dv + <usize>(b * Tk) * inBytes + head;
    const pad: usize = keyPad == 0 ? 0 : keyPad + (<usize>(b * Tk) << 2);
    if (dkMode == STORE) zeroSlice(dkb, Tk, D, inBytes);
    if (dvMode == STORE) zeroSlice(dvb, Tk, D, inBytes);
    packCols(kb, inBytes, 0, D, 0, Tk, kT);
    packCols(vb, inBytes, 0, D, 0, Tk, vT);
    packRows(kb, inBytes, 0, Tk, 0, D, kPack);
    for (let q0 = 0; q0 < Tq; q0 += QB) {
      const qc = min(QB, Tq - q0);
      const blockLen = causal ? min(Tk, q0 + qc) : Tk;
      const qBlock = qb + <usize>q0 * inBytes, dyBlock = dyb + <usize>q0 * rowBytes;
      const saved = weights + (<usize>((b * H + h) * Tq + q0) * <usize>Tk << 2), savedBytes = <usize>Tk << 2;
      if (weights == 0) {
        packRowsA(qBlock, inBytes, 0, qc, 0, D, qTiles);
        scoresBlock(qTiles, qc, kT, D, blockLen, probs, strideBytes, causal, q0);
      }
      packRowsA(dyBlock, rowBytes, 0, qc, 0, D, dyTiles);
      scoresBlock(dyTiles, qc, vT, D, blockLen, grads, strideBytes, causal, q0);
      for (let i = 0; i < qc; i++) {
        const len = causal ? min(Tk, q0 + (i | 3) + 1) : Tk;
        const lim = causal ? min(len, q0 + i + 1) : len;
        const lse = load<f32>(lseIn + (<usize>((b * H + h) * Tq + q0 + i) << 2));
        const rowDot = dot(dyb + <usize>(q0 + i) * rowBytes, yb + <usize>(q0 + i) * rowBytes, D);
        const gRow = grads + <usize>i * strideBytes;
        if (weights != 0) gradientFromWeights(saved + <usize>i * savedBytes, gRow, len, scale, rowDot);
        else gradientRow(probs + <usize>i * strideBytes, gRow, lim, len, pad, scale, lse, rowDot);
      }
      packRows(qBlock, inBytes, 0, qc, 0, D, qPack);
      packRows(dyBlock, rowBytes, 0, qc, 0, D, dyPack);
      packRowsA(grads, strideBytes, 0, qc, 0, blockLen, aTiles);
      const dqBlock = dqb + <usize>q0 * inBytes;
      headProduct(aTiles, <usize>blockLen << 4, 16, kPack, <usize>Tk << 5, dqBlock, inBytes, qc, D, blockLen, dqMode, tile, lower, q0);
      // dSᵀ and Pᵀ are read in place: each of their k-rows (a query's row) holds a tile's keys side by side.
      headProduct(grads, 16, strideBytes, qPack, <usize>qc << 5, dkb, inBytes, blockLen, D, qc, ADD, tile, upper, q0);
      if (weights == 0) {
        headProduct(probs, 16, strideBytes, dyPack, <usize>qc << 5, dvb, inBytes, blockLen, D, qc, ADD, tile, upper, q0);
      } else if ((Tk & 3) == 0) {
        headProduct(saved, 16, savedBytes, dyPack, <usize>qc << 5, dvb, inBytes, blockLen, D, qc, ADD, tile, upper, q0);
      } else {
        // Rows of Tk floats, Tk not a multiple of 4: a 4-key tile read in place could run past the buffer's end.
        packTransposedA(saved, savedBytes, 0, blockLen, 0, qc, aTiles);
        headProduct(aTiles, <usize>qc << 4, 16, dyPack, <usize>qc << 5, dvb, inBytes, blockLen, D, qc, ADD, tile, upper, q0);
      }
    }
  }
}
