/**
 * The slice of the WebAssembly JavaScript API this backend uses, typed here because the project's TypeScript
 * libraries (ES2022 + Node types) do not declare the `WebAssembly` global that every JS engine provides.
 */

export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** A compiled module: cloneable to worker threads, instantiated once per thread. */
export type WasmModule = object;

export interface WasmGlobal {
  readonly value: unknown;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmNamespace {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: Record<string, Record<string, unknown>>): Promise<WasmInstance>;
  validate(bytes: Uint8Array): boolean;
}

/** The host's WebAssembly namespace, or null where there is none. */
export function webAssembly(): WasmNamespace | null {
  const api = (globalThis as { WebAssembly?: WasmNamespace }).WebAssembly;
  return api ?? null;
}
