/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { argI, argP, claim } from './control';
import { CHUNK } from './elementwise';
import { ADD, STORE } from './gemm';
import { madd } from './fma';
import {
  ERFC_A1, ERFC_A2, ERFC_A3, ERFC_A4, ERFC_A5, ERFC_P, HALF, INV_SQRT_2PI, MINUS_HALF, ONE, SQRT_HALF, TANH_3C, TANH_C, TANH_K, ZERO,
  erf4, exp4, tanh4,
} from './vecmath';

/** Activation kinds, in the order runtime.ts passes them. */
export const GELU: i32 = 0;
export const GELU_TANH: i32 = 1;
export const RELU: i32 = 2;

function forward4(kind: i32, x: v128): v128 {
  if (kind == GELU) {
    return f32x4.mul(f32x4.mul(v128.load(HALF), x), f32x4.add(v128.load(ONE), inline.always(erf4(f32x4.mul(x, v128.load(SQRT_HALF))))));
  }
  if (kind == GELU_TANH) {
    const inner = f32x4.mul(v128.load(TANH_K), f32x4.add(x, f32x4.mul(v128.load(TANH_C), f32x4.mul(x, f32x4.mul(x, x)))));
    return f32x4.mul(f32x4.mul(v128.load(HALF), x), f32x4.add(v128.load(ONE), inline.always(tanh4(inner))));
  }
  return f32x4.pmax(x, v128.load(ZERO));
}

/** d activation / dx at x. */
function slope4(kind: i32, x: v128): v128 {
  const half = v128.load(HALF), one = v128.load(ONE);
  if (kind == GELU) {
    // Φ(x) + x·φ(x), both from one e^{−x²/2}: the tail 1 − Φ(|x|) = ½·erfc(|x|/√2) by A&S 7.1.26.
    const e = inline.always(exp4(f32x4.mul(v128.load(MINUS_HALF), f32x4.mul(x, x))));
    const t = f32x4.div(one, madd(v128.load(ERFC_P), f32x4.abs(x), one));
    let poly = madd(v128.load(ERFC_A5), t, v128.load(ERFC_A4));
    poly = madd(poly, t, v128.load(ERFC_A3));
    poly = madd(poly, t, v128.load(ERFC_A2));
    poly = madd(poly, t, v128.load(ERFC_A1));
    const tail = f32x4.mul(f32x4.mul(f32x4.mul(poly, t), e), half);
    const cdf = v128.bitselect(f32x4.sub(one, tail), tail, f32x4.ge(x, v128.load(ZERO)));
    return madd(x, f32x4.mul(v128.load(INV_SQRT_2PI), e), cdf);
  }
  if (kind == GELU_TANH) {
    const x2 = f32x4.mul(x, x);
    const th = inline.always(tanh4(f32x4.mul(v128.load(TANH_K), f32x4.add(x, f32x4.mul(v128.load(TANH_C), f32x4.mul(x, x2))))));
    const dInner = f32x4.mul(v128.load(TANH_K), f32x4.add(one, f32x4.mul(v128.load(TANH_3C), x2)));
    const left = f32x4.mul(half, f32x4.add(one, th));
    return f32x4.add(left, f32x4.mul(f32x4.mul(f32x4.mul(half, x), f32x4.sub(one, f32x4.mul(th, th))), dInner));
  }
  return v128.and(one, f32x4.gt(x, v128.load(ZERO)));
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

/** y[i, end) = act(x). Called inlined with a constant kind, so each kind gets a loop without branches. */
function forwardRange(kind: i32, x: usize, y: usize, i: i32, end: i32): void {
  for (; i + 4 <= end; i += 4) v128.store(y + (<usize>i << 2), inline.always(forward4(kind, v128.load(x + (<usize>i << 2)))));
  if (i < end) storePartial(y + (<usize>i << 2), forward4(kind, loadPartial(x + (<usize>i << 2), end - i)), end - i);
}

/** Task ACT_FWD: y = act(x). Args: kind, x, y, n. */
export function activationForwardTask(_tid: i32): void {
  const kind = argI(0), x = argP(1), y = argP(2), n = argI(3);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const start = chunk * CHUNK, end = min(n, start + CHUNK);
    if (kind == GELU) inline.always(forwardRange(GELU, x, y, start, end));
    else if (kind == GELU_TANH) inline.always(forwardRange(GELU_TANH, x, y, start, end));
    else inline.always(forwardRange(RELU, x, y, start, end));
  }
}

/** dx[i, end) (mode)= dy · act'(x). Called inlined with a constant kind and mode: one branch-free loop each. */
function backwardRange(kind: i32, dy: usize, x: usize, dx: usize, i: i32, end: i32, mode: i32): void {
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const v = f32x4.mul(v128.load(dy + o), inline.always(slope4(kind, v128.load(x + o))));
    v128.store(dx + o, mode == ADD ? f32x4.add(v128.load(dx + o), v) : v);
  }
  if (i < end) {
    const o = <usize>i << 2, count = end - i;
    let v = f32x4.mul(loadPartial(dy + o, count), slope4(kind, loadPartial(x + o, count)));
    if (mode == ADD) v = f32x4.add(loadPartial(dx + o, count), v);
    storePartial(dx + o, v, count);
  }
}

/** Task ACT_BWD: dx (mode)= dy · act'(x). Args: kind, dy, x, dx, n, mode. */
export function activationBackwardTask(_tid: i32): void {
  const kind = argI(0), dy = argP(1), x = argP(2), dx = argP(3), n = argI(4), mode = argI(5);
  const chunks = (n + CHUNK - 1) / CHUNK;
  for (let chunk = claim(chunks); chunk >= 0; chunk = claim(chunks)) {
    const start = chunk * CHUNK, end = min(n, start + CHUNK);
    if (kind == GELU && mode == ADD) inline.always(backwardRange(GELU, dy, x, dx, start, end, ADD));
    else if (kind == GELU) inline.always(backwardRange(GELU, dy, x, dx, start, end, STORE));
    else if (kind == GELU_TANH) inline.always(backwardRange(GELU_TANH, dy, x, dx, start, end, mode));
    else inline.always(backwardRange(RELU, dy, x, dx, start, end, mode));
  }
}
