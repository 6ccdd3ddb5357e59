/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argF, argI, argP, claim, claimRows, scratchOf, sharedScratch } from './control';
import { madd } from './fma';
import { ADD } from './gemm';
import { hsum } from './vecmath';
import { copyFloats, zeroFloats } from './blocks';

/** Rows per chunk of the LayerNorm tasks; also the granularity of the dw/db partial sums. */
export const LN_ROWS: i32 = 32;

/** Σ p[0, C): four vector accumulators over 16-float steps, so the adds do not wait on each other. */
function rowSum(p: usize, C: i32): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    const q = p + (<usize>c << 2);
    a0 = f32x4.add(a0, v128.load(q)); a1 = f32x4.add(a1, v128.load(q, 16));
    a2 = f32x4.add(a2, v128.load(q, 32)); a3 = f32x4.add(a3, v128.load(q, 48));
  }
  for (; c + 4 <= C; c += 4) a0 = f32x4.add(a0, v128.load(p + (<usize>c << 2)));
  let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; c < C; c++) s += load<f32>(p + (<usize>c << 2));
  return s;
}

/** Σ (p[c] − mean)² over [0, C), with four accumulators like rowSum. */
function rowSquaredDeviation(p: usize, C: i32, mean: f32): f32 {
  const m = f32x4.splat(mean);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    const q = p + (<usize>c << 2);
    const d0 = f32x4.sub(v128.load(q), m), d1 = f32x4.sub(v128.load(q, 16), m);
    const d2 = f32x4.sub(v128.load(q, 32), m), d3 = f32x4.sub(v128.load(q, 48), m);
    a0 = madd(d0, d0, a0); a1 = madd(d1, d1, a1); a2 = madd(d2, d2, a2); a3 = madd(d3, d3, a3);
  }
  for (; c + 4 <= C; c += 4) {
    const d = f32x4.sub(v128.load(p + (<usize>c << 2)), m);
    a0 = madd(d, d, a0);
  }
  let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; c < C; c++) {
    const d = load<f32>(p + (<usize>c << 2)) - mean;
    s += d * d;
  }
  return s;
}

/** Task LN_FWD: y = (x − mean)·rstd·w + b per row; saves mean, rstd. Args: x, w, b (0 = none), y, mean, rstd, N, C; eps. */
export function layerNormForwardTask(_tid: i32): void {
  const x = argP(0), w = argP(1), b = argP(2), y = argP(3), meanOut = argP(4), rstdOut = argP(5), N = argI(6), C = argI(7);
  const eps = <f32>argF(0);
  const chunks = (N + LN_ROWS - 1) / LN_ROWS;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(N, (chunk + 1) * LN_ROWS);
    for (let n = chunk * LN_ROWS; n < end; n++) {
      const row = <usize>n * <usize>C << 2;
      const mean = rowSum(x + row, C) / <f32>C;
      const rstd: f32 = 1 / Mathf.sqrt(rowSquaredDeviation(x + row, C, mean) / <f32>C + eps);
      store<f32>(meanOut + (<usize>n << 2), mean);
      store<f32>(rstdOut + (<usize>n << 2), rstd);
      const m = f32x4.splat(mean), r = f32x4.splat(rstd);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        let v = f32x4.mul(f32x4.mul(f32x4.sub(v128.load(x + row + o), m), r), v128.load(w + o));
        if (b != 0) v = f32x4.add(v, v128.load(b + o));
        v128.store(y + row + o, v);
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        store<f32>(y + row + o, (load<f32>(x + row + o) - mean) * rstd * load<f32>(w + o) + (b != 0 ? load<f32>(b + o) : 0));
      }
    }
  }
}

/**
 * Task LN_BWD_ROWS: dx (mode)= rstd·(dy·w − mean(dy·w) − norm·mean(dy·w·norm)) per row, and per chunk of LN_ROWS rows
 * the partial sums of dy·norm and dy into shared scratch [chunk][2][C]. A chunk adds its rows into the thread's own
 * scratch and copies the sums out once: adding into the shared slot row after row made 2 threads slower than one
 * (every row rewrote lines that the reducing thread had last read). Args: dy, x, w, mean, rstd, dx (0 = none), N, C, dxMode.
 */
