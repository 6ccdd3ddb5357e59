/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
/**
 * a·b + c on four float lanes. The module is built twice (scripts/build-wasm.mjs): with relaxed SIMD this is one
 * fused multiply-add (rounded once; x86 FMA3, Arm FMLA), without it a multiply and an add. The branch is decided
 * at compile time, so neither build carries the other's code.
 */
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** c − a·b on four float lanes, fused like madd in the relaxed build. */
export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

/** Rows of the GEMM register tile: FMA needs no register for the product, which frees room for a 6×8 tile. */
export const GEMM_TILE_ROWS: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
