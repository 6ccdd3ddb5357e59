import type { Graph } from '../graph';
import type { Tensor } from '../tensor';

/** a + b, same shapes. */
export function add(g: Graph, a: Tensor, b: Tensor): Tensor {
  if (a.size !== b.size) throw new Error(`add: sizes differ ([${a.shape.join(', ')}] vs [${b.shape.join(', ')}])`);
  const y = g.output(a.shape, a, b);
  g.kernels.add(a.storage, b.storage, y.storage, a.size);
  g.record(y, (dy) => {
    // x + x adds dy twice into x's gradient: handing dy over first would then add it into itself.
    if (a !== b) g.passGradient(a, dy);
    for (const input of a === b ? [a, b] : [b]) {
      const d = g.gradOf(input);
      if (d) g.kernels.accumulate(d.storage, dy.storage, dy.size, 1);
    }
  });
  return y;
}

/** factor · x. */
export function scale(g: Graph, x: Tensor, factor: number): Tensor {
  const y = g.output(x.shape, x);
  g.kernels.scale(x.storage, factor, y.storage, x.size);
  g.record(y, (dy) => {
    const dx = g.gradOf(x);
    if (dx) g.kernels.accumulate(dx.storage, dy.storage, dy.size, factor);
  });
  return y;
}

/** x[…, start:start+width] of the last dimension (a copy). */
export function sliceLast(g: Graph, x: Tensor, start: number, width: number): Tensor {
  const W = x.shape[x.shape.length - 1];
  const shape = { N: x.size / W, W, start, width };
  const y = g.output([...x.shape.slice(0, -1), width], x);
  g.kernels.sliceForward(x.storage, y.storage, shape);
  g.record(y, (dy) => {
    const dx = g.gradOf(x);
    if (dx) g.kernels.sliceBackward(dy.storage, dx.storage, shape);
  });
  return y;
}

/** Rows [start, start+count) of a 2-D tensor, e.g. one of the q/k/v blocks of a fused in-projection weight. */
export function sliceRows(g: Graph, x: Tensor, start: number, count: number): Tensor {
  const [rows, cols] = x.shape.length === 1 ? [x.shape[0], 1] : x.shape;
  const flat = { N: 1, W: rows * cols, start: start * cols, width: count * cols };
  const y = g.output(x.shape.length === 1 ? [count] : [count, cols], x);
  g.kernels.sliceForward(x.storage, y.storage, flat);
  g.record(y, (dy) => {
    const dx = g.gradOf(x);
    if (dx) g.kernels.sliceBackward(dy.storage, dx.storage, flat);
  });
  return y;
}

/** Inverted dropout with a mask that depends only on (seed, index). Identity when not training or p = 0. */
export function dropout(g: Graph, x: Tensor, p: number, stream: number): Tensor {
  if (!g.training || p === 0) return x;
  const mask = g.tensor(x.shape);
  const y = g.output(x.shape, x);
  g.kernels.dropoutForward(x.storage, mask.storage, y.storage, { n: x.size, p, seed: (g.dropoutSeed ^ Math.imul(stream, 0x27d4eb2f)) >>> 0 });
  g.record(y, (dy) => {
    const dx = g.gradOf(x);
    if (dx) g.kernels.multiplyAccumulate(dy.storage, mask.storage, dx.storage, x.size);
  });
  return y;
}
