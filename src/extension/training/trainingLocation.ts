import type { BackendChoice } from '../../config/types';
import type { DidProbeWebGpu } from '../../protocol/worker';
import type { TrainingPlace } from './trainingSupervisor';

/** losslab.trainingLocation. */
export type TrainingLocation = 'auto' | 'extensionHost' | 'webview' | 'cpu';

export const TRAINING_LOCATIONS: readonly TrainingLocation[] = ['auto', 'extensionHost', 'webview', 'cpu'];

/** Where a Train goes, and why (for the log and run.json's backend reason). */
export interface PlaceChoice {
  place: TrainingPlace;
  /** Set when WebGPU must not be used: the run trains on a CPU-path backend, and this is why. */
  withoutGpu?: string;
  /** One sentence; empty when nothing was decided beyond the defaults. */
  reason: string;
}

/**
 * Resolves losslab.trainingLocation for a run that wants `backend` (the config's, or losslab.defaultBackend where the
 * config says auto). `auto` asks the extension host's worker (`probe`) only when WebGPU is wanted, and moves the run to
 * the webview when WebGPU is asked for, or a real GPU is there, but fails its self-test in the extension host.
 */
export async function choosePlace(location: TrainingLocation, backend: BackendChoice, probe: (allowFallback: boolean) => Promise<DidProbeWebGpu>): Promise<PlaceChoice> {
  switch (location) {
    case 'cpu':
      return { place: 'extensionHost', withoutGpu: 'losslab.trainingLocation is cpu', reason: 'losslab.trainingLocation is cpu: the extension host trains without WebGPU' };
    case 'extensionHost':
      return { place: 'extensionHost', reason: '' };
    case 'webview':
      return { place: 'webview', reason: 'losslab.trainingLocation is webview' };
    case 'auto': {
      if (backend === 'cpu' || backend === 'cpu-reference') return { place: 'extensionHost', reason: '' };
      const found = await probe(backend === 'webgpu');
      if (found.passed) return { place: 'extensionHost', reason: '' };
      const realGpu = found.adapter !== null && !found.adapter.isFallbackAdapter;
      if (backend === 'webgpu' || realGpu) {
        return { place: 'webview', reason: `WebGPU failed in the extension host (${found.reason}), so the run trains in the dashboard webview's Web Worker` };
      }
      return { place: 'extensionHost', reason: '' };
    }
  }
}
