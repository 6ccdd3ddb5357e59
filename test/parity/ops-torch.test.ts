import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { backendsUnderTest } from '../support/backends';
import { opCases, runCase, upstreamGradient, type OpResult } from '../support/opCases';
import { referenceOps, type OpCase as RefereeCase, type OpName, type TensorInput, type TensorResult } from '../support/torch';

/** Max |ours − torch| over the tensor, relative to the largest |torch| value. */
function maxRelativeError(ours: Float32Array, reference: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    scale = Math.max(scale, Math.abs(reference[i]));
    worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  }
  return worst / Math.max(scale, 1e-12);
}

describe('each op forward and backward equals PyTorch (float64 reference)', () => {
  const cases = opCases();
  let reference: Map<string, TensorResult>;
  const upstream = new Map<string, Float32Array>();

  before(async () => {
    const backend = await backendsUnderTest()[0].create();
    const tensors: Record<string, TensorInput> = {};
    const refereeCases: RefereeCase[] = [];
    for (const c of cases) {
      const { out, shape } = await runCase(backend, c, null);
      const dy = upstreamGradient(out.length, 5);
      upstream.set(c.name, dy);
      const names = c.inputs.map((input, i) => {
        tensors[`${c.name}.in${i}`] = { dtype: input.data instanceof Int32Array ? 'I32' : 'F32', shape: input.shape, data: input.data };
        return `${c.name}.in${i}`;
      });
      tensors[`${c.name}.dy`] = { dtype: 'F32', shape, data: dy };
      refereeCases.push({ name: c.name, op: c.op as OpName, attrs: c.attrs, inputs: names, grad_output: `${c.name}.dy` });
    }
    reference = await referenceOps(refereeCases, tensors);
  });

  for (const { name: backendName, create } of backendsUnderTest()) {
    for (const c of cases) {
      it(`${c.name} (${backendName})`, async () => {
        const ours: OpResult = await runCase(await create(), c, upstream.get(c.name) as Float32Array);
        const out = reference.get(`${c.name}.out`);
        assert.ok(out, `referee produced ${c.name}.out`);
        assert.equal(ours.out.length, out.data.length);
        assert.ok(maxRelativeError(ours.out, out.data) < 1e-5, `${c.name} forward: ${maxRelativeError(ours.out, out.data)}`);
        ours.grads.forEach((grad, i) => {
          if (!grad) return;
          const expected = reference.get(`${c.name}.grad.${i}`);
          assert.ok(expected, `referee produced ${c.name}.grad.${i}`);
          const error = maxRelativeError(grad, expected.data);
          assert.ok(error < 1e-5, `${c.name} gradient of input ${i}: relative error ${error}`);
        });
      });
    }
  }
});

