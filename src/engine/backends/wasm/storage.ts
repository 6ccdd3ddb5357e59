import type { DType, Storage } from '../../backend';
import type { WasmRuntime } from './runtime';

/** Epilogue modes of the kernels (assembly/gemm.ts STORE / ADD, assembly/elementwise.ts STORE_ZERO_REST). */
export const STORE = 0;
export const ADD = 1;
export const STORE_ZERO_REST = 2;

/** Below this many elements (or multiply-adds / 4) a kernel runs on the calling thread alone: waking workers costs more. */
export const PARALLEL_MIN_WORK = 16384;

/**
 * A tensor's block in the shared WebAssembly memory. `zero` marks storage whose contents are logically all zeros
 * but whose memory was not cleared: freshly allocated or zero-filled storage stays that way until a kernel writes
 * it, and a backward kernel adding into it stores instead (same values, one pass less, no memset per step).
 */
export class WasmStorage implements Storage {
  zero = true;
  released = false;

  constructor(readonly runtime: WasmRuntime, readonly ptr: number, readonly length: number, readonly dtype: DType) {}

  get bytes(): number {
    return this.length * 4;
  }
}

/** The address of a storage a kernel reads: logically-zero storage is cleared first. */
export function input(s: WasmStorage): number {
  if (s.released) throw new Error('wasm backend: a released storage was used');
  if (s.zero) {
    s.runtime.zeroBytes(s.ptr, s.bytes);
    s.zero = false;
  }
  return s.ptr;
}

export function optionalInput(s: WasmStorage | null): number {
  return s === null ? 0 : input(s);
}

/** The address of a storage a kernel overwrites completely (`n` elements of it; fewer means a partial write). */
export function output(s: WasmStorage, n = s.length): number {
  if (n < s.length) return input(s);
  if (s.released) throw new Error('wasm backend: a released storage was used');
  s.zero = false;
  return s.ptr;
}

/** The epilogue mode for a kernel that adds into `s` over all of it: store while it is still logically zero. */
export function accumulateMode(s: WasmStorage, n = s.length): number {
  if (n < s.length) {
    input(s);
    return ADD;
  }
  const mode = s.zero ? STORE : ADD;
  if (s.released) throw new Error('wasm backend: a released storage was used');
  s.zero = false;
  return mode;
}
