/// <reference types="@webgpu/types" />
// WebGPU's flag values from the spec, so the engine does not depend on the GPUBufferUsage / GPUMapMode globals
// (Dawn in Node only installs them when asked to).

export const BufferUsage = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;

export const MAP_MODE_READ = 0x1;
export const SHADER_STAGE_COMPUTE = 0x4;

/** Usage of every tensor buffer: bound as storage, and copied to or from for uploads, read-backs and alias copies. */
export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Largest workgroup count per dimension every WebGPU device supports. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;
