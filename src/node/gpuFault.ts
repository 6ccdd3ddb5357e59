import { WebGpuError, type WebGpuErrorKind } from '../engine/backends/webgpu/errors';

/** A GPU failure the tests inject: the run's device "gives up" right after `step`. */
export interface InjectedGpuFault {
  step: number;
  kind: WebGpuErrorKind;
}

/** `LOSSLAB_TEST_GPU_FAULT=device-lost@3` (or `out-of-memory@N`): the tests' way to make a GPU give up after step N. */
export function gpuFaultFromEnv(value: string | undefined): InjectedGpuFault | null {
  const match = /^(device-lost|out-of-memory)@(\d+)$/.exec(value ?? '');
  return match ? { kind: match[1] as WebGpuErrorKind, step: Number(match[2]) } : null;
}

/** Throws the injected failure once `step` has completed (called from a session's onStep). */
export function injectGpuFault(fault: InjectedGpuFault | null, step: number): void {
  if (fault && step === fault.step) throw new WebGpuError(fault.kind, `injected after step ${fault.step} (LOSSLAB_TEST_GPU_FAULT)`);
}
