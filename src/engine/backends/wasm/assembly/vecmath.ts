/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import { madd, nmadd } from './fma';
/**
 * Four-lane float32 transcendental functions (WebAssembly SIMD has none): range reduction + polynomials.
 * Their splatted constants live in a table in memory, written once by init_constants: inside a loop V8 rebuilds
 * a v128.const from immediates at every use (three instructions), while a load from a fixed address is one.
 * Call them as `inline.always(exp4(x))` in loops, so the call (which spills every vector register) disappears.
 */

/** The constant table (1 KiB below the control block; the module's own data ends far below it). */
export const TABLE: usize = 15360;

// Addresses of the splatted constants (literal, so V8 addresses them as memory + immediate), 16 bytes each.

const EXP_MIN: usize = TABLE + 0;
const EXP_MAX: usize = TABLE + 16;
const LOG2E: usize = TABLE + 32;
const ROUNDER: usize = TABLE + 48;
const LN2_HI: usize = TABLE + 64;
const LN2_LO: usize = TABLE + 80;
const EXP_P0: usize = TABLE + 96;
const EXP_P1: usize = TABLE + 112;
const EXP_P2: usize = TABLE + 128;
const EXP_P3: usize = TABLE + 144;
const EXP_P4: usize = TABLE + 160;
const EXP_P5: usize = TABLE + 176;
export const ONE: usize = TABLE + 192;
const BIAS_127: usize = TABLE + 208;
/** Constants of the normal distribution's upper tail (normalTail4). */
const NORMAL_P: usize = TABLE + 224;
const NORMAL_B1: usize = TABLE + 240;
const NORMAL_B2: usize = TABLE + 256;
const NORMAL_B3: usize = TABLE + 272;
const NORMAL_B4: usize = TABLE + 288;
const NORMAL_B5: usize = TABLE + 304;
export const HALF: usize = TABLE + 320;
export const ZERO: usize = TABLE + 336;
const TWO: usize = TABLE + 352;
/** Constants of activation.ts (the table is shared so there is one place that writes it). */
export const LOG2_INV_SQRT_2PI: usize = TABLE + 368;
export const TANH_K: usize = TABLE + 384;
export const TANH_C: usize = TABLE + 400;
export const TANH_3C: usize = TABLE + 416;
export const MINUS_HALF_LOG2E: usize = TABLE + 432;
/** 8 zero floats: the start of a GEMM tile's sums when there is no bias and nothing to add to. */
export const ZERO_ROW: usize = TABLE + 448;
/** Constants of exp2Negative4. */
const EXP2_MIN: usize = TABLE + 480;
const EXP2_BIAS: usize = TABLE + 496;
const EXP2_P0: usize = TABLE + 512;
const EXP2_P1: usize = TABLE + 528;
const EXP2_P2: usize = TABLE + 544;
const EXP2_P3: usize = TABLE + 560;
const EXP2_P4: usize = TABLE + 576;
const EXP2_P5: usize = TABLE + 592;

/** Fills the constant table; called once, before any kernel runs. */
export function init_constants(): void {
  v128.store(EXP_MIN, f32x4.splat(-87.3)); v128.store(EXP_MAX, f32x4.splat(88.3));
  v128.store(LOG2E, f32x4.splat(1.4426950408889634));
  // 1.5·2²³: adding it rounds a float below 2²² to an integer held in the low mantissa bits.
  v128.store(ROUNDER, f32x4.splat(12582912.0));
  v128.store(LN2_HI, f32x4.splat(0.693359375)); v128.store(LN2_LO, f32x4.splat(-2.12194440e-4));
  v128.store(EXP_P0, f32x4.splat(1.9875691500e-4)); v128.store(EXP_P1, f32x4.splat(1.3981999507e-3));
  v128.store(EXP_P2, f32x4.splat(8.3334519073e-3)); v128.store(EXP_P3, f32x4.splat(4.1665795894e-2));
  v128.store(EXP_P4, f32x4.splat(1.6666665459e-1)); v128.store(EXP_P5, f32x4.splat(5.0000001201e-1));
  v128.store(ONE, f32x4.splat(1)); v128.store(BIAS_127, i32x4.splat(127));
  // Abramowitz & Stegun 26.2.17: Q(x) = φ(x)·t·(b1 + b2·t + … + b5·t⁴), t = 1/(1 + p·x), |error| < 7.5e-8 for x ≥ 0.
  v128.store(NORMAL_P, f32x4.splat(0.2316419)); v128.store(NORMAL_B1, f32x4.splat(0.319381530));
  v128.store(NORMAL_B2, f32x4.splat(-0.356563782)); v128.store(NORMAL_B3, f32x4.splat(1.781477937));
  v128.store(NORMAL_B4, f32x4.splat(-1.821255978)); v128.store(NORMAL_B5, f32x4.splat(1.330274429));
  v128.store(HALF, f32x4.splat(0.5)); v128.store(ZERO, f32x4.splat(0)); v128.store(TWO, f32x4.splat(2));
  // GELU's density φ(x) = 2^(x²·(−log₂e/2) + log₂(1/√(2π))): one multiply-add before exp2Negative4.
  v128.store(LOG2_INV_SQRT_2PI, f32x4.splat(-1.3257480647361595));
  v128.store(TANH_K, f32x4.splat(0.7978845608028654)); v128.store(TANH_C, f32x4.splat(0.044715));
  v128.store(TANH_3C, f32x4.splat(3 * 0.044715)); v128.store(MINUS_HALF_LOG2E, f32x4.splat(-0.7213475204444817));
  v128.store(ZERO_ROW, f32x4.splat(0)); v128.store(ZERO_ROW, f32x4.splat(0), 16);
  // exp2f (Cephes): 2^r ≈ 1 + r·P(r) on [−½, ½], relative error below 1e-7. The bias turns the rounded sum's bits
  // (ROUNDER's bits + n) into n + 127, the exponent field of 2^n.
  v128.store(EXP2_MIN, f32x4.splat(-126)); v128.store(EXP2_BIAS, i32x4.splat(127 - 0x4b400000));
  v128.store(EXP2_P0, f32x4.splat(1.535336188319500e-4)); v128.store(EXP2_P1, f32x4.splat(1.339887440266574e-3));
  v128.store(EXP2_P2, f32x4.splat(9.618437357674640e-3)); v128.store(EXP2_P3, f32x4.splat(5.550332471162809e-2));
  v128.store(EXP2_P4, f32x4.splat(2.402264791363012e-1)); v128.store(EXP2_P5, f32x4.splat(6.931472028550421e-1));
}

