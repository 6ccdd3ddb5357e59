import type { BackendChoice } from '../../config/types';
import type { Backend } from '../backend';
import { CpuBackend } from './cpu';
import { WasmBackend } from './wasm';
import { probeBackend } from './wasm/probe';
import { acquireWebGpu } from './webgpu';

/** The backend a run uses and, in one sentence, why. */
export interface BackendSelection {
  backend: Backend;
  reason: string;
}

/** Raised when the requested backend cannot run here; the message says what to use instead. */
export class BackendUnavailableError extends Error {}

export interface SelectOptions {
  /** Why WebGPU must not be used here; `auto` and `webgpu` then pick among the CPU-path backends and say why. */
  withoutGpu?: string;
}

/** Resolves `backend: auto | cpu | cpu-reference | webgpu` to a working backend. */
export async function selectBackend(choice: BackendChoice, options: SelectOptions = {}): Promise<BackendSelection> {
  switch (choice) {
    case 'cpu':
      return selectFastCpu();
    case 'cpu-reference':
      return { backend: new CpuBackend(), reason: 'backend: cpu-reference was requested (the one-thread TypeScript reference kernels)' };
    case 'auto':
      return selectFastest(options.withoutGpu);
    case 'webgpu': {
      if (options.withoutGpu !== undefined) {
        const fallback = await selectFastest(options.withoutGpu);
        return { ...fallback, reason: `backend: webgpu was set aside; ${fallback.reason}` };
      }
      const gpu = await acquireWebGpu({ allowFallback: true });
      if (!gpu.backend) throw new BackendUnavailableError(`backend: webgpu cannot run here: ${gpu.reason}; use backend: auto or cpu`);
      return { backend: gpu.backend, reason: `backend: webgpu was requested; ${gpu.reason}` };
    }
  }
}

/** `backend: cpu`: the WebAssembly kernels after the same self-test `auto` runs; the reference only when they cannot run. */
async function selectFastCpu(): Promise<BackendSelection> {
  let problem: string;
  try {
    const wasm = await WasmBackend.create();
    const probe = await probeBackend(wasm, new CpuBackend(), 1);
    if (probe.ok) return { backend: wasm, reason: `backend: cpu was requested; ${wasm.description} passed its self-test` };
    problem = `failed its self-test (${probe.problem})`;
    await wasm.dispose?.();
  } catch (error) {
    problem = `cannot run here (${error instanceof Error ? error.message : String(error)})`;
  }
  return { backend: new CpuBackend(), reason: `backend: cpu was requested, but the WebAssembly kernels ${problem}, so the one-thread CPU reference runs` };
}

interface Candidate {
  name: string;
  backend: Backend;
  ms: number;
}

const formatMs = (ms: number): string => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;

/**
 * `backend: auto`: every candidate that passes its self-test (a real WebGPU adapter, the WebAssembly kernels)
 * runs the same small training step as the CPU reference backend, must agree with it, and the fastest wins;
 * the reason names the winner, its time and what the others did.
 */
async function selectFastest(withoutGpu?: string): Promise<BackendSelection> {
  const reference = new CpuBackend();
  const notes: string[] = [];
  const candidates: Candidate[] = [];
  let referenceMs = Infinity;
  const consider = async (name: string, backend: Backend): Promise<void> => {
    const probe = await probeBackend(backend, reference);
    referenceMs = Math.min(referenceMs, probe.referenceMs);
    if (probe.ok) candidates.push({ name, backend, ms: probe.ms });
    else {
      notes.push(`${name} failed its self-test (${probe.problem})`);
      await backend.dispose?.();
    }
  };
  // A real GPU only: a software (fallback) adapter computes correctly but slower than the CPU path.
  const gpu = withoutGpu === undefined ? await acquireWebGpu({ allowFallback: false }) : { backend: null, reason: withoutGpu };
  if (gpu.backend) await consider('webgpu', gpu.backend);
  else notes.push(`no WebGPU: ${gpu.reason}`);
  try {
    await consider('wasm', await WasmBackend.create());
  } catch (error) {
    notes.push(`no wasm: ${error instanceof Error ? error.message : String(error)}`);
  }
  candidates.sort((a, b) => a.ms - b.ms);
  const [best, ...others] = candidates;
  for (const other of others) await other.backend.dispose?.();
  const rest = notes.length > 0 ? `; ${notes.join('; ')}` : '';
  if (!best) return { backend: reference, reason: `auto: no faster backend passed its self-test, so the CPU reference backend runs${rest}` };
  const beaten = others.map((o) => `${o.name} ${formatMs(o.ms)}`).concat(`the CPU reference ${formatMs(referenceMs)}`).join(', ');
  return {
    backend: best.backend,
    reason: `auto: ${best.name} (${best.backend.description}) passed its self-test and ran the probe step fastest, ` +
      `${formatMs(best.ms)} (${beaten})${rest}`,
  };
}
