import { enableRelaxedSimd } from './host';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels.generated';
import type { webAssembly } from './wasmApi';

type WasmNamespace = NonNullable<ReturnType<typeof webAssembly>>;

/** Which build of the kernels to run: with relaxed SIMD (fused multiply-add, 6×8 GEMM tiles) or plain SIMD. */
export type KernelVariant = 'relaxed' | 'plain';

/** The smallest module that uses relaxed SIMD: (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd). */
const RELAXED_SIMD_PROBE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128, v128, v128) → v128
  0x03, 0x02, 0x01, 0x00, // function 0 has that type
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // local.get ×3, f32x4.relaxed_madd
);

let relaxed: boolean | null = null;

/**
 * Whether this engine runs relaxed SIMD: VS Code's Electron and Node ≥ 22 do by default; Node 20 has it behind a
 * V8 flag, which is turned on (from the Node side, for the whole process and so for the worker threads) and checked.
 */
export function relaxedSimdSupported(api: WasmNamespace): boolean {
  if (relaxed === null) {
    relaxed = api.validate(RELAXED_SIMD_PROBE);
    if (!relaxed && enableRelaxedSimd()) relaxed = api.validate(RELAXED_SIMD_PROBE);
  }
  return relaxed;
}

/** The variant to run: the one asked for, else relaxed where the engine supports it. */
export function chooseVariant(api: WasmNamespace, requested: KernelVariant | undefined): KernelVariant {
  if (requested === 'plain') return 'plain';
  const supported = relaxedSimdSupported(api);
  if (requested === 'relaxed' && !supported) throw new Error('this JavaScript engine has no WebAssembly relaxed SIMD');
  return supported ? 'relaxed' : 'plain';
}

/** The embedded module bytes of a variant. */
export function variantBytes(variant: KernelVariant): Uint8Array {
  const base64 = variant === 'relaxed' ? KERNELS_RELAXED_WASM_BASE64 : KERNELS_WASM_BASE64;
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
