import { KERNEL_NAMES, kernelsOf, registerKernel, type Backend, type DType, type Kernels } from '../../backend';
import * as dense from './denseKernels';
import * as elementwise from './elementwiseKernels';
import { WasmRuntime, type RuntimeOptions } from './runtime';
import { WasmStorage } from './storage';

export { WasmStorage } from './storage';
export type { RuntimeOptions as WasmBackendOptions } from './runtime';

const wasmKernels = { ...dense, ...elementwise } as unknown as Record<string, Kernels[keyof Kernels]>;
for (const name of KERNEL_NAMES) if (name in wasmKernels) registerKernel('wasm', name, wasmKernels[name] as Kernels[typeof name]);

/**
 * The fast CPU backend: WebAssembly SIMD kernels on a shared memory, run across worker threads. Kernels find the
 * runtime through their storages, so the registry holds plain functions like every other backend's.
 */
export class WasmBackend implements Backend<WasmStorage> {
  readonly name = 'wasm' as const;
  readonly description: string;
  /** Attention keeps up to 16 MiB of weights per call: reading them beats recomputing QKᵀ and its exponentials. */
  readonly attentionWeightsBudget = 1 << 22;
  readonly kernels = kernelsOf('wasm', KERNEL_NAMES) as unknown as Kernels<WasmStorage>;

  private constructor(readonly runtime: WasmRuntime) {
    const threads = runtime.threads;
    const simd = runtime.variant === 'relaxed' ? 'WebAssembly SIMD kernels with FMA' : 'WebAssembly SIMD kernels';
    this.description = `CPU (${simd}, ${threads} thread${threads === 1 ? '' : 's'})`;
  }

  /** Instantiates the kernels and starts the worker threads (default: one per available core). */
  static async create(options: RuntimeOptions = {}): Promise<WasmBackend> {
    return new WasmBackend(await WasmRuntime.create(options));
  }

  get threads(): number {
    return this.runtime.threads;
  }

  alloc(dtype: DType, n: number): WasmStorage {
    return new WasmStorage(this.runtime, this.runtime.pool.allocate(n * 4), n, dtype);
  }

  upload(data: Float32Array | Int32Array): WasmStorage {
    const s = this.alloc(data instanceof Int32Array ? 'i32' : 'f32', data.length);
    this.write(s, data);
    return s;
  }

  write(storage: WasmStorage, data: Float32Array | Int32Array): void {
    if (data.length !== storage.length) throw new Error(`write: ${data.length} values into storage of ${storage.length}`);
    this.runtime.view(storage.ptr, storage.length, data instanceof Int32Array ? 'i32' : 'f32').set(data);
    storage.zero = false;
  }

  async read(storage: WasmStorage, dtype: DType): Promise<Float32Array | Int32Array> {
    if (storage.zero) return dtype === 'i32' ? new Int32Array(storage.length) : new Float32Array(storage.length);
    return this.runtime.view(storage.ptr, storage.length, dtype).slice();
  }

  release(storage: WasmStorage): void {
    if (storage.released) throw new Error('wasm backend: storage released twice');
    storage.released = true;
    this.runtime.pool.release(storage.ptr, storage.bytes);
  }

  async sync(): Promise<void> {}

  /** Stops the worker threads; the backend must not be used afterwards. */
  dispose(): Promise<void> {
    return this.runtime.dispose();
  }
}
