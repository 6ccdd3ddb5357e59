/** What went wrong on the device: a bug (validation), memory, the driver, or the device itself went away. */
export type WebGpuErrorKind = 'validation' | 'out-of-memory' | 'internal' | 'device-lost';

/**
 * An error the GPU reported. After one, the backend's results cannot be trusted: a run should stop, keep its last
 * checkpoint and may resume on the CPU. `kind` tells device loss and out-of-memory apart from bugs.
 */
export class WebGpuError extends Error {
  constructor(readonly kind: WebGpuErrorKind, message: string) {
    super(kind === 'device-lost' ? `the WebGPU device was lost: ${message}` : `WebGPU ${kind} error: ${message}`);
    this.name = 'WebGpuError';
  }
}

/** The kind of a GPUError from its class name (the GPU*Error globals are not installed everywhere, e.g. Node). */
export function errorKind(error: object): WebGpuErrorKind {
  const name = error.constructor.name;
  if (name.includes('OutOfMemory')) return 'out-of-memory';
  if (name.includes('Internal')) return 'internal';
  return 'validation';
}
