import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/engine/backend';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { WasmBackend } from '../../src/engine/backends/wasm';
import { activation } from '../../src/engine/ops/activation';
import { attention } from '../../src/engine/ops/attention';
import { crossEntropy } from '../../src/engine/ops/crossEntropy';
import { add, dropout, scale, sliceLast } from '../../src/engine/ops/elementwise';
import { embedding } from '../../src/engine/ops/embedding';
import { feedForward } from '../../src/engine/ops/feedForward';
import { layerNorm } from '../../src/engine/ops/layerNorm';
import { linear } from '../../src/engine/ops/linear';
import { Rng } from '../../src/engine/rng';
import { sizeOf } from '../../src/engine/tensor';
import { assertGeluLowerTail } from '../support/geluTail';
import { runCase, upstreamGradient, type CaseInput, type OpCase, type OpResult } from '../support/opCases';

function floats(rng: Rng, shape: number[], std = 1): CaseInput {
  return { shape, data: Float32Array.from({ length: sizeOf(shape) }, () => rng.normal() * std) };
}

function ints(rng: Rng, shape: number[], below: number): CaseInput {
  return { shape, data: Int32Array.from({ length: sizeOf(shape) }, () => rng.int(below)) };
}

/** Key padding for B rows of T keys: the last `padded[b]` keys of row b are padding. */
function padding(B: number, T: number, padded: number[]): CaseInput {
  return { shape: [B, T], data: Int32Array.from({ length: B * T }, (_, i) => (i % T >= T - padded[Math.floor(i / T)] ? 1 : 0)) };
}

const attend = (nHeads: number, causal: boolean) => (g: Parameters<OpCase['run']>[0], [q, k, v, pad]: Parameters<OpCase['run']>[1]) =>
  attention(g, q, k, v, { nHeads, causal, keyPad: pad ?? null });

/** Shapes chosen to hit every edge: rows not a multiple of 4, columns not a multiple of 8, K past one block, many chunks. */
function cases(): OpCase[] {
  const rng = new Rng(11);
  const c = (name: string, inputs: CaseInput[], run: OpCase['run']): OpCase => ({ name, op: name, attrs: {}, inputs, run });
  return [
    c('linear 67×45 → 29', [floats(rng, [67, 45]), floats(rng, [29, 45]), floats(rng, [29])], (g, [x, w, b]) => linear(g, x, w, b)),
    c('linear K past one block (600)', [floats(rng, [40, 600]), floats(rng, [20, 600]), floats(rng, [20])], (g, [x, w, b]) => linear(g, x, w, b)),
    c('linear 600 rows (dW blocks over rows)', [floats(rng, [600, 33]), floats(rng, [17, 33])], (g, [x, w]) => linear(g, x, w, null)),
    // Weight gradients over three k blocks of rows, split across threads and summed back in block order (C as is, and transposed).
    c('linear 1100 rows, 20 → 36', [floats(rng, [1100, 20]), floats(rng, [36, 20]), floats(rng, [36])], (g, [x, w, b]) => linear(g, x, w, b)),
    c('linear 1200 rows, 40 → 24', [floats(rng, [1200, 40]), floats(rng, [24, 40])], (g, [x, w]) => linear(g, x, w, null)),
    c('linear 300×128 → 384', [floats(rng, [300, 128]), floats(rng, [384, 128], 0.1), floats(rng, [384])], (g, [x, w, b]) => linear(g, x, w, b)),
    c('layer norm C=50', [floats(rng, [70, 50], 2), floats(rng, [50]), floats(rng, [50])], (g, [x, w, b]) => layerNorm(g, x, w, b)),
    c('layer norm 300×128', [floats(rng, [300, 128], 2), floats(rng, [128])], (g, [x, w]) => layerNorm(g, x, w, null)),
    c('causal attention T=37 D=16', [floats(rng, [3, 37, 48]), floats(rng, [3, 37, 48]), floats(rng, [3, 37, 48])], attend(3, true)),
    c('causal attention T=70 D=12, padded', [floats(rng, [2, 70, 24]), floats(rng, [2, 70, 24]), floats(rng, [2, 70, 24]), padding(2, 70, [0, 9])], attend(2, true)),
    c('cross attention 19 × 41, padded', [floats(rng, [2, 19, 32]), floats(rng, [2, 41, 32]), floats(rng, [2, 41, 32]), padding(2, 41, [5, 40])], attend(4, false)),
    c('causal attention 4×128×128 (bench shape)', [floats(rng, [4, 128, 128]), floats(rng, [4, 128, 128]), floats(rng, [4, 128, 128])], attend(4, true)),
    c('feed forward 301 rows, 45 → 70 → 29, gelu', [floats(rng, [301, 45]), floats(rng, [70, 45], 0.3), floats(rng, [70]), floats(rng, [29, 70], 0.3),
      floats(rng, [29])], (g, [x, w1, b1, w2, b2]) => feedForward(g, x, { weight: w1, bias: b1 }, { weight: w2, bias: b2 }, 'gelu')),
    ...(['gelu', 'gelu_tanh', 'relu'] as const).map((kind) => c(`${kind} 20001`, [floats(rng, [20001], 3)], (g, [x]) => activation(g, kind, x))),
    c('cross entropy 130 × 77, smoothing', [floats(rng, [130, 77], 3), ints(rng, [130], 77)], (g, [z, t]) =>
      crossEntropy(g, z, t, { ignoreIndex: 0, labelSmoothing: 0.1, scale: 1 / 97 })),
    c('cross entropy 2048 × 256', [floats(rng, [2048, 256], 2), ints(rng, [2048], 256)], (g, [z, t]) =>
      crossEntropy(g, z, t, { ignoreIndex: 3, labelSmoothing: 0, scale: 1 / 2048 })),
    c('slices of a fused projection', [floats(rng, [77, 3 * 24])], (g, [x]) => add(g, sliceLast(g, x, 24, 24), scale(g, sliceLast(g, x, 0, 24), -1.5))),
    c('embedding with repeated ids', [ints(rng, [300], 13), floats(rng, [13, 40])], (g, [idx, w]) => embedding(g, idx, w)),
    c('dropout 30001', [floats(rng, [30001])], (g, [x]) => dropout(g, x, 0.3, 5)),
  ];
}

