/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argF, argI, argP, claim, claimRows, sharedScratch } from './control';
import { ADD } from './gemm';
import { exp4, hmax, hsum } from './vecmath';
import { zeroFloats } from './blocks';

const CE_ROWS: i32 = 16;

/**
 * Task CE_ROWS: per row lse (saved) and the row's label-smoothed loss lse − (1−ε)·z[t] − (ε/V)·Σz into shared
 * scratch (f64, 0 for ignored rows). Args: logits, targets, lse, N, V, ignoreIndex; smoothing.
 */
export function crossEntropyRowsTask(_tid: i32): void {
  const logits = argP(0), targets = argP(1), lseOut = argP(2), N = argI(3), V = argI(4), ignore = argI(5);
  const smoothing = argF(0);
  const rowLoss = sharedScratch();
  const chunks = (N + CE_ROWS - 1) / CE_ROWS;
  const V4 = V & ~3;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(N, (chunk + 1) * CE_ROWS);
    for (let n = chunk * CE_ROWS; n < end; n++) {
      const row = logits + (<usize>n * <usize>V << 2);
      let mx4 = f32x4.splat(-Infinity);
      let z4 = f32x4.splat(0);
      for (let c = 0; c < V4; c += 4) {
        const z = v128.load(row + (<usize>c << 2));
        mx4 = f32x4.pmax(mx4, z);
        z4 = f32x4.add(z4, z);
      }
      let mx = hmax(mx4), zSum = hsum(z4);
      for (let c = V4; c < V; c++) {
        const z = load<f32>(row + (<usize>c << 2));
        mx = max(mx, z);
        zSum += z;
      }
      const vm = f32x4.splat(mx);
      // Two sums, so consecutive exps do not wait on each other's add.
      let s4 = f32x4.splat(0), t4 = f32x4.splat(0);
      let c = 0;
      for (; c + 8 <= V4; c += 8) {
        const at = row + (<usize>c << 2);
        s4 = f32x4.add(s4, inline.always(exp4(f32x4.sub(v128.load(at), vm))));
        t4 = f32x4.add(t4, inline.always(exp4(f32x4.sub(v128.load(at, 16), vm))));
      }
      if (c < V4) s4 = f32x4.add(s4, inline.always(exp4(f32x4.sub(v128.load(row + (<usize>c << 2)), vm))));
      let sum = hsum(f32x4.add(s4, t4));
      for (let c = V4; c < V; c++) sum += Mathf.exp(load<f32>(row + (<usize>c << 2)) - mx);
      const lse = <f64>mx + Math.log(<f64>sum);
      store<f32>(lseOut + (<usize>n << 2), <f32>lse);
      const target = load<i32>(targets + (<usize>n << 2));
      const loss = target == ignore ? 0 : lse - (1 - smoothing) * <f64>load<f32>(row + (<usize>target << 2)) - (smoothing / <f64>V) * <f64>zSum;
      store<f64>(rowLoss + (<usize>n << 3), loss);
    }
  }
}

/** Task CE_SUM (one thread): loss[0] = scale · Σ row losses, summed in row order. Args: loss, N; scale. */
export function crossEntropySumTask(_tid: i32): void {
  const loss = argP(0), N = argI(1), scale = argF(0);
  // One chunk: a thread that joins late finds it taken.
  for (let only = claim(1); only >= 0; only = claim(1)) {
    const rowLoss = sharedScratch();
    let total: f64 = 0;
    for (let n = 0; n < N; n++) total += load<f64>(rowLoss + (<usize>n << 3));
    store<f32>(loss, <f32>(total * scale));
  }
}

/**
 * Task CE_BWD: dLogits (mode)= g·(softmax − ε/V − (1−ε)·onehot) on non-ignored rows (zeros on ignored rows when
 * storing). Args: dLoss, logits, targets, lse, dLogits, N, V, ignoreIndex, mode; smoothing, scale.
 */
export function crossEntropyBackwardTask(_tid: i32): void {
  const dLoss = argP(0), logits = argP(1), targets = argP(2), lseIn = argP(3), dLogits = argP(4);
  const N = argI(5), V = argI(6), ignore = argI(7), mode = argI(8);
  const smoothing = argF(0), scale = argF(1);
  const g = <f32>(<f64>load<f32>(dLoss) * scale);
  const uniform = <f32>(smoothing / <f64>V);
  const vg = f32x4.splat(g), vu = f32x4.splat(uniform);
  const chunks = (N + CE_ROWS - 1) / CE_ROWS;
  const V4 = V & ~3;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const end = min(N, (chunk + 1) * CE_ROWS);
    for (let n = chunk * CE_ROWS; n < end; n++) {
      const row = logits + (<usize>n * <usize>V << 2), out = dLogits + (<usize>n * <usize>V << 2);
      const target = load<i32>(targets + (<usize>n << 2));
      if (target == ignore) {
        if (mode != ADD) zeroFloats(out, V);
        continue;
      }
      const vl = f32x4.splat(load<f32>(lseIn + (<usize>n << 2)));
      for (let c = 0; c < V4; c += 4) {
        const o = <usize>c << 2;
        const v = f32x4.mul(vg, f32x4.sub(inline.always(exp4(f32x4.sub(v128.load(row + o), vl))), vu));
        v128.store(out + o, mode == ADD ? f32x4.add(v128.load(out + o), v) : v);
      }
      const lse = load<f32>(lseIn + (<usize>n << 2));
      for (let c = V4; c < V; c++) {
        const o = <usize>c << 2;
        const v = g * (Mathf.exp(load<f32>(row + o) - lse) - uniform);
        store<f32>(out + o, mode == ADD ? load<f32>(out + o) + v : v);
      }
      const t = out + (<usize>target << 2);
      store<f32>(t, load<f32>(t) - <f32>(<f64>g * (1 - smoothing)));
    }
  }
}

/** Shared scratch bytes of the cross-entropy forward pass (one f64 loss per row). */
export function cross_entropy_scratch_bytes(N: i32): i32 {
  return N * 8;
}
