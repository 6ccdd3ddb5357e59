import { BufferUsage, STORAGE_USAGE } from './constants';

/** Bytes a buffer of n four-byte elements occupies: at least 16, a multiple of 16. */
export function bufferBytes(n: number): number {
  return Math.max(16, Math.ceil((n * 4) / 16) * 16);
}

/**
 * Reuses GPU buffers by exact size: a training step allocates the same activation shapes every step, so after the
 * first step no buffer is created. Every buffer stays referenced until `destroy()` (letting Dawn garbage-collect
 * a live buffer has aborted the process).
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly freeReadback = new Map<number, GPUBuffer[]>();
  private readonly all = new Set<GPUBuffer>();
  /** Bytes held in storage buffers (in use or free). */
  bytes = 0;

  constructor(private readonly device: GPUDevice) {}

  /** A storage buffer of `bytes` bytes and whether it is fresh (WebGPU zero-fills new buffers). */
  take(bytes: number): { buffer: GPUBuffer; fresh: boolean } {
    const reused = this.free.get(bytes)?.pop();
    if (reused) return { buffer: reused, fresh: false };
    const buffer = this.device.createBuffer({ label: 'losslab tensor', size: bytes, usage: STORAGE_USAGE });
    this.all.add(buffer);
    this.bytes += bytes;
    return { buffer, fresh: true };
  }

  give(buffer: GPUBuffer): void {
    pushTo(this.free, buffer.size, buffer);
  }

  takeReadback(bytes: number): GPUBuffer {
    const reused = this.freeReadback.get(bytes)?.pop();
    if (reused) return reused;
    const buffer = this.device.createBuffer({ label: 'losslab read-back', size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    this.all.add(buffer);
    return buffer;
  }

  giveReadback(buffer: GPUBuffer): void {
    pushTo(this.freeReadback, buffer.size, buffer);
  }

  destroy(): void {
    for (const buffer of this.all) buffer.destroy();
    this.all.clear();
    this.free.clear();
    this.freeReadback.clear();
    this.bytes = 0;
  }
}

function pushTo(map: Map<number, GPUBuffer[]>, key: number, buffer: GPUBuffer): void {
  const list = map.get(key);
  if (list) list.push(buffer);
  else map.set(key, [buffer]);
}
