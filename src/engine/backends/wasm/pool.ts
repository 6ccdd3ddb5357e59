import type { WasmMemory } from './wasmApi';

/** Every allocation starts on a cache line, so SIMD rows of one tensor never share a line with another's writes. */
export const ALIGN = 64;
/** Bytes kept addressable past the last allocation: kernels may read a few floats past a row's end (never use them). */
const GUARD = 256;
const PAGE = 65536;
/** Memory grows by at least this many pages at a time (untouched pages cost address space, not RAM). */
const MIN_GROWTH_PAGES = 256;

/** What the pool has handed out, for tests and the benchmark. */
export interface PoolStats {
  /** Bytes between the pool's base and its high-water mark. */
  reservedBytes: number;
  /** Bytes currently handed out. */
  liveBytes: number;
  /** Allocations that took fresh memory (the high-water mark moved). */
  freshAllocations: number;
  /** Allocations served from a free list. */
  reusedAllocations: number;
}

/**
 * A size-keyed allocator inside a WebAssembly memory. Freed blocks go to a free list per exact (aligned) size and
 * are handed out again last-in-first-out, so a training step that allocates the same sizes as the previous one
 * reuses its blocks and the memory stops growing after the first step. Blocks are never split or merged.
 */
export class MemoryPool {
  private readonly free = new Map<number, number[]>();
  private top: number;
  private live = 0;
  private fresh = 0;
  private reused = 0;

  constructor(private readonly memory: WasmMemory, private readonly base: number, private readonly onGrow: () => void = () => {}) {
    this.top = roundUp(base, ALIGN);
  }

  /** A block of at least `bytes` bytes (contents undefined); its address is a multiple of ALIGN. */
  allocate(bytes: number): number {
    const size = blockSize(bytes);
    this.live += size;
    const list = this.free.get(size);
    if (list !== undefined && list.length > 0) {
      this.reused++;
      return list.pop() as number;
    }
    const ptr = this.top;
    this.top += size;
    this.fresh++;
    this.ensureCapacity(this.top + GUARD);
    return ptr;
  }

  /** Returns a block of `bytes` (as it was requested) for reuse. */
  release(ptr: number, bytes: number): void {
    const size = blockSize(bytes);
    this.live -= size;
    const list = this.free.get(size);
    if (list === undefined) this.free.set(size, [ptr]);
    else list.push(ptr);
  }

  stats(): PoolStats {
    return { reservedBytes: this.top - this.base, liveBytes: this.live, freshAllocations: this.fresh, reusedAllocations: this.reused };
  }

  private ensureCapacity(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    this.memory.grow(Math.max(MIN_GROWTH_PAGES, Math.ceil((end - have) / PAGE)));
    this.onGrow();
  }
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

function blockSize(bytes: number): number {
  return roundUp(Math.max(bytes, 1), ALIGN);
}
