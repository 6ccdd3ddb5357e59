import type { BackendChoice } from '../../config/types';
import type { Backend } from '../backend';
import { CpuBackend } from './cpu';

/** The backend a run uses and, in one sentence, why. */
export interface BackendSelection {
  backend: Backend;
  reason: string;
}

/** Raised when the requested backend cannot run here; the message says what to use instead. */
export class BackendUnavailableError extends Error {}

/** Resolves `backend: auto | cpu | webgpu` to a working backend. */
export async function selectBackend(choice: BackendChoice): Promise<BackendSelection> {
  switch (choice) {
    case 'cpu':
      return { backend: new CpuBackend(), reason: 'backend: cpu was requested' };
    case 'auto':
      return { backend: new CpuBackend(), reason: 'auto: this build has no WebGPU backend yet, so the CPU reference backend runs' };
    case 'webgpu':
      throw new BackendUnavailableError('backend: webgpu is not available in this build of Loss Lab; use backend: auto or cpu');
  }
}
