import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, Kernels, LinearShape } from '../../src/engine/backend';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { selectBackend } from '../../src/engine/backends/select';
import { WasmBackend, type WasmStorage } from '../../src/engine/backends/wasm';
import { probeBackend } from '../../src/engine/backends/wasm/probe';

/** The wasm backend with linearForward off by a little after the real kernel ran: a backend with a subtle bug. */
function withBrokenLinear(backend: WasmBackend): Backend {
  const kernels: Kernels<WasmStorage> = {
    ...backend.kernels,
    linearForward(x, w, b, y, s: LinearShape) {
      backend.kernels.linearForward(x, w, b, y, s);
      backend.kernels.scale(y, 1.001, y, s.N * s.O);
    },
  };
  return Object.assign(Object.create(backend) as WasmBackend, { kernels });
}

describe('backend self-test and auto selection', () => {
  it('the probe passes the wasm backend, times it, and is faster than the CPU reference', async () => {
    const backend = await WasmBackend.create();
    const probe = await probeBackend(backend, new CpuBackend());
    assert.equal(probe.problem, null);
    assert.ok(probe.ok);
    assert.ok(probe.ms > 0 && probe.ms < probe.referenceMs, `wasm ${probe.ms} ms vs CPU reference ${probe.referenceMs} ms`);
    await backend.dispose();
  });

  it('the probe fails a backend whose linear layer is off by 0.1 %, naming what differs', async () => {
    const backend = await WasmBackend.create({ threads: 1 });
    const probe = await probeBackend(withBrokenLinear(backend), new CpuBackend());
    assert.equal(probe.ok, false);
    assert.match(probe.problem ?? '', /differs from the CPU reference by \d/);
    await backend.dispose();
  });

  it('backend: auto picks the fastest backend that passes and says which and why', async () => {
    const { backend, reason } = await selectBackend('auto');
    assert.notEqual(backend.name, 'cpu-reference', 'a faster backend than the TypeScript reference passes here');
    const expected = `^auto: ${backend.name} \\(.+\\) passed its self-test and ran the probe step fastest, [\\d.]+ ms \\(.*the CPU reference [\\d.]+ ms\\)`;
    assert.match(reason, new RegExp(expected));
    await (backend as Backend & { dispose?: () => Promise<void> }).dispose?.();
  });

  it('runs the relaxed-SIMD (FMA) build where the engine validates it, on every thread, and the plain build when asked', async () => {
    const auto = await WasmBackend.create({ threads: 2 });
    assert.equal(auto.runtime.variant, 'relaxed', 'Node 20 gets relaxed SIMD through its V8 flag, newer engines by default');
    assert.match(auto.description, /with FMA, 2 threads/);
    assert.equal(auto.runtime.gemmTileRows, 6);
    const plain = await WasmBackend.create({ threads: 1, variant: 'plain' });
    assert.equal(plain.runtime.gemmTileRows, 4);
    assert.doesNotMatch(plain.description, /FMA/);
    await auto.dispose();
    await plain.dispose();
  });

  it('backend: cpu gives the WebAssembly kernels after their self-test', async () => {
    const { backend, reason } = await selectBackend('cpu');
    assert.equal(backend.name, 'wasm');
    assert.match(reason, /^backend: cpu was requested; CPU \(WebAssembly SIMD kernels.*\) passed its self-test$/);
    await (backend as Backend & { dispose?: () => Promise<void> }).dispose?.();
  });

  it('backend: cpu-reference gives the one-thread TypeScript reference', async () => {
    const { backend, reason } = await selectBackend('cpu-reference');
    assert.equal(backend.name, 'cpu-reference');
    assert.equal(reason, 'backend: cpu-reference was requested (the one-thread TypeScript reference kernels)');
  });
});
