import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { selectBackend } from '../../src/engine/backends/select';
import { WebGpuBackend, WebGpuError, acquireWebGpu, findGpu, type GpuStorage } from '../../src/engine/backends/webgpu';
import { prepareData } from '../../src/engine/data/prepare';
import { Trainer } from '../../src/engine/train/trainer';
import { parseConfigText } from '../../src/config';
import { GENERATED_FILE, shaderSourcesModule } from '../../scripts/gen-wgsl';
import { probeWebGpu } from '../support/backends';

describe('WebGPU shader sources', () => {
  it('shaderSources.ts matches the .wgsl files (run `npx tsx scripts/gen-wgsl.ts` after editing one)', () => {
    assert.equal(readFileSync(GENERATED_FILE, 'utf8'), shaderSourcesModule());
  });
});

const probe = probeWebGpu();
const skip = !probe.available && process.env.LOSSLAB_REQUIRE_WEBGPU !== '1' ? `no WebGPU adapter here: ${probe.reason}` : false;

async function shared(): Promise<WebGpuBackend> {
  const { backend, reason } = await acquireWebGpu({ allowFallback: true });
  assert.ok(backend, reason);
  return backend;
}

/** A backend on a device of its own, for tests that break the device. */
async function privateBackend(): Promise<WebGpuBackend> {
  const gpu = await findGpu();
  assert.ok(typeof gpu !== 'string', String(gpu));
  const adapter = await gpu.requestAdapter();
  assert.ok(adapter);
  return WebGpuBackend.create(await adapter.requestDevice());
}

const floats = (...values: number[]) => Float32Array.from(values);

describe('WebGPU backend', { skip }, () => {
  it('describes its adapter (vendor, architecture, fallback)', async () => {
    const backend = await shared();
    const { vendor, isFallbackAdapter } = backend.adapter;
    assert.match(backend.description, /^WebGPU \(/);
    if (vendor) assert.ok(backend.description.includes(vendor));
    assert.equal(backend.description.includes('software fallback'), isFallbackAdapter);
  });

  it('runs host writes and kernels in recording order, even while commands are pending', async () => {
    const b = await shared();
    const x = b.upload(floats(1, 2, 3, 4));
    const first = b.alloc('f32', 4);
    const second = b.alloc('f32', 4);
    b.kernels.scale(x, 10, first, 4);
    b.write(x, floats(5, 6, 7, 8));
    b.kernels.scale(x, 10, second, 4);
    assert.deepEqual(await b.read(first, 'f32'), floats(10, 20, 30, 40));
    assert.deepEqual(await b.read(second, 'f32'), floats(50, 60, 70, 80));
    [x, first, second].forEach((s) => b.release(s));
  });

  it('hands out zeroed storage from the pool and zeroes lazily', async () => {
    const b = await shared();
    const dirty = b.upload(floats(9, 9, 9, 9, 9));
    b.release(dirty);
    const reused = b.alloc('f32', 5);
    assert.equal((reused as GpuStorage).buffer, (dirty as GpuStorage).buffer, 'the pool reuses a buffer of the same size');
    b.kernels.accumulate(reused, b.upload(floats(1, 1, 1, 1, 1)), 5, 2);
    assert.deepEqual(await b.read(reused, 'f32'), floats(2, 2, 2, 2, 2));
    b.kernels.fill(reused, 0, 5);
    assert.deepEqual(await b.read(reused, 'f32'), floats(0, 0, 0, 0, 0));
    b.kernels.fill(reused, 3, 2);
    assert.deepEqual(await b.read(reused, 'f32'), floats(3, 3, 0, 0, 0));
  });

  it('copies the read side when one buffer is both input and output of a kernel', async () => {
    const b = await shared();
    const x = b.upload(floats(1, -2, 3));
    b.kernels.scale(x, 2, x, 3);
    b.kernels.accumulate(x, x, 3, 1);
    assert.deepEqual(await b.read(x, 'f32'), floats(4, -8, 12));
  });

  it('uploads data that lives in a SharedArrayBuffer (Dawn must never see it)', async () => {
    const b = await shared();
    const shared32 = new Int32Array(new SharedArrayBuffer(16));
    shared32.set([4, -3, 2, 1]);
    const stored = b.upload(shared32);
    assert.deepEqual(await b.read(stored, 'i32'), Int32Array.of(4, -3, 2, 1));
  });

  it('refuses storage released twice or used after release', async () => {
    const b = await shared();
    const x = b.alloc('f32', 3);
    b.release(x);
    assert.throws(() => b.release(x), /released twice/);
    assert.throws(() => b.kernels.fill(x, 1, 2), /already released/);
  });

  it('records a training step in two submits: the loss with the gradient norms, then the update with the final sync', async () => {
    const b = await shared();
    const { config } = parseConfigText(`name: submits\nmodel: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, d_ff: 32, context: 8 }
data: { train: t.txt, vocab: char }
training: { steps: 3, batch_size: 2, grad_clip: 1.0, eval_interval: 0 }\n`, 't.lab.yaml');
    assert.ok(config);
    const trainer = new Trainer(config, prepareData(config, { train: 'abcdefghij'.repeat(20), val: null }), { backend: b });
    await trainer.trainStep();
    const before = b.counters;
    await trainer.trainStep();
    const after = b.counters;
    assert.equal(after.submits - before.submits, 2);
    assert.ok(after.passes - before.passes >= 2 && after.passes - before.passes <= after.submits - before.submits + 2, 'few compute passes');
    assert.ok(after.dispatches - before.dispatches > 50, 'the step ran its kernels');
    assert.equal(after.bufferBytes, before.bufferBytes, 'the second step allocates no new buffers');
  });

  it('turns a device error into a WebGpuError on the next read', async () => {
    const b = await privateBackend();
    b.device.createBuffer({ size: 12, usage: 0 });
    await assert.rejects(async () => { await b.sync(); await b.read(b.upload(floats(1)), 'f32'); }, (e: unknown) => e instanceof WebGpuError && e.kind === 'validation');
    b.destroy();
    b.device.destroy();
  });

  it('reports a lost device as kind device-lost', async () => {
    const b = await privateBackend();
    b.device.destroy();
    await b.device.lost;
    assert.throws(() => b.alloc('f32', 4), (e: unknown) => e instanceof WebGpuError && e.kind === 'device-lost');
  });

  it('backend: webgpu selects it; auto takes it only when the adapter is not a software fallback', async () => {
    const webgpu = await selectBackend('webgpu');
    assert.equal(webgpu.backend.name, 'webgpu');
    assert.match(webgpu.reason, /passed its self-test/);
    const auto = await selectBackend('auto');
    if ((await shared()).adapter.isFallbackAdapter) {
      assert.notEqual(auto.backend.name, 'webgpu', 'auto keeps to the CPU path (wasm or the reference)');
      assert.match(auto.reason, /software fallback, slower than the CPU backend/);
    } else {
      assert.equal(auto.backend.name, 'webgpu');
    }
  });
});
