/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck

/** Epilogue modes: overwrite the output, or add to it (backward kernels add into gradients). */
export const STORE: i32 = 0;
export const ADD: i32 = 1;

/**
 * The register-tiled core: a 4×8 tile of C from A packed as [k][4] and a B panel packed as [k][8]. 8 accumulators
 * + 2 B vectors + 1 broadcast fit V8's 15 usable XMM registers (a 5×8 or 6×8 tile spills and runs at half the
 * speed); one A pointer with immediate offsets and a loop that ends on B's pointer keep the instructions per k
 * low, which is what bounds this kernel in V8 (≈ 46 GFLOP/s per core from L1 here).
 */
export function microPacked(ap: usize, bp: usize, K: i32, c: usize, ldc: usize, mode: i32, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = bp + (<usize>K << 5);
  while (bp < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let s = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    ap += 16; bp += 32;
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

/** Copies the valid rows × cols of a 4×8 tile computed into `tile` (row stride 32 bytes) to C. */
export function finishEdge(tile: usize, c: usize, ldc: usize, rows: i32, cols: i32, mode: i32, bias: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let v = load<f32>(tile + (<usize>i << 5) + (<usize>j << 2));
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      const out = c + <usize>i * ldc + (<usize>j << 2);
      store<f32>(out, mode == ADD ? load<f32>(out) + v : v);
    }
  }
}
