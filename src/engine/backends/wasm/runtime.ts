import { chooseVariant, variantBytes, type KernelVariant } from './features';
import { threadHost, type ThreadHandle } from './host';
import { MemoryPool, type PoolStats } from './pool';
import { webAssembly, type WasmGlobal, type WasmMemory, type WasmModule } from './wasmApi';
import { WORKER_SOURCE } from './workerSource';

/** Where the pool starts: below are the module's tables, the constant table and the control block (assembly/control.ts). */
const HEAP_BASE = 65536;
/** wasm32 addresses 4 GiB; a shared memory reserves its maximum as address space (not RAM) up front. */
const MAX_PAGES = 65536;
const INITIAL_PAGES = 256;
/** More threads than this would overrun the control block's per-thread slots. */
const MAX_THREADS = 64;
/** Control block fields (int32 indices from CONTROL_BLOCK), mirrored from assembly/control.ts. */
const GENERATION_FIELD = 0;
const THREADS_FIELD = 3;
const SCRATCH_FIELD = 6;
const SCRATCH_BYTES_FIELD = 7;
const SHARED_FIELD = 8;

/** The task ids the module exports (assembly/tasks.ts). */
export type TaskName =
  | 'GEMM_PACK' | 'GEMM' | 'GEMM_REDUCE' | 'BIAS_GRAD' | 'LN_FWD' | 'LN_BWD_ROWS' | 'LN_BWD_REDUCE' | 'ATTN_FWD' | 'ATTN_BWD' | 'CE_ROWS'
  | 'CE_SUM' | 'CE_BWD' | 'ACT_FWD' | 'ADD' | 'AXPY' | 'FILL' | 'SLICE_FWD' | 'SLICE_BWD' | 'DROPOUT_FWD'
  | 'MUL_ACC' | 'EMBED_FWD' | 'EMBED_BWD' | 'SUM_SQUARES' | 'GLOBAL_NORM' | 'SCALE_BY_ELEMENT' | 'ADAM' | 'SGD';

interface KernelExports {
  run(task: number, parallel: number): void;
  stop_workers(): void;
  init_constants(): void;
  gemm_tile_rows(): number;
  packed_bytes(M: number, N: number, K: number, ars: number): number;
  gemm_thread_bytes(MB: number, KC: number): number;
  attention_scratch_bytes(Tq: number, Tk: number, D: number): number;
  layer_norm_scratch_bytes(N: number, C: number): number;
  cross_entropy_scratch_bytes(N: number): number;
  CONTROL_BLOCK: WasmGlobal;
  INT_ARGS_OFFSET: WasmGlobal;
  FLOAT_ARGS_OFFSET: WasmGlobal;
  CHUNKS_RUN_OFFSET: WasmGlobal;
  [task: `TASK_${string}`]: WasmGlobal;
}

export interface RuntimeOptions {
  /** Threads to run kernels on, the calling thread included; default: the cores this process may use. */
  threads?: number;
  /** The kernel build: 'relaxed' (fused multiply-add) or 'plain' SIMD; default: relaxed where the engine runs it. */
  variant?: KernelVariant;
}

interface Block {
  ptr: number;
  bytes: number;
}

const compiled = new Map<KernelVariant, Promise<WasmModule>>();

/** A kernel module, compiled once per process and variant (worker threads receive it compiled). */
function kernelModule(variant: KernelVariant): Promise<WasmModule> {
  const api = webAssembly();
  if (!api) return Promise.reject(new Error('this JavaScript engine has no WebAssembly'));
  let module = compiled.get(variant);
  if (!module) {
    module = api.compile(variantBytes(variant));
    compiled.set(variant, module);
  }
  return module;
}

/** Stops the workers of a runtime that was dropped without dispose(): they hold its memory, so it would never be freed. */
const abandoned = new FinalizationRegistry<{ stop: () => void; workers: ThreadHandle[] }>(({ stop, workers }) => {
  stop();
  for (const worker of workers) void worker.terminate();
});

/**
 * One shared WebAssembly memory, the kernel module instantiated on it by this thread and by each worker, the
 * memory pool, and the argument block through which a kernel call is posted. Kernel calls are synchronous: the
 * calling thread runs its share and waits for the workers inside the module (atomics, no messages).
 */
export class WasmRuntime {
  readonly pool: MemoryPool;
  private readonly ints: Int32Array;
  private readonly floats: Float64Array;
  private readonly control: Int32Array;
  private readonly taskIds = new Map<TaskName, number>();
  private scratch: Block = { ptr: 0, bytes: 0 };
  private shared: Block = { ptr: 0, bytes: 0 };
  private scratchPerThread = 0;
  /** Rows of A per packed GEMM tile in this build (4, or 6 with fused multiply-add). */
  readonly gemmTileRows: number;

