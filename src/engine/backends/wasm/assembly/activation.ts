/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argI, argP, claimRows } from './control';
import { CHUNK } from './elementwise';
import { madd } from './fma';
import {
  HALF, LOG2_INV_SQRT_2PI, MINUS_HALF_LOG2E, ONE, TANH_3C, TANH_C, TANH_K, ZERO, exp2Negative4, normalTail4, tanh4,
} from './vecmath';

/** Activation kinds, in the order runtime.ts passes them. */
export const GELU: i32 = 0;
export const GELU_TANH: i32 = 1;
export const RELU: i32 = 2;

/**
 * act(x) and act′(x) at four lanes, stored to y and slope (`count` < 4: only that many lanes, at an array's tail).
 * GELU takes φ = 2^(−x²·log₂e/2 + log₂(1/√(2π))) from one exp2 and Φ from the normal tail at |x| given φ: one
 * exponential serves both, and the lower tail, where x·Φ(x) is tiny, keeps its relative accuracy. Inlined with
 * constant kind and count.
 */
function activate4(kind: i32, x: v128, y: usize, slope: usize, count: i32): void {
  const half = v128.load(HALF), one = v128.load(ONE);
  let value: v128, derivative: v128;
  if (kind == GELU) {
    const density = inline.always(exp2Negative4(madd(f32x4.mul(x, x), v128.load(MINUS_HALF_LOG2E), v128.load(LOG2_INV_SQRT_2PI))));
    const tail = inline.always(normalTail4(f32x4.abs(x), density));
    const cdf = v128.bitselect(f32x4.sub(one, tail), tail, f32x4.ge(x, v128.load(ZERO)));
    value = f32x4.mul(x, cdf);
    derivative = madd(x, density, cdf);
  } else if (kind == GELU_TANH) {
    const x2 = f32x4.mul(x, x);
    const th = inline.always(tanh4(f32x4.mul(v128.load(TANH_K), f32x4.add(x, f32x4.mul(v128.load(TANH_C), f32x4.mul(x, x2))))));
    const dInner = f32x4.mul(v128.load(TANH_K), f32x4.add(one, f32x4.mul(v128.load(TANH_3C), x2)));
    const left = f32x4.mul(half, f32x4.add(one, th));
    value = f32x4.mul(left, x);
    derivative = f32x4.add(left, f32x4.mul(f32x4.mul(f32x4.mul(half, x), f32x4.sub(one, f32x4.mul(th, th))), dInner));
  } else {
    value = f32x4.pmax(x, v128.load(ZERO));
    derivative = v128.and(one, f32x4.gt(x, v128.load(ZERO)));
  }
  if (count == 4) {
    v128.store(y, value);
    v128.store(slope, derivative);
  } else {
    storePartial(y, value, count);
    storePartial(slope, derivative, count);
  }
}

/** Four lanes starting at p, zero beyond `count` valid floats (the tail of an array not a multiple of 4). */
function loadPartial(p: usize, count: i32): v128 {
  let v = f32x4.splat(0);
  if (count > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

function storePartial(p: usize, v: v128, count: i32): void {
  if (count > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** y[i, end) = act(x), slope[i, end) = act′(x). Called inlined with a constant kind. */
function forwardRange(kind: i32, x: usize, y: usize, slope: usize, i: i32, end: i32): void {
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    inline.always(activate4(kind, v128.load(x + o), y + o, slope + o, 4));
  }
  if (i < end) {
    const o = <usize>i << 2;
    activate4(kind, loadPartial(x + o, end - i), y + o, slope + o, end - i);
  }
}

/**
 * act in place over a rows × cols block of C (row stride ld bytes), its slopes to the same places of `slope`: a
 * GEMM's epilogue, run over each finished chunk of C while its rows are in L2. Called with a runtime kind, which
 * picks one of the constant-kind loops per row.
 */
export function activateBlock(kind: i32, c: usize, slope: usize, ld: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ld, slopeRow = slope + <usize>r * ld;
    if (kind == GELU) inline.always(forwardRange(GELU, row, row, slopeRow, 0, cols));
    else if (kind == GELU_TANH) inline.always(forwardRange(GELU_TANH, row, row, slopeRow, 0, cols));
    else inline.always(forwardRange(RELU, row, row, slopeRow, 0, cols));
  }
}

/** Task ACT_FWD: y = act(x), slope = act′(x) (what the backward multiplies dy by). Args: kind, x, y, slope, n. */
export function activationForwardTask(_tid: i32): void {
  const kind = argI(0), x = argP(1), y = argP(2), slope = argP(3), n = argI(4);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claimRows(chunks); chunk >= 0; chunk = claimRows(chunks)) {
    const start = chunk * CHUNK, end = min(n, start + CHUNK);
    if (kind == GELU) inline.always(forwardRange(GELU, x, y, slope, start, end));
    else if (kind == GELU_TANH) inline.always(forwardRange(GELU_TANH, x, y, slope, start, end));
    else inline.always(forwardRange(RELU, x, y, slope, start, end));
  }
}
