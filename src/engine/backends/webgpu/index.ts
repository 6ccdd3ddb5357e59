/// <reference types="@webgpu/types" />
export { WebGpuBackend, adapterName, describeAdapter } from './backend';
export { acquireWebGpu, findGpu, type AcquireOptions, type WebGpuAvailability } from './acquire';
export { selfTest, summarizeAdapter, requestDeviceFor, type AdapterSummary } from './adapter';
export { WebGpuError, type WebGpuErrorKind } from './errors';
export type { GpuStorage } from './context';