  private constructor(
    readonly memory: WasmMemory,
    private readonly exports: KernelExports,
    readonly threads: number,
    readonly variant: KernelVariant,
    private readonly workers: ThreadHandle[],
  ) {
    this.gemmTileRows = exports.gemm_tile_rows();
    this.control = new Int32Array(memory.buffer, exports.CONTROL_BLOCK.value as number, 16);
    this.ints = new Int32Array(memory.buffer, exports.INT_ARGS_OFFSET.value as number, 32);
    this.floats = new Float64Array(memory.buffer, exports.FLOAT_ARGS_OFFSET.value as number, 16);
    this.pool = new MemoryPool(memory, HEAP_BASE);
    abandoned.register(this, { stop: () => exports.stop_workers(), workers }, this);
  }

  /** Compiles (once per process) and instantiates the kernels, then starts `threads − 1` workers on the same memory. */
  static async create(options: RuntimeOptions = {}): Promise<WasmRuntime> {
    const host = threadHost();
    const threads = host ? Math.max(1, Math.min(options.threads ?? host.parallelism, MAX_THREADS)) : 1;
    const api = webAssembly();
    if (!api) throw new Error('this JavaScript engine has no WebAssembly');
    const variant = chooseVariant(api, options.variant);
    const module = await kernelModule(variant);
    const memory = new api.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
    const abort = (): never => {
      throw new Error('wasm kernel abort');
    };
    const exports = (await api.instantiate(module, { env: { memory, abort } })).exports as unknown as KernelExports;
    const control = new Int32Array(memory.buffer, exports.CONTROL_BLOCK.value as number, 16);
    control[THREADS_FIELD] = threads;
    exports.init_constants();
    const generation = control[GENERATION_FIELD];
    const workers = host
      ? Array.from({ length: threads - 1 }, (_, i) => host.spawn(WORKER_SOURCE, { module, memory, tid: i + 1, generation }))
      : [];
    await Promise.all(workers.map((w) => w.ready));
    return new WasmRuntime(memory, exports, threads, variant, workers);
  }

  /** Posts integer (pointer) and float arguments, then runs the task on this thread and, if `parallel`, on all. */
  call(task: TaskName, ints: readonly number[], floats: readonly number[], parallel: boolean): void {
    for (let i = 0; i < ints.length; i++) this.ints[i] = ints[i];
    for (let i = 0; i < floats.length; i++) this.floats[i] = floats[i];
    this.exports.run(this.taskId(task), parallel && this.threads > 1 ? 1 : 0);
  }

  /** Makes each thread's scratch at least `perThread` bytes and the shared scratch at least `shared` bytes. */
  ensureScratch(perThread: number, shared = 0): void {
    if (perThread > this.scratchPerThread) {
      this.scratchPerThread = Math.ceil(perThread / 4096) * 4096;
      this.scratch = this.replace(this.scratch, this.scratchPerThread * this.threads);
      this.control[SCRATCH_FIELD] = this.scratch.ptr;
      this.control[SCRATCH_BYTES_FIELD] = this.scratchPerThread;
    }
    if (shared > this.shared.bytes) {
      this.shared = this.replace(this.shared, Math.ceil(shared / 4096) * 4096);
      this.control[SHARED_FIELD] = this.shared.ptr;
    }
  }

  packedBytes(M: number, N: number, K: number, ars: number): number {
    return this.exports.packed_bytes(M, N, K, ars);
  }

  gemmThreadBytes(MB: number, KC: number): number {
    return this.exports.gemm_thread_bytes(MB, KC);
  }

  attentionScratchBytes(Tq: number, Tk: number, D: number): number {
    return this.exports.attention_scratch_bytes(Tq, Tk, D);
  }

  layerNormScratchBytes(N: number, C: number): number {
    return this.exports.layer_norm_scratch_bytes(N, C);
  }

  crossEntropyScratchBytes(N: number): number {
    return this.exports.cross_entropy_scratch_bytes(N);
  }

  /** A view of n floats (or ints) at ptr over the memory as it is now (the memory may have grown since). */
  view(ptr: number, n: number, dtype: 'f32' | 'i32'): Float32Array | Int32Array {
    return dtype === 'i32' ? new Int32Array(this.memory.buffer, ptr, n) : new Float32Array(this.memory.buffer, ptr, n);
  }

  zeroBytes(ptr: number, bytes: number): void {
    new Uint8Array(this.memory.buffer, ptr, bytes).fill(0);
  }

  /** Chunks of parallel work each thread has run since the start (index 0 is the calling thread). */
  chunksRun(): number[] {
    return Array.from(new Int32Array(this.memory.buffer, this.exports.CHUNKS_RUN_OFFSET.value as number, this.threads));
  }

  poolStats(): PoolStats {
    return this.pool.stats();
  }

  /** Stops the workers (they leave their loop); the runtime must not be used afterwards. */
  async dispose(): Promise<void> {
    abandoned.unregister(this);
    this.exports.stop_workers();
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private taskId(name: TaskName): number {
    let id = this.taskIds.get(name);
    if (id === undefined) {
      id = this.exports[`TASK_${name}`].value as number;
      this.taskIds.set(name, id);
    }
    return id;
  }

  private replace(block: Block, bytes: number): Block {
    if (block.bytes > 0) this.pool.release(block.ptr, block.bytes);
    return { ptr: this.pool.allocate(bytes), bytes };
  }
}
