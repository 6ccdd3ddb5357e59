import { BufferUsage } from './constants';

/** Uniform slots per submit; a step that needs more is split over several submits. */
const UNIFORM_SLOTS = 2048;
/** Host data staged per submit for uploads recorded between kernels. */
const STAGING_BYTES = 4 << 20;

/**
 * Host bytes that become one GPU buffer's contents right before the submit that uses them. WebGPU orders
 * `writeBuffer` before every command buffer not yet submitted, so data written while commands are pending must
 * travel this way (or a kernel recorded earlier would see it too soon).
 */
class Arena {
  readonly buffer: GPUBuffer;
  private host: Uint8Array<ArrayBuffer> | null = null;
  private used = 0;

  constructor(private readonly device: GPUDevice, label: string, readonly capacity: number, usage: number, private readonly alignment: number) {
    this.buffer = device.createBuffer({ label, size: capacity, usage: usage | BufferUsage.COPY_DST });
  }

  /** Offset of `data` in the arena, or −1 when it does not fit before the next submit. */
  push(data: Uint8Array): number {
    const at = Math.ceil(this.used / this.alignment) * this.alignment;
    if (at + data.byteLength > this.capacity) return -1;
    this.host ??= new Uint8Array(this.capacity);
    this.host.set(data, at);
    this.used = at + data.byteLength;
    return at;
  }

  /** Writes the staged bytes to the GPU (call right before submitting) and starts over. */
  upload(): void {
    if (this.used > 0 && this.host) this.device.queue.writeBuffer(this.buffer, 0, this.host, 0, Math.ceil(this.used / 4) * 4);
    this.used = 0;
  }

  destroy(): void {
    this.buffer.destroy();
  }
}

/**
 * Records a training step into one command encoder and one compute pass for as long as possible; copies end the
 * pass, read-backs and full arenas submit. Everything recorded runs in recording order.
 */
export class CommandRecorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly uniforms: Arena;
  private readonly staging: Arena;
  /** Submits, compute passes and dispatches so far (exposed for tests, `losslab check` and the bench). */
  submits = 0;
  passes = 0;
  dispatches = 0;

  constructor(private readonly device: GPUDevice) {
    const alignment = device.limits.minUniformBufferOffsetAlignment;
    this.uniforms = new Arena(device, 'losslab uniforms', UNIFORM_SLOTS * alignment, BufferUsage.UNIFORM, alignment);
    this.staging = new Arena(device, 'losslab staging', STAGING_BYTES, BufferUsage.COPY_SRC, 16);
  }

  get pending(): boolean {
    return this.encoder !== null;
  }

  /** Stores a uniform block for the next dispatch; submits first when this submit's slots are used up. */
  uniform(bytes: Uint8Array): { buffer: GPUBuffer; offset: number; size: number } {
    let offset = this.uniforms.push(bytes);
    if (offset < 0) {
      this.flush();
      offset = this.uniforms.push(bytes);
    }
    return { buffer: this.uniforms.buffer, offset, size: bytes.byteLength };
  }

  computePass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.pass = this.commandEncoder(true).beginComputePass();
      this.passes++;
    }
    return this.pass;
  }

  /** The encoder for copies (ends the compute pass, which copies cannot be part of). */
  copyEncoder(): GPUCommandEncoder {
    return this.commandEncoder(false);
  }

  /**
   * Copies host data into `target` in recording order. Returns false when it is too large to stage: the caller
   * then submits and writes directly.
   */
  stageWrite(data: Uint8Array, target: GPUBuffer): boolean {
    const offset = this.staging.push(data);
    if (offset < 0) return false;
    this.copyEncoder().copyBufferToBuffer(this.staging.buffer, offset, target, 0, data.byteLength);
    return true;
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.pass?.end();
    this.pass = null;
    this.uniforms.upload();
    this.staging.upload();
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.submits++;
  }

  destroy(): void {
    this.uniforms.destroy();
    this.staging.destroy();
  }

  private commandEncoder(forPass: boolean): GPUCommandEncoder {
    if (!forPass && this.pass) {
      this.pass.end();
      this.pass = null;
    }
    this.encoder ??= this.device.createCommandEncoder({ label: 'losslab step' });
    return this.encoder;
  }
}
