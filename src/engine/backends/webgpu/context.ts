import type { Storage } from '../../backend';
import { MAX_WORKGROUPS_PER_DIMENSION } from './constants';
import { WebGpuError, errorKind } from './errors';
import { BufferPool, bufferBytes } from './pool';
import { ComputeProgram, Uniforms, pipelineKey, type Defines, type ProgramSpec } from './program';
import { CommandRecorder } from './recorder';

/** A tensor's device memory: a pooled buffer holding `length` four-byte elements (f32 or i32). */
export class GpuStorage implements Storage {
  /** The contents are zero but the (reused) buffer still holds old data: zeroed on first use unless overwritten. */
  pendingZero: boolean;
  released = false;

  constructor(readonly context: GpuContext, readonly buffer: GPUBuffer, readonly length: number, pendingZero: boolean) {
    this.pendingZero = pendingZero;
  }

  get bindingSize(): number {
    return Math.max(4, this.length * 4);
  }
}

const FILL: ProgramSpec = { shader: 'fill', bindings: ['write'] };

/** Bind groups kept for reuse; beyond this many (shapes keep changing) the cache starts over. */
const MAX_CACHED_BIND_GROUPS = 16384;

/** The device, its buffer pool, command recorder and pipeline cache; every WebGPU kernel runs through `dispatch`. */
export class GpuContext {
  readonly pool: BufferPool;
  readonly recorder: CommandRecorder;
  private readonly programs = new Map<string, ComputeProgram>();
  /** Bound where a kernel's optional input or output is absent; one of each so they never alias each other. */
  private readonly dummyRead: GPUBuffer;
  private readonly dummyWrite: GPUBuffer;
  private failure: WebGpuError | null = null;
  /**
   * Every step records the same dispatches on the same pooled buffers at the same uniform offsets, so bind groups
   * are reused by (program, buffers, offsets): creating one costs more than recording the dispatch itself.
   */
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 0;

  constructor(readonly device: GPUDevice) {
    this.pool = new BufferPool(device);
    this.recorder = new CommandRecorder(device);
    this.dummyRead = this.pool.take(16).buffer;
    this.dummyWrite = this.pool.take(16).buffer;
    device.addEventListener('uncapturederror', (event) => {
      const { error } = event as GPUUncapturedErrorEvent;
      this.failure ??= new WebGpuError(errorKind(error), error.message);
    });
    void device.lost.then((info) => {
      this.failure ??= new WebGpuError('device-lost', info.message || String(info.reason));
    });
  }

  /** Throws the first error the device reported, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  program(spec: ProgramSpec, defines: Defines = {}): ComputeProgram {
    const key = pipelineKey(spec, defines);
    let program = this.programs.get(key);
    if (!program) this.programs.set(key, (program = new ComputeProgram(this.device, spec, defines, key)));
    return program;
  }

  alloc(n: number): GpuStorage {
    const { buffer, fresh } = this.pool.take(bufferBytes(n));
    return new GpuStorage(this, buffer, n, !fresh);
  }

  release(storage: GpuStorage): void {
    if (storage.released) throw new Error('WebGPU storage released twice');
    storage.released = true;
    this.pool.give(storage.buffer);
  }

  /** Records the deferred zero-fill of `storage` now (before a kernel reads it or writes only part of it). */
  materialize(storage: GpuStorage): void {
    if (!storage.pendingZero) return;
    storage.pendingZero = false;
    if (storage.length > 0) this.dispatchFlat(FILL, {}, new Uniforms().u32(storage.length).f32(0), [storage], storage.length, 256);
  }

  /**
   * Whether a kernel that adds into all `covered` elements of `storage` must really add. When the contents are a
   * deferred zero it may overwrite instead, which saves the zero-fill; not when the storage is also an input.
   */
  addsInto(storage: GpuStorage | null, covered: number, ...inputs: (GpuStorage | null)[]): boolean {
    if (!storage || !storage.pendingZero || covered < storage.length || inputs.includes(storage)) return true;
    storage.pendingZero = false;
    return false;
  }

  /** Makes `storage` safe for a kernel that writes only its first n elements. */
  covering(storage: GpuStorage, n: number): GpuStorage {
    if (n < storage.length) this.materialize(storage);
    return storage;
  }

  /** Dispatches one invocation per element of a 1-D range (split over two grid dimensions when large). */
  dispatchFlat(spec: ProgramSpec, defines: Defines, uniforms: Uniforms, storages: (GpuStorage | null)[], invocations: number, workgroupSize: number): void {
    this.dispatch(spec, defines, uniforms, storages, grid(Math.ceil(invocations / workgroupSize)));
  }