export function layerNormBackwardRowsTask(tid: i32): void {
  const dy = argP(0), x = argP(1), w = argP(2), meanIn = argP(3), rstdIn = argP(4), dx = argP(5), N = argI(6), C = argI(7);
  const dxMode = argI(8);
  const partials = sharedScratch();
  const pw = scratchOf(tid), pb = pw + (<usize>C << 2);
  const chunks = (N + LN_ROWS - 1) / LN_ROWS;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    zeroFloats(pw, 2 * C);
    const end = min(N, (chunk + 1) * LN_ROWS);
    for (let n = chunk * LN_ROWS; n < end; n++) {
      const row = <usize>n * <usize>C << 2;
      const mean = load<f32>(meanIn + (<usize>n << 2)), rstd = load<f32>(rstdIn + (<usize>n << 2));
      const m = f32x4.splat(mean), r = f32x4.splat(rstd);
      let accD = f32x4.splat(0), accDN = f32x4.splat(0);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        const g = v128.load(dy + row + o);
        const norm = f32x4.mul(f32x4.sub(v128.load(x + row + o), m), r);
        const d = f32x4.mul(g, v128.load(w + o));
        accD = f32x4.add(accD, d);
        accDN = f32x4.add(accDN, f32x4.mul(d, norm));
        v128.store(pw + o, f32x4.add(v128.load(pw + o), f32x4.mul(g, norm)));
        v128.store(pb + o, f32x4.add(v128.load(pb + o), g));
      }
      let sumD = hsum(accD), sumDN = hsum(accDN);
      for (; c < C; c++) {
        const o = <usize>c << 2;
        const g = load<f32>(dy + row + o);
        const norm = (load<f32>(x + row + o) - mean) * rstd;
        const d = g * load<f32>(w + o);
        sumD += d;
        sumDN += d * norm;
        store<f32>(pw + o, load<f32>(pw + o) + g * norm);
        store<f32>(pb + o, load<f32>(pb + o) + g);
      }
      if (dx == 0) continue;
      const meanD = sumD / <f32>C, meanDN = sumDN / <f32>C;
      const vMeanD = f32x4.splat(meanD), vMeanDN = f32x4.splat(meanDN);
      c = 0;
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        const norm = f32x4.mul(f32x4.sub(v128.load(x + row + o), m), r);
        const inner = f32x4.sub(f32x4.sub(f32x4.mul(v128.load(dy + row + o), v128.load(w + o)), vMeanD), f32x4.mul(norm, vMeanDN));
        const v = f32x4.mul(r, inner);
        v128.store(dx + row + o, dxMode == ADD ? f32x4.add(v128.load(dx + row + o), v) : v);
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        const norm = (load<f32>(x + row + o) - mean) * rstd;
        const v = rstd * (load<f32>(dy + row + o) * load<f32>(w + o) - meanD - norm * meanDN);
        store<f32>(dx + row + o, dxMode == ADD ? load<f32>(dx + row + o) + v : v);
      }
    }
    copyFloats(partials + (<usize>chunk * <usize>C << 3), pw, 2 * C);
  }
}

/** Task LN_BWD_REDUCE: dw/db (mode)= Σ over chunks (in chunk order) of the partials. Args: dw, db (0 = none), N, C, dwMode, dbMode. */
export function layerNormBackwardReduceTask(_tid: i32): void {
  const dw = argP(0), db = argP(1), N = argI(2), C = argI(3), dwMode = argI(4), dbMode = argI(5);
  const partials = sharedScratch();
  const rowChunks = (N + LN_ROWS - 1) / LN_ROWS;
  const chunks = (C + 63) >> 6;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const end = min(C, (chunk + 1) << 6);
    for (let c = chunk << 6; c < end; c++) {
      let sw: f32 = 0, sb: f32 = 0;
      for (let r = 0; r < rowChunks; r++) {
        const pw = partials + (<usize>r * <usize>C << 3) + (<usize>c << 2);
        sw += load<f32>(pw);
        sb += load<f32>(pw + (<usize>C << 2));
      }
      const o = <usize>c << 2;
      if (dw != 0) store<f32>(dw + o, dwMode == ADD ? load<f32>(dw + o) + sw : sw);
      if (db != 0) store<f32>(db + o, dbMode == ADD ? load<f32>(db + o) + sb : sb);
    }
  }
}

/** Shared scratch bytes of the LayerNorm backward pass (two partial rows of C floats per chunk). */
export function layer_norm_scratch_bytes(N: i32, C: i32): i32 {
  return ((N + LN_ROWS - 1) / LN_ROWS) * C * 8;
}
