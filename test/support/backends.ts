import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Backend, BackendName } from '../../src/engine/backend';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { acquireWebGpu } from '../../src/engine/backends/webgpu';
import { WasmBackend } from '../../src/engine/backends/wasm';

interface WebGpuProbe {
  available: boolean;
  reason: string;
}

let webGpuProbe: WebGpuProbe | null = null;

/** Whether a WebGPU adapter (a software one counts) passes its self-test here; asked once per test process. */
export function probeWebGpu(): WebGpuProbe {
  if (webGpuProbe) return webGpuProbe;
  const script = join(__dirname, 'webgpuProbe.ts');
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    webGpuProbe = JSON.parse(line) as WebGpuProbe;
  } catch {
    webGpuProbe = { available: false, reason: `the WebGPU probe failed: ${result.stderr.trim().split('\n').pop() ?? result.error?.message}` };
  }
  return webGpuProbe;
}

/** The process's WebGPU backend; every test shares one device. */
async function webGpuBackend(): Promise<Backend> {
  const { backend, reason } = await acquireWebGpu({ allowFallback: true });
  if (!backend) throw new Error(`WebGPU: ${reason}`);
  return backend;
}

let sharedWasm: Promise<Backend> | null = null;

/** The process's WebAssembly backend (all cores); every test shares its worker threads. */
function wasmBackend(): Promise<Backend> {
  sharedWasm ??= WasmBackend.create();
  return sharedWasm;
}

/**
 * Every backend the op suite and the parity tests run over; new backends join this list. WebGPU joins when an
 * adapter passes its self-test; with LOSSLAB_REQUIRE_WEBGPU=1 (CI, after scripts/install-lavapipe.sh) it always
 * joins, so a missing adapter fails the tests instead of skipping them.
 */
export function backendsUnderTest(): { name: BackendName; create: () => Promise<Backend> }[] {
  const backends: { name: BackendName; create: () => Promise<Backend> }[] = [{ name: 'cpu-reference', create: async (): Promise<Backend> => new CpuBackend() }, { name: 'wasm', create: wasmBackend }];
  const required = process.env.LOSSLAB_REQUIRE_WEBGPU === '1';
  const probe = probeWebGpu();
  if (probe.available) backends.push({ name: 'webgpu', create: webGpuBackend });
  else if (required) backends.push({ name: 'webgpu', create: async () => { throw new Error(`LOSSLAB_REQUIRE_WEBGPU=1 but ${probe.reason}`); } });
  return backends;
}
