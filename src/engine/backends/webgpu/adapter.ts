import { BufferUsage, MAP_MODE_READ, SHADER_STAGE_COMPUTE, STORAGE_USAGE } from './constants';
import { SHADER_SOURCES } from './shaderSources';

/** What run.json and the dashboard show about the adapter a run uses. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software (CPU) implementation such as lavapipe or SwiftShader: correct, but slower than the CPU backend. */
  isFallbackAdapter: boolean;
}

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
    isFallbackAdapter: info.isFallbackAdapter ?? legacy.isFallbackAdapter ?? false,
  };
}

/** Requests a device with the adapter's largest buffer limits (the defaults cap bindings at 128 MiB). */
export function requestDeviceFor(adapter: GPUAdapter): Promise<GPUDevice> {
  return adapter.requestDevice({
    label: 'losslab',
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Writes data, runs a kernel on it and reads the result back. Returns null when the values are right, else why not:
 * e.g. Electron refusing Dawn's external ArrayBuffers on read-back, or a driver that computes garbage.
 */
export async function selfTest(device: GPUDevice, timeoutMs = 10_000): Promise<string | null> {
  const n = 256;
  const input = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 17);
  const buffers: GPUBuffer[] = [];
  const buffer = (size: number, usage: number) => {
    const b = device.createBuffer({ label: 'losslab self-test', size, usage });
    buffers.push(b);
    return b;
  };
  try {
    device.pushErrorScope('validation');
    const params = buffer(16, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    const x = buffer(n * 4, STORAGE_USAGE);
    const y = buffer(n * 4, STORAGE_USAGE);
    const readBack = buffer(n * 4, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
    device.queue.writeBuffer(params, 0, new Uint32Array([n, 0, 0, 0]));
    device.queue.writeBuffer(x, 0, input);
    const layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform' } },
        { binding: 1, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'read-only-storage' } },
        { binding: 2, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'storage' } },
      ],
    });
    const pipeline = device.createComputePipeline({
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: device.createShaderModule({ code: SHADER_SOURCES.self_test }), entryPoint: 'main' },
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout, entries: [params, x, y].map((b, i) => ({ binding: i, resource: { buffer: b } })) }));
    pass.dispatchWorkgroups(n / 64);
    pass.end();
    encoder.copyBufferToBuffer(y, 0, readBack, 0, n * 4);
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    if (error) return `the self-test kernel failed to run: ${error.message}`;
    await withTimeout(readBack.mapAsync(MAP_MODE_READ), timeoutMs, 'the self-test read-back');
    const out = new Float32Array(readBack.getMappedRange().slice(0));
    readBack.unmap();
    const bad = out.findIndex((v, i) => v !== 2 * input[i] + 1);
    return bad < 0 ? null : `the self-test read back ${out[bad]} at index ${bad} instead of ${2 * input[bad] + 1}`;
  } catch (error) {
    return `the self-test failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    for (const b of buffers) b.destroy();
  }
}