function maxRelativeError(ours: Float32Array, reference: Float32Array): number {
  let scaleOf = 0, worst = 0;
  for (let i = 0; i < reference.length; i++) {
    scaleOf = Math.max(scaleOf, Math.abs(reference[i]));
    worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  }
  return worst / Math.max(scaleOf, 1e-12);
}

function assertSameBits(a: OpResult, b: OpResult, what: string): void {
  assert.deepEqual(new Uint32Array(a.out.buffer), new Uint32Array(b.out.buffer), `${what}: outputs differ`);
  a.grads.forEach((grad, i) => {
    if (grad) assert.deepEqual(new Uint32Array(grad.buffer), new Uint32Array((b.grads[i] as Float32Array).buffer), `${what}: gradient ${i} differs`);
  });
}

// Both builds of the kernels: with relaxed SIMD (fused multiply-add, 6×8 GEMM tiles) and plain SIMD.
for (const variant of ['relaxed', 'plain'] as const) {
  describe(`wasm kernels (${variant} SIMD) against the CPU reference, and 1 thread against 2`, () => {
    const cpu = new CpuBackend();
    let one: WasmBackend;
    let two: WasmBackend;
    before(async () => {
      one = await WasmBackend.create({ threads: 1, variant });
      two = await WasmBackend.create({ threads: 2, variant });
      assert.equal(one.runtime.variant, variant);
    });
    after(async () => {
      const [caller, worker] = two.runtime.chunksRun();
      assert.ok(caller > 0 && worker > 0, `both threads ran chunks (caller ${caller}, worker ${worker})`);
      await one.dispose();
      await two.dispose();
    });

    for (const c of cases()) {
      it(c.name, async () => {
        assert.equal(two.threads, 2);
        const run = async (backend: Backend) => runCase(backend, c, null).then((probe) => runCase(backend, c, upstreamGradient(probe.out.length, 3)));
        const reference = await run(cpu);
        const single = await run(one);
        const double = await run(two);
        const tolerance = 2e-5;
        assert.ok(maxRelativeError(single.out, reference.out) < tolerance, `forward: ${maxRelativeError(single.out, reference.out)}`);
        single.grads.forEach((grad, i) => {
          if (!grad) return;
          const error = maxRelativeError(grad, reference.grads[i] as Float32Array);
          assert.ok(error < tolerance, `gradient of input ${i}: relative error ${error}`);
        });
        assertSameBits(single, double, c.name);
      });
    }

    it('GELU keeps its relative accuracy in the lower tail, where x·Φ(x) is tiny', () => assertGeluLowerTail(one));
  });
}