function k(address: usize): v128 {
  return v128.load(address);
}

/** e^x per lane (Cephes expf), about 1 ulp; inputs below −87.3 give ≈ 1e-38 instead of 0 (callers mask −∞). */
export function exp4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, k(EXP_MIN)), k(EXP_MAX));
  const rounded = madd(x, k(LOG2E), k(ROUNDER));
  const n = f32x4.sub(rounded, k(ROUNDER));
  let r = nmadd(n, k(LN2_HI), x);
  r = nmadd(n, k(LN2_LO), r);
  let p = madd(k(EXP_P0), r, k(EXP_P1));
  p = madd(p, r, k(EXP_P2));
  p = madd(p, r, k(EXP_P3));
  p = madd(p, r, k(EXP_P4));
  p = madd(p, r, k(EXP_P5));
  p = f32x4.add(madd(f32x4.mul(p, r), r, r), k(ONE));
  // 2^n: n's integer value is the difference of the bit patterns; shift it into the exponent field.
  const scale = i32x4.shl(i32x4.add(i32x4.sub(rounded, k(ROUNDER)), k(BIAS_127)), 23);
  return f32x4.mul(p, scale);
}

/**
 * 2^u per lane for u ≤ 0 (Cephes exp2f's polynomial, about 1 ulp): no ln 2 split and one clamp, 13 operations
 * against exp4's 20, for arguments that are already base 2. Below −126 it gives 2^−126 (callers that need 0 there mask).
 */
export function exp2Negative4(u: v128): v128 {
  u = f32x4.pmax(u, k(EXP2_MIN));
  const rounded = f32x4.add(u, k(ROUNDER));
  const r = f32x4.sub(u, f32x4.sub(rounded, k(ROUNDER)));
  let p = madd(k(EXP2_P0), r, k(EXP2_P1));
  p = madd(p, r, k(EXP2_P2));
  p = madd(p, r, k(EXP2_P3));
  p = madd(p, r, k(EXP2_P4));
  p = madd(p, r, k(EXP2_P5));
  p = madd(p, r, k(ONE));
  return f32x4.mul(p, i32x4.shl(i32x4.add(rounded, k(EXP2_BIAS)), 23));
}

/**
 * The standard normal's upper tail Q(a) = 1 − Φ(a) per lane, for a ≥ 0 given its density φ(a): A&S 26.2.17,
 * absolute error below 7.5e-8. GELU already needs φ, so Φ costs one division and a degree-5 polynomial.
 */
export function normalTail4(a: v128, density: v128): v128 {
  const t = f32x4.div(k(ONE), madd(a, k(NORMAL_P), k(ONE)));
  let p = madd(k(NORMAL_B5), t, k(NORMAL_B4));
  p = madd(p, t, k(NORMAL_B3));
  p = madd(p, t, k(NORMAL_B2));
  p = madd(p, t, k(NORMAL_B1));
  return f32x4.mul(f32x4.mul(p, t), density);
}

/** tanh(x) per lane as sign(x)·(1 − 2/(e^{2|x|} + 1)). */
export function tanh4(x: v128): v128 {
  const e = inline.always(exp4(f32x4.mul(k(TWO), f32x4.abs(x))));
  const magnitude = f32x4.sub(k(ONE), f32x4.div(k(TWO), f32x4.add(e, k(ONE))));
  return v128.bitselect(magnitude, f32x4.neg(magnitude), f32x4.ge(x, k(ZERO)));
}

export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}
