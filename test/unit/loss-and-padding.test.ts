import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelConfig } from '../../src/config/types';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { Graph } from '../../src/engine/graph';
import { createModel, type ModelInput } from '../../src/engine/nn';
import { crossEntropy } from '../../src/engine/ops/crossEntropy';
import { Rng } from '../../src/engine/rng';
import { fromArray } from '../../src/engine/tensor';

describe('cross-entropy', () => {
  it('reproduces the worked example: p(true) = 0.7 → loss 0.357', async () => {
    const backend = new CpuBackend();
    const g = new Graph(backend, true);
    const probabilities = [0.7, 0.2, 0.05, 0.03, 0.02];
    const logits = fromArray(backend, [1, 5], Float32Array.from(probabilities, Math.log), true);
    const loss = crossEntropy(g, logits, fromArray(backend, [1], Int32Array.of(0)), { ignoreIndex: -1, labelSmoothing: 0, scale: 1 });
    const value = (await loss.read())[0];
    assert.equal(value.toFixed(3), '0.357');
    assert.ok(Math.abs(value + Math.log(0.7)) < 1e-6, `loss ${value} = −ln 0.7`);
    g.backward(loss);
    const grad = (await logits.grad!.read()) as Float32Array;
    probabilities.forEach((p, c) => assert.ok(Math.abs(grad[c] - (p - (c === 0 ? 1 : 0))) < 1e-6, `dL/dz${c} = p − onehot`));
  });

  it('averages over non-pad tokens only: pad rows carry no loss and no gradient', async () => {
    const backend = new CpuBackend();
    const g = new Graph(backend, true);
    const logits = fromArray(backend, [3, 5], Float32Array.from({ length: 15 }, (_, i) => Math.sin(i)), true);
    const targets = fromArray(backend, [3], Int32Array.of(2, 0, 4));
    const loss = crossEntropy(g, logits, targets, { ignoreIndex: 0, labelSmoothing: 0, scale: 1 / 2 });
    const data = (await logits.read()) as Float32Array;
    const rowLoss = (row: number, t: number) => {
      const z = Array.from(data.subarray(row * 5, row * 5 + 5));
      return Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[t];
    };
    const expected = (rowLoss(0, 2) + rowLoss(2, 4)) / 2;
    assert.ok(Math.abs((await loss.read())[0] - expected) < 1e-6);
    g.backward(loss);
    const grad = (await logits.grad!.read()) as Float32Array;
    assert.deepEqual(Array.from(grad.subarray(5, 10)), [0, 0, 0, 0, 0]);
  });
});

/** Runs a model's summed loss over a batch; returns the loss and every parameter's gradient. */
async function lossAndGradients(config: ModelConfig, build: (g: Graph) => { input: ModelInput; targets: Int32Array }) {
  const backend = new CpuBackend();
  const model = createModel(config, 11, backend, 5);
  const g = new Graph(backend, true);
  const { input, targets } = build(g);
  const loss = crossEntropy(g, model.logits(g, input), g.constant([targets.length], targets), { ignoreIndex: 0, labelSmoothing: 0.1, scale: 1 / 7 });
  g.backward(loss);
  const grads = new Map<string, Float32Array>();
  for (const t of model.params.tensors) grads.set(t.name, (await t.grad!.read()) as Float32Array);
  return { loss: (await loss.read())[0], grads };
}

/** Appends `extra` pad columns to a [B, T] id matrix. */
function padColumns(ids: number[][], extra: number): Int32Array {
  return Int32Array.from(ids.flatMap((row) => [...row, ...new Array(extra).fill(0)]));
}

function assertSameGradients(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, grad] of a) {
    const other = b.get(name)!;
    const scale = Math.max(1e-12, ...Array.from(grad, Math.abs));
    const worst = Math.max(...Array.from(grad, (v, i) => Math.abs(v - other[i])));
    assert.ok(worst / scale < 1e-5, `${name}: gradients differ by ${worst} (scale ${scale})`);
  }
}

const base: Omit<ModelConfig, 'kind'> = {
  d_model: 8, n_layers: 2, n_encoder_layers: 1, n_decoder_layers: 1, n_heads: 2, d_ff: 16, context: 12, dropout: 0,
  bias: true, tie_embeddings: true, activation: 'gelu',
};

describe('appending pads changes neither the loss nor any gradient', () => {
  it('gpt', async () => {
    const idx = [[1, 5, 6, 7, 2], [1, 8, 9, 0, 0]];
    const targets = [[5, 6, 7, 2, 0], [8, 9, 2, 0, 0]];
    const run = (extra: number) => lossAndGradients({ ...base, kind: 'gpt' }, (g) => ({
      input: { kind: 'gpt', idx: g.constant([2, 5 + extra], padColumns(idx, extra)) },
      targets: padColumns(targets, extra),
    }));
    const [short, long] = [await run(0), await run(4)];
    assert.ok(Math.abs(short.loss - long.loss) < 1e-6, `${short.loss} vs ${long.loss}`);
    assertSameGradients(short.grads, long.grads);
  });

  it('encoder-decoder (source and target padding)', async () => {
    const rng = new Rng(3);
    const src = [[4 + rng.int(7), 5, 6, 2], [7, 2, 0, 0]];
    const tgtIn = [[1, 8, 9], [1, 10, 0]];
    const tgtOut = [[8, 9, 2], [10, 2, 0]];
    const mask = (ids: Int32Array) => Int32Array.from(ids, (id) => (id === 0 ? 1 : 0));
    const run = (extraSrc: number, extraTgt: number) => lossAndGradients({ ...base, kind: 'encoder-decoder' }, (g) => {
      const s = padColumns(src, extraSrc);
      const t = padColumns(tgtIn, extraTgt);
      return {
        input: { kind: 'encoder-decoder', src: g.constant([2, 4 + extraSrc], s), srcPad: g.constant([2, 4 + extraSrc], mask(s)),
          tgtIn: g.constant([2, 3 + extraTgt], t), tgtPad: g.constant([2, 3 + extraTgt], mask(t)) },
        targets: padColumns(tgtOut, extraTgt),
      };
    });
    const short = await run(0, 0);
    const long = await run(5, 3);
    assert.ok(Math.abs(short.loss - long.loss) < 1e-6, `${short.loss} vs ${long.loss}`);
    assertSameGradients(short.grads, long.grads);
  });
});
