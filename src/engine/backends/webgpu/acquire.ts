import { requestDeviceFor, selfTest, summarizeAdapter, type AdapterSummary } from './adapter';
import { WebGpuBackend, adapterName, describeAdapter } from './backend';

/** The result of looking for a WebGPU backend: one that passed its self-test, or why there is none. */
export interface WebGpuAvailability {
  backend: WebGpuBackend | null;
  adapter: AdapterSummary | null;
  /** One sentence: which adapter runs, or why none does. */
  reason: string;
}

export interface AcquireOptions {
  /** Accept a software (fallback) adapter. `backend: auto` does not: on the CPU it is slower than the CPU backend. */
  allowFallback: boolean;
  /** The GPU to use; default `navigator.gpu` in a browser or worker, else Dawn from the `webgpu` package in Node. */
  gpu?: GPU;
}

interface DawnModule {
  create(options: string[]): GPU;
}

/** Dawn's GPU object: it must stay referenced for the whole process (collecting it aborts Node). */
let dawnGpu: GPU | null = null;

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

/** Loads Dawn in Node. The specifier is a variable so browser bundles never try to include the native addon. */
async function loadDawn(): Promise<GPU> {
  if (dawnGpu) return dawnGpu;
  const specifier = 'webgpu';
  const dawn = (await import(specifier)) as DawnModule;
  dawnGpu = dawn.create([]);
  return dawnGpu;
}

/** navigator.gpu where it exists, Dawn in Node, or why neither is available. */
export async function findGpu(): Promise<GPU | string> {
  const navigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (navigatorGpu) return navigatorGpu;
  if (!isNode()) return 'this environment has no navigator.gpu';
  try {
    return await loadDawn();
  } catch (error) {
    return `the webgpu package (Dawn) could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * On Linux in Node, why no hardware GPU can be there (no DRM render node, no NVIDIA device), or null. Dawn would then
 * find only a software adapter, which `auto` declines anyway, and its Vulkan driver prints limit warnings on stderr.
 */
async function noGpuDevice(): Promise<string | null> {
  const proc = (globalThis as { process?: { platform?: string } }).process;
  if (!isNode() || proc?.platform !== 'linux') return null;
  const specifier = 'node:fs';
  const { readdirSync } = (await import(specifier)) as { readdirSync(path: string): string[] };
  const list = (folder: string): string[] => {
    try {
      return readdirSync(folder);
    } catch {
      return [];
    }
  };
  const gpuNodes = [...list('/dev/dri').filter((n) => n.startsWith('renderD')), ...list('/dev').filter((n) => /^nvidia\d+$/.test(n))];
  return gpuNodes.length > 0 ? null : 'this machine has no GPU device (no /dev/dri render node, no /dev/nvidia*), so WebGPU was not tried';
}

interface AdapterProbe {
  adapter: GPUAdapter | null;
  summary: AdapterSummary | null;
  problem: string | null;
}

const adapters = new Map<GPU | undefined, Promise<AdapterProbe>>();
const backends = new Map<GPU | undefined, Promise<WebGpuAvailability>>();

async function probeAdapter(explicitGpu: GPU | undefined): Promise<AdapterProbe> {
  const gpu = explicitGpu ?? (await findGpu());
  if (typeof gpu === 'string') return { adapter: null, summary: null, problem: gpu };
  // A discrete GPU when there is one; Dawn otherwise returns the software adapter (lavapipe, SwiftShader).
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { adapter: null, summary: null, problem: 'no WebGPU adapter was found (no GPU driver, or a Vulkan driver Dawn refuses)' };
  return { adapter, summary: summarizeAdapter(adapter), problem: null };
}

async function createBackend(probe: AdapterProbe, key: GPU | undefined): Promise<WebGpuAvailability> {
  const { adapter, summary } = probe as { adapter: GPUAdapter; summary: AdapterSummary };
  let device: GPUDevice;
  try {
    device = await requestDeviceFor(adapter);
  } catch (error) {
    return { backend: null, adapter: summary, reason: `the adapter refused to create a device: ${error instanceof Error ? error.message : String(error)}` };
  }
  const failure = await selfTest(device);
  if (failure) {
    device.destroy();
    return { backend: null, adapter: summary, reason: `${describeAdapter(summary)} failed its self-test: ${failure}` };
  }
  // A lost device is not reused: the next request starts over with a new adapter.
  void device.lost.then(() => {
    adapters.delete(key);
    backends.delete(key);
  });
  return { backend: WebGpuBackend.create(device, summary), adapter: summary, reason: `${describeAdapter(summary)} passed its self-test` };
}

/**
 * Finds a WebGPU adapter, creates its device once per process and self-tests it. Calls share the device and the
 * backend; a fallback adapter is only used when `allowFallback` is set.
 */
export async function acquireWebGpu(options: AcquireOptions): Promise<WebGpuAvailability> {
  const key = options.gpu;
  if (!options.allowFallback && key === undefined && !adapters.has(key)) {
    const none = await noGpuDevice();
    if (none) return { backend: null, adapter: null, reason: none };
  }
  if (!adapters.has(key)) adapters.set(key, probeAdapter(key));
  const probe = await (adapters.get(key) as Promise<AdapterProbe>);
  if (probe.problem || !probe.summary) return { backend: null, adapter: null, reason: probe.problem ?? 'no WebGPU adapter' };
  if (probe.summary.isFallbackAdapter && !options.allowFallback) {
    return {
      backend: null, adapter: probe.summary,
      reason: `the only WebGPU adapter (${adapterName(probe.summary)}) is a software fallback, slower than the CPU backend`,
    };
  }
  if (!backends.has(key)) backends.set(key, createBackend(probe, key));
  return backends.get(key) as Promise<WebGpuAvailability>;
}