  /** Dispatches one workgroup per row (the shader reads its row from the flattened workgroup id). */
  dispatchRows(spec: ProgramSpec, defines: Defines, uniforms: Uniforms, storages: (GpuStorage | null)[], rows: number): void {
    this.dispatch(spec, defines, uniforms, storages, grid(rows));
  }

  dispatch(spec: ProgramSpec, defines: Defines, uniforms: Uniforms, storages: (GpuStorage | null)[], groups: readonly number[]): void {
    this.check();
    if (groups.some((g) => g === 0)) return;
    if (storages.length !== spec.bindings.length) throw new Error(`${spec.shader}: ${storages.length} bindings given, ${spec.bindings.length} expected`);
    storages.forEach((storage) => storage && this.validate(storage));
    // Deferred zeros are materialised for everything read before any fully written output drops its own.
    storages.forEach((storage, i) => { if (storage && spec.bindings[i] !== 'write') this.materialize(storage); });
    const buffers = storages.map((storage, i) => this.prepare(storage, spec.bindings[i]));
    this.separateAliases(spec, storages, buffers);
    const program = this.program(spec, defines);
    const uniform = this.recorder.uniform(uniforms.bytes());
    const pass = this.recorder.computePass();
    pass.setPipeline(program.pipeline);
    pass.setBindGroup(0, this.bindGroup(program, uniform, buffers));
    pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.recorder.dispatches++;
  }

  destroy(): void {
    this.bindGroups.clear();
    this.recorder.flush();
    this.recorder.destroy();
    this.pool.destroy();
    this.programs.clear();
  }

  private prepare(storage: GpuStorage | null, access: ProgramSpec['bindings'][number]): { buffer: GPUBuffer; size: number } {
    if (!storage) return { buffer: access === 'read' ? this.dummyRead : this.dummyWrite, size: 16 };
    if (access === 'write') storage.pendingZero = false;
    return { buffer: storage.buffer, size: storage.bindingSize };
  }

  private bindGroup(program: ComputeProgram, uniform: { buffer: GPUBuffer; offset: number; size: number }, buffers: { buffer: GPUBuffer; size: number }[]): GPUBindGroup {
    let key = `${program.key}|${this.bufferId(uniform.buffer)}@${uniform.offset}+${uniform.size}`;
    for (const b of buffers) key += `|${this.bufferId(b.buffer)}+${b.size}`;
    let group = this.bindGroups.get(key);
    if (!group) {
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: { buffer: uniform.buffer, offset: uniform.offset, size: uniform.size } },
        ...buffers.map((b, i): GPUBindGroupEntry => ({ binding: i + 1, resource: { buffer: b.buffer, offset: 0, size: b.size } })),
      ];
      group = this.device.createBindGroup({ layout: program.layout, entries });
      if (this.bindGroups.size >= MAX_CACHED_BIND_GROUPS) this.bindGroups.clear();
      this.bindGroups.set(key, group);
    }
    return group;
  }

  private bufferId(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) this.bufferIds.set(buffer, (id = this.nextBufferId++));
    return id;
  }

  private validate(storage: GpuStorage): void {
    if (storage.released) throw new Error('a WebGPU kernel was given storage that was already released');
    if (storage.context !== this) throw new Error('a WebGPU kernel was given storage of another device');
  }

  /** WebGPU forbids binding a buffer both writable and read-only in one dispatch: the read side gets a copy. */
  private separateAliases(spec: ProgramSpec, storages: (GpuStorage | null)[], buffers: { buffer: GPUBuffer; size: number }[]): void {
    storages.forEach((written, w) => {
      if (!written || spec.bindings[w] === 'read') return;
      storages.forEach((other, r) => {
        if (r === w || other?.buffer !== written.buffer) return;
        if (spec.bindings[r] !== 'read') throw new Error(`${spec.shader}: the same storage is bound to two outputs`);
        const copy = this.alloc(written.length);
        copy.pendingZero = false;
        this.recorder.copyEncoder().copyBufferToBuffer(written.buffer, 0, copy.buffer, 0, written.bindingSize);
        buffers[r] = { buffer: copy.buffer, size: copy.bindingSize };
        this.release(copy);
      });
    });
  }
}

/** Workgroup counts for a 1-D launch of `groups` workgroups, split over (x, y) beyond the per-dimension limit. */
export function grid(groups: number): [number, number] {
  if (groups <= MAX_WORKGROUPS_PER_DIMENSION) return [groups, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(groups / y), y];
}
