import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { backendsUnderTest } from '../support/backends';
import { assertGeluLowerTail } from '../support/geluTail';
import { kernelCases, runKernelCase } from '../support/kernelCases';
import { opCases, runCase, upstreamGradient } from '../support/opCases';

/** Every backend must equal the CPU reference to this relative error (max |diff| over max |reference|). */
const TOLERANCE = 1e-5;

/** Max |ours − reference| relative to the largest finite |reference|; non-finite values must match exactly. */
function relativeError(ours: ArrayLike<number>, reference: ArrayLike<number>): number {
  assert.equal(ours.length, reference.length, 'lengths differ');
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    if (!Number.isFinite(reference[i])) {
      assert.ok(Object.is(ours[i], reference[i]) || (Number.isNaN(ours[i]) && Number.isNaN(reference[i])), `index ${i}: ${ours[i]} vs ${reference[i]}`);
      continue;
    }
    scale = Math.max(scale, Math.abs(reference[i]));
    worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  }
  return worst / Math.max(scale, 1e-12);
}

const cpu = new CpuBackend();
const others = backendsUnderTest().filter((b) => b.name !== 'cpu-reference');

describe('GELU keeps its relative accuracy in the lower tail, where x·Φ(x) is tiny, on every backend', () => {
  for (const { name, create } of backendsUnderTest()) it(name, async () => assertGeluLowerTail(await create()));
});

for (const { name: backendName, create } of others) {
  describe(`every op's forward and backward equals the CPU backend (${backendName})`, () => {
    for (const c of opCases()) {
      it(c.name, async () => {
        const backend = await create();
        const probe = await runCase(cpu, c, null);
        const dy = upstreamGradient(probe.out.length, 17);
        const [expected, actual] = [await runCase(cpu, c, dy), await runCase(backend, c, dy)];
        assert.deepEqual(actual.shape, expected.shape);
        const forward = relativeError(actual.out, expected.out);
        assert.ok(forward < TOLERANCE, `${c.name} forward: relative error ${forward}`);
        expected.grads.forEach((grad, i) => {
          if (!grad) return assert.equal(actual.grads[i], null);
          const error = relativeError(actual.grads[i] as Float32Array, grad);
          assert.ok(error < TOLERANCE, `${c.name} gradient of input ${i}: relative error ${error}`);
        });
      });
    }
  });

  describe(`kernels on edge shapes equal the CPU backend (${backendName})`, () => {
    for (const c of kernelCases().filter((kc) => !kc.backends || kc.backends.includes(backendName))) {
      it(c.name, async () => {
        const backend = await create();
        const [expected, actual] = [await runKernelCase(cpu, c), await runKernelCase(backend, c)];
        for (const name of c.compare) {
          const [e, a] = [expected.get(name) as Float32Array, actual.get(name) as Float32Array];
          if (c.exact?.includes(name)) assert.deepEqual(a, e, `${name} must be bit-identical`);
          const error = relativeError(a, e);
          assert.ok(error < TOLERANCE, `${name}: relative error ${error}`);
        }
      });
    }
  });
}
