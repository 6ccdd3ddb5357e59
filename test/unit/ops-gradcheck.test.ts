import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { opCases, runCase, upstreamGradient } from '../support/opCases';
import { backendsUnderTest } from '../support/backends';

/** Central differences of f = Σ out·dy in float64 over float32 inputs: step large enough to beat rounding. */
const STEP = 1e-2;

for (const { name: backendName, create } of backendsUnderTest()) {
  describe(`op gradients match finite differences (${backendName})`, () => {
    for (const c of opCases()) {
      it(c.name, async () => {
        const backend = await create();
        const probe = await runCase(backend, c, null);
        const dy = upstreamGradient(probe.out.length, 11);
        const analytic = await runCase(backend, c, dy);
        const objective = async (): Promise<number> => {
          const { out } = await runCase(backend, c, null);
          return out.reduce((sum, v, i) => sum + v * dy[i], 0);
        };
        for (let k = 0; k < c.inputs.length; k++) {
          const input = c.inputs[k].data;
          if (!(input instanceof Float32Array)) continue;
          const grad = analytic.grads[k];
          assert.ok(grad, `input ${k} has a gradient`);
          const coordinates = Array.from({ length: Math.min(input.length, 24) }, (_, i) => Math.floor((i * input.length) / Math.min(input.length, 24)));
          for (const i of coordinates) {
            const saved = input[i];
            input[i] = saved + STEP;
            const plus = await objective();
            input[i] = saved - STEP;
            const minus = await objective();
            input[i] = saved;
            const numeric = (plus - minus) / (2 * STEP);
            const tolerance = 2e-3 * Math.max(1, Math.abs(numeric));
            assert.ok(Math.abs(grad[i] - numeric) <= tolerance,
              `${c.name} input ${k}[${i}]: analytic ${grad[i]} vs numeric ${numeric}`);
          }
        }
      });
    }
  });
}
