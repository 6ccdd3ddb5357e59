import { KERNEL_NAMES, kernelsOf, registerKernel, type Backend, type DType, type Kernels } from '../../backend';
import { GpuContext, GpuStorage } from './context';
import { MAP_MODE_READ } from './constants';
import type { AdapterSummary } from './adapter';
import { attentionBackward, attentionForward } from './kernels/attention';
import { crossEntropyBackward, crossEntropyForward } from './kernels/crossEntropy';
import {
  accumulate, activationForward, add, dropoutForward, fill, multiplyAccumulate, scale, sliceBackward, sliceForward,
} from './kernels/elementwise';
import { layerNormBackward, layerNormForward } from './kernels/layerNorm';
import { embeddingBackward, embeddingForward, linearBackward, linearForward } from './kernels/linear';
import { adamUpdate, globalNorm, scaleByElement, sgdUpdate, sumOfSquares } from './kernels/optimizer';
import { bufferBytes } from './pool';

/** The WGSL kernels; each finds its device through the storage it writes. */
const webGpuKernels: Kernels<GpuStorage> = {
  add, accumulate, scale, fill, linearForward, linearBackward, embeddingForward, embeddingBackward,
  layerNormForward, layerNormBackward, activationForward, attentionForward, attentionBackward,
  crossEntropyForward, crossEntropyBackward, sliceForward, sliceBackward, dropoutForward, multiplyAccumulate,
  sumOfSquares, globalNorm, scaleByElement, adamUpdate, sgdUpdate,
};

for (const name of KERNEL_NAMES) registerKernel('webgpu', name, webGpuKernels[name] as Kernels[typeof name]);

/** Host bytes of a typed array that Dawn may copy from (it crashes on SharedArrayBuffer-backed data). */
function hostBytes(data: Float32Array | Int32Array): Uint8Array<ArrayBuffer> {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer ? view.slice() : view) as Uint8Array<ArrayBuffer>;
}

/** The adapter's vendor, architecture and driver description, e.g. "nvidia hopper: NVIDIA H200". */
export function adapterName(a: AdapterSummary): string {
  const name = [a.vendor, a.architecture].filter((s) => s).join(' ') || 'unknown adapter';
  const detail = a.description || a.device;
  return detail ? `${name}: ${detail}` : name;
}

/** What the WebGPU backend has issued since it was created. */
export interface WebGpuCounters {
  submits: number;
  passes: number;
  dispatches: number;
  /** Bytes held in pooled storage buffers. */
  bufferBytes: number;
}

/** Describes an adapter in one line for run.json and the dashboard. */
export function describeAdapter(a: AdapterSummary): string {
  return `WebGPU (${adapterName(a)}${a.isFallbackAdapter ? '; software fallback adapter' : ''})`;
}

/**
 * Kernels in WGSL on any GPUDevice: Dawn's in Node, `navigator.gpu`'s in a browser or webview. A step is recorded
 * into one command encoder and submitted when something is read back (reads started in the same turn share one
 * submit); buffers are pooled by size.
 */
export class WebGpuBackend implements Backend<GpuStorage> {
  readonly name = 'webgpu' as const;
  readonly kernels = kernelsOf('webgpu', KERNEL_NAMES) as unknown as Kernels<GpuStorage>;
  readonly description: string;
  /** The kernels recompute attention weights from the log-sum-exp, key block by key block (no T×T buffer). */
  readonly attentionWeightsBudget = 0;
  private readonly context: GpuContext;

  private constructor(readonly device: GPUDevice, readonly adapter: AdapterSummary) {
    this.context = new GpuContext(device);
    this.description = describeAdapter(adapter);
  }

  /** A backend on `device`; `adapter` describes it when the device does not (older browsers lack device.adapterInfo). */
  static create(device: GPUDevice, adapter?: AdapterSummary): WebGpuBackend {
    const info = device.adapterInfo as GPUAdapterInfo | undefined;
    return new WebGpuBackend(device, adapter ?? {
      vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', device: info?.device ?? '',
      description: info?.description ?? '', isFallbackAdapter: info?.isFallbackAdapter ?? false,
    });
  }

  /** Submit, compute-pass and dispatch counts so far: a step should cost a handful of submits, not one per kernel. */
  get counters(): WebGpuCounters {
    const { recorder, pool } = this.context;
    return { submits: recorder.submits, passes: recorder.passes, dispatches: recorder.dispatches, bufferBytes: pool.bytes };
  }

  alloc(_dtype: DType, n: number): GpuStorage {
    this.context.check();
    return this.context.alloc(n);
  }

  upload(data: Float32Array | Int32Array): GpuStorage {
    const storage = this.context.alloc(data.length);
    this.write(storage, data);
    return storage;
  }

  write(storage: GpuStorage, data: Float32Array | Int32Array): void {
    this.context.check();
    if (data.length !== storage.length) throw new Error(`write: ${data.length} values into storage of ${storage.length}`);
    if (storage.released) throw new Error('write: the storage was already released');
    storage.pendingZero = false;
    if (data.length === 0) return;
    const bytes = hostBytes(data);
    const { recorder } = this.context;
    if (recorder.pending && recorder.stageWrite(bytes, storage.buffer)) return;
    recorder.flush();
    this.device.queue.writeBuffer(storage.buffer, 0, bytes);
  }

  async read(storage: GpuStorage, dtype: DType): Promise<Float32Array | Int32Array> {
    const ctx = this.context;
    ctx.check();
    const empty = (n: number) => (dtype === 'i32' ? new Int32Array(n) : new Float32Array(n));
    if (storage.pendingZero || storage.length === 0) return empty(storage.length);
    const bytes = storage.length * 4;
    const staging = ctx.pool.takeReadback(bufferBytes(storage.length));
    ctx.recorder.copyEncoder().copyBufferToBuffer(storage.buffer, 0, staging, 0, bytes);
    // Submits one microtask later, so reads and kernels recorded in the same turn (the loss, then the gradient norms) share one submit.
    await Promise.resolve();
    ctx.recorder.flush();
    try {
      await staging.mapAsync(MAP_MODE_READ, 0, bytes);
    } catch (error) {
      ctx.check();
      throw error;
    }
    const copy = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    ctx.pool.giveReadback(staging);
    ctx.check();
    return dtype === 'i32' ? new Int32Array(copy) : new Float32Array(copy);
  }

  release(storage: GpuStorage): void {
    this.context.release(storage);
  }

  async sync(): Promise<void> {
    this.context.recorder.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.context.check();
  }

  /** Destroys every buffer this backend made (the device stays with whoever created it). */
  destroy(): void {
    this.context.destroy();
  }
}
