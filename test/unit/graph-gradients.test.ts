// How the tape routes gradients through additions: an activation takes its output's gradient buffer instead of a
// copy, a parameter or input never does, and x + x still counts x twice. Every backend runs the same graph.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph } from '../../src/engine/graph';
import { add, scale } from '../../src/engine/ops/elementwise';
import { fromArray, type Tensor } from '../../src/engine/tensor';
import { backendsUnderTest } from '../support/backends';

const read = async (t: Tensor | null | undefined): Promise<number[]> => Array.from((await t!.read()) as Float32Array);

for (const { name, create } of backendsUnderTest()) {
  describe(`gradients through additions (${name})`, () => {
    it('a residual chain shares one gradient buffer and still gets every contribution', async () => {
      const backend = await create();
      const g = new Graph(backend, true);
      const x = fromArray(backend, [4], Float32Array.of(1, -2, 3, 0.5), true);
      const h0 = scale(g, x, 1);
      const h1 = add(g, h0, scale(g, h0, 2));
      const h2 = add(g, h1, scale(g, h1, -0.5));
      g.backwardFrom(h2, fromArray(backend, [4], Float32Array.of(1, 2, 3, 4)));
      // h2 = h1 − 0.5·h1 = 0.5·(3·h0) = 1.5·x.
      assert.equal(h1.grad, h2.grad, 'h1 takes h2’s gradient buffer');
      assert.equal(h0.grad, h1.grad, 'h0 takes h1’s gradient buffer');
      assert.deepEqual(await read(x.grad), [1.5, 3, 4.5, 6]);
      g.dispose();
    });

    it('x + x counts x twice, and a leaf tensor gets its own gradient buffer', async () => {
      const backend = await create();
      const g = new Graph(backend, true);
      const leaf = fromArray(backend, [3], Float32Array.of(1, 2, 3), true);
      const doubled = add(g, leaf, leaf);
      const h = scale(g, leaf, 3);
      const y = add(g, add(g, h, h), doubled);
      const dy = fromArray(backend, [3], Float32Array.of(1, -1, 0.25));
      g.backwardFrom(y, dy);
      // y = 2·(3·leaf) + 2·leaf = 8·leaf.
      assert.deepEqual(await read(leaf.grad), [8, -8, 2]);
      assert.notEqual(leaf.grad, doubled.grad, 'a tensor the graph does not own keeps its own gradient');
      assert.deepEqual(await read(dy), [1, -1, 0.25], 'the caller’s upstream gradient is left as it was');
      g.dispose();
    });
  });
}
