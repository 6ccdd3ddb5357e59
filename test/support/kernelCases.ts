import type { ActivationKind, Backend, BackendName, Kernels, Storage } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';

type Data = Float32Array | Int32Array;

/**
 * A direct call of backend kernels on concrete data. Every tensor in `tensors` is uploaded, `run` calls kernels on
 * them, and every tensor named in `compare` is read back. Gradient outputs start non-zero so that a kernel which
 * overwrites instead of adding fails.
 */
export interface KernelCase {
  name: string;
  tensors: Record<string, Data>;
  compare: string[];
  /** Names compared bit for bit (dropout masks, pass-through values). */
  exact?: string[];
  /** The backends that run the case besides the CPU reference (default: all). */
  backends?: BackendName[];
  run: (k: Kernels, t: Record<string, Storage>) => void;
}

function normal(rng: Rng, n: number, std = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * std);
}

function ints(rng: Rng, n: number, below: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(below));
}

/**
 * Attention forward and backward; with `keepWeights`, through saved softmax weights (backends with a weights budget);
 * with `packed`, q, k, v as one projection [B,T,3C] and their gradient as one [B,T,3C].
 */
function attentionCase(name: string, rng: Rng, s: { B: number; Tq: number; Tk: number; C: number; H: number; causal: boolean },
  pad: Int32Array | null, keepWeights = false, packed = false): KernelCase {
  const { B, Tq, Tk, C, H } = s;
  const tensors: Record<string, Data> = {
    dy: normal(rng, B * Tq * C), y: new Float32Array(B * Tq * C), lse: new Float32Array(B * H * Tq),
    ...(packed
      ? { qkv: normal(rng, B * Tq * 3 * C), dqkv: normal(rng, B * Tq * 3 * C) }
      : { q: normal(rng, B * Tq * C), k: normal(rng, B * Tk * C), v: normal(rng, B * Tk * C),
        dq: normal(rng, B * Tq * C), dk: normal(rng, B * Tk * C), dv: normal(rng, B * Tk * C) }),
  };
  if (pad) tensors.pad = pad;
  if (keepWeights) tensors.weights = normal(rng, B * H * Tq * Tk);
  return {
    name: `${packed ? `${name}, packed q/k/v` : name}${keepWeights ? ', through saved weights' : ''}`, tensors,
    compare: ['y', 'lse', ...(packed ? ['dqkv'] : ['dq', 'dk', 'dv']), ...(keepWeights ? ['weights'] : [])],
    backends: keepWeights ? ['wasm'] : undefined,
    run: (kn, t) => {
      const keyPad = pad ? t.pad : null;
      const weights = keepWeights ? t.weights : null;
      const [q, k, v] = packed ? [t.qkv, t.qkv, t.qkv] : [t.q, t.k, t.v];
      const [dq, dk, dv] = packed ? [t.dqkv, t.dqkv, t.dqkv] : [t.dq, t.dk, t.dv];
      const shape = { ...s, packed };
      kn.attentionForward(q, k, v, keyPad, t.y, t.lse, weights, shape);
      kn.attentionBackward(t.dy, q, k, v, keyPad, t.y, t.lse, weights, dq, dk, dv, shape);
    },
  };
}

/** Kernel calls beyond the op suite: tile edges, long rows, fully masked rows, optimizers, norms and dropout bits. */
export function kernelCases(): KernelCase[] {
  const rng = new Rng(2024);
  const linear = (N: number, I: number, O: number): KernelCase => ({
    name: `linear ${N}×${I}→${O} forward and backward`,
    tensors: { x: normal(rng, N * I), w: normal(rng, O * I), b: normal(rng, O), y: new Float32Array(N * O), dy: normal(rng, N * O),
      dx: normal(rng, N * I), dw: normal(rng, O * I), db: normal(rng, O) },
    compare: ['y', 'dx', 'dw', 'db'],
    run: (k, t) => {
      k.linearForward(t.x, t.w, t.b, t.y, { N, I, O });
      k.linearBackward(t.dy, t.x, t.w, t.dx, t.dw, t.db, { N, I, O });
    },
  });
  // The fused activation and the gated dx: on the wasm backend they are GEMM epilogues (tile edges, 1 and 2 threads).
  const linearThroughActivation = (N: number, I: number, O: number, kind: ActivationKind): KernelCase => ({
    name: `linear ${N}×${I}→${O} through ${kind}, dx gated by the slope`,
    tensors: { x: normal(rng, N * I), w: normal(rng, O * I, 0.3), b: normal(rng, O), y: new Float32Array(N * O), slope: new Float32Array(N * O),
      dy: normal(rng, N * O), gate: normal(rng, N * I), dx: normal(rng, N * I), dw: normal(rng, O * I), db: normal(rng, O) },
    compare: ['y', 'slope', 'dx', 'dw', 'db'],
    run: (k, t) => {
      k.linearForward(t.x, t.w, t.b, t.y, { N, I, O }, { kind, slope: t.slope });
      k.linearBackward(t.dy, t.x, t.w, t.dx, t.dw, t.db, { N, I, O }, t.gate);
    },
  });
  const padded = Int32Array.from({ length: 3 * 7 }, (_, i) => (i >= 7 && i < 14) || i % 7 === 6 ? 1 : 0);
  const ln = (C: number, withDx: boolean, withDw: boolean, withDb: boolean): KernelCase => ({
    name: `layer norm C=${C} (dx ${withDx}, dw ${withDw}, db ${withDb})`,
    tensors: { x: normal(rng, 9 * C, 3), w: normal(rng, C), b: normal(rng, C), y: new Float32Array(9 * C), mean: new Float32Array(9),
      rstd: new Float32Array(9), dy: normal(rng, 9 * C), dx: normal(rng, 9 * C), dw: normal(rng, C), db: normal(rng, C) },
    compare: ['y', 'mean', 'rstd', 'dx', 'dw', 'db'],
    run: (k, t) => {
      const s = { N: 9, C, eps: 1e-5 };
      k.layerNormForward(t.x, t.w, t.b, t.y, t.mean, t.rstd, s);
      k.layerNormBackward(t.dy, t.x, t.w, t.mean, t.rstd, withDx ? t.dx : null, withDw ? t.dw : null, withDb ? t.db : null, s);
    },
  });
  const extremes = Float32Array.from({ length: 64 }, (_, i) => (i - 32) * 0.95);
  return [
    linear(70, 130, 67),
    linear(3, 1, 5),
    linear(129, 64, 65),
    // Parallel on the wasm backend: large chunks, then a tail of small ones, over rows (row-major A) and dW tiles.
    linear(1000, 64, 150),
    linearThroughActivation(70, 130, 67, 'gelu'),
    linearThroughActivation(13, 24, 40, 'gelu_tanh'),
    linearThroughActivation(1000, 64, 150, 'relu'),
    linearThroughActivation(40, 600, 20, 'gelu'),
    attentionCase('attention causal, 150 positions, head size 16', rng, { B: 2, Tq: 150, Tk: 150, C: 32, H: 2, causal: true }, null),
    attentionCase('attention cross, a fully padded batch row', rng, { B: 3, Tq: 4, Tk: 7, C: 24, H: 3, causal: false }, padded),
    attentionCase('attention causal with Tq < Tk and padding', rng, { B: 3, Tq: 5, Tk: 7, C: 24, H: 3, causal: true }, padded),
    attentionCase('attention head size 64', rng, { B: 1, Tq: 40, Tk: 40, C: 128, H: 2, causal: true }, null),
    attentionCase('attention causal, 150 positions, head size 16', rng, { B: 2, Tq: 150, Tk: 150, C: 32, H: 2, causal: true }, null, true),
    attentionCase('attention causal, 136 positions, head size 32', rng, { B: 2, Tq: 136, Tk: 136, C: 64, H: 2, causal: true }, null, true),
    attentionCase('attention cross, a fully padded batch row', rng, { B: 3, Tq: 4, Tk: 7, C: 24, H: 3, causal: false }, padded, true),
    attentionCase('attention causal with Tq < Tk and padding', rng, { B: 3, Tq: 5, Tk: 8, C: 24, H: 3, causal: true },
      Int32Array.from({ length: 3 * 8 }, (_, i) => (i >= 8 && i < 16) || i % 8 === 7 ? 1 : 0), true),
    attentionCase('attention causal, 150 positions, head size 16', rng, { B: 2, Tq: 150, Tk: 150, C: 32, H: 2, causal: true }, null, false, true),
    attentionCase('attention with padding', rng, { B: 3, Tq: 7, Tk: 7, C: 24, H: 3, causal: false }, padded, false, true),
    attentionCase('attention causal, 136 positions, head size 32', rng, { B: 2, Tq: 136, Tk: 136, C: 64, H: 2, causal: true }, null, true, true),
    ln(200, true, true, true),
    ln(200, true, false, false),
    ln(37, false, true, false),
    ln(37, false, false, true),
    {
      name: 'embedding with many repeated ids',
      tensors: { idx: ints(rng, 300, 50), w: normal(rng, 50 * 20), y: new Float32Array(300 * 20), dy: normal(rng, 300 * 20), dw: normal(rng, 50 * 20) },
      compare: ['y', 'dw'], exact: ['y'],
      run: (k, t) => {
        k.embeddingForward(t.idx, t.w, t.y, { N: 300, C: 20, V: 50 });
        k.embeddingBackward(t.dy, t.idx, t.dw, { N: 300, C: 20, V: 50 });
      },
    },
    {
      name: 'cross-entropy over 300 classes with ignored rows and smoothing',
      tensors: { z: normal(rng, 13 * 300, 3), tg: Int32Array.from({ length: 13 }, (_, i) => (i % 4 === 0 ? 0 : 1 + ((i * 37) % 299))),
        loss: new Float32Array(1), lse: new Float32Array(13), dLoss: Float32Array.of(0.7), dz: normal(rng, 13 * 300) },
      compare: ['loss', 'lse', 'dz'],
      run: (k, t) => {
        const s = { N: 13, V: 300, ignoreIndex: 0, smoothing: 0.2, scale: 0.1 };
        k.crossEntropyForward(t.z, t.tg, t.loss, t.lse, s);
        k.crossEntropyBackward(t.dLoss, t.z, t.tg, t.lse, t.dz, s);
      },
    },
    ...[[0.3, 12345], [0.5, 0], [0.9, 4294967295]].map(([p, seed]): KernelCase => ({
      name: `dropout p=${p} seed=${seed}: the same mask bits`,
      tensors: { x: normal(rng, 1000), mask: new Float32Array(1000), y: new Float32Array(1000), dy: normal(rng, 1000), dx: normal(rng, 1000) },
      compare: ['mask', 'y', 'dx'], exact: ['mask', 'y'],
      run: (k, t) => {
        k.dropoutForward(t.x, t.mask, t.y, { n: 1000, p, seed });
        k.multiplyAccumulate(t.dy, t.mask, t.dx, 1000);
      },
    })),
    ...(['gelu', 'gelu_tanh', 'relu'] as const).map((kind): KernelCase => ({
      name: `${kind} at large |x|`,
      tensors: { x: extremes, y: new Float32Array(64), slope: new Float32Array(64), dy: normal(rng, 64), dx: normal(rng, 64) },
      compare: ['y', 'slope', 'dx'],
      run: (k, t) => {
        k.activationForward(kind, t.x, t.y, t.slope, 64);
        k.multiplyAccumulate(t.dy, t.slope, t.dx, 64);
      },
    })),
    ...[0.5, 0, 1e6].map((maxNorm): KernelCase => ({
      name: `sum of squares, global norm and clip scale (max norm ${maxNorm})`,
      tensors: { a: normal(rng, 1000), b: normal(rng, 7), c: normal(rng, 300, 0.01), stats: new Float32Array(5) },
      compare: ['stats', 'a', 'b', 'c'],
      run: (k, t) => {
        ['a', 'b', 'c'].forEach((name, i) => k.sumOfSquares(t[name], [1000, 7, 300][i], t.stats, i));
        k.globalNorm(t.stats, 3, maxNorm);
        ['a', 'b', 'c'].forEach((name, i) => k.scaleByElement(t[name], t.stats, 4, [1000, 7, 300][i]));
      },
    })),
    ...[true, false].map((decoupled): KernelCase => ({
      name: `${decoupled ? 'AdamW' : 'Adam'} update, three steps`,
      tensors: { p: normal(rng, 500), g: normal(rng, 500), m: normal(rng, 500, 0.1), v: Float32Array.from(normal(rng, 500), (x) => x * x) },
      compare: ['p', 'm', 'v'],
      run: (k, t) => {
        for (let step = 1; step <= 3; step++) {
          k.adamUpdate(t.p, t.g, t.m, t.v, 500, { lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decoupled, step });
        }
      },
    })),
    {
      // The optimizer multiplies each gradient by the clip coefficient as it reads it (WebGPU fuses it into the update).
      name: 'AdamW and SGD updates of gradients clipped by a coefficient on the device',
      tensors: {
        pa: normal(rng, 700), ga: normal(rng, 700), m: normal(rng, 700, 0.1), v: Float32Array.from(normal(rng, 700), (x) => x * x),
        ps: normal(rng, 300), gs: normal(rng, 300), buf: normal(rng, 300), stats: new Float32Array(4),
      },
      compare: ['pa', 'm', 'v', 'ps', 'buf'],
      run: (k, t) => {
        k.sumOfSquares(t.ga, 700, t.stats, 0);
        k.sumOfSquares(t.gs, 300, t.stats, 1);
        k.globalNorm(t.stats, 2, 0.5);
        const gradScale = { factors: t.stats, index: 3 };
        k.adamUpdate(t.pa, t.ga, t.m, t.v, 700, { lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decoupled: true, step: 2 }, gradScale);
        k.sgdUpdate(t.ps, t.gs, t.buf, 300, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01, firstStep: false }, gradScale);
      },
    },
    ...[[0.9, true], [0.5, false], [0, false]].map(([momentum, nesterov]): KernelCase => ({
      name: `SGD momentum ${momentum}${nesterov ? ' Nesterov' : ''}, three steps`,
      tensors: { p: normal(rng, 300), g: normal(rng, 300), buf: normal(rng, 300) },
      compare: ['p', 'buf'],
      run: (k, t) => {
        for (let step = 1; step <= 3; step++) {
          k.sgdUpdate(t.p, t.g, t.buf, 300, { lr: 0.1, momentum: momentum as number, nesterov: nesterov as boolean, weightDecay: 0.01, firstStep: step === 1 });
        }
      },
    })),
    {
      // Zeroed gradients still hold stale data on a GPU that zeroes lazily: a kernel that overwrites them must write
      // every element, including fully masked attention rows, padded keys and ignored cross-entropy rows.
      name: 'backward kernels into gradients just zeroed with fill',
      tensors: {
        q: normal(rng, 3 * 4 * 24), k: normal(rng, 3 * 7 * 24), v: normal(rng, 3 * 7 * 24), pad: padded, y: new Float32Array(3 * 4 * 24),
        lse: new Float32Array(3 * 3 * 4), dy: normal(rng, 3 * 4 * 24), dq: normal(rng, 3 * 4 * 24), dk: normal(rng, 3 * 7 * 24), dv: normal(rng, 3 * 7 * 24),
        w: normal(rng, 5 * 24), dyLin: normal(rng, 12 * 5), dx: normal(rng, 12 * 24), dw: normal(rng, 5 * 24), db: normal(rng, 5),
        lnW: normal(rng, 24), mean: new Float32Array(12), rstd: new Float32Array(12), lnY: new Float32Array(12 * 24), dxLn: normal(rng, 12 * 24),
        dwLn: normal(rng, 24), dbLn: normal(rng, 24), idx: ints(rng, 12, 6), dEmb: normal(rng, 6 * 24), dAct: normal(rng, 12 * 24),
        mask: new Float32Array(12 * 24), dDrop: normal(rng, 12 * 24), z: normal(rng, 4 * 9), tg: Int32Array.of(0, 3, 0, 8), ceLse: new Float32Array(4),
        ceLoss: new Float32Array(1), dLoss: Float32Array.of(1.5), dz: normal(rng, 4 * 9), acc: normal(rng, 12 * 24),
      },
      compare: ['dq', 'dk', 'dv', 'dx', 'dw', 'db', 'dxLn', 'dwLn', 'dbLn', 'dEmb', 'dAct', 'dDrop', 'dz', 'acc'],
      run: (k, t) => {
        const zero = (...names: string[]) => names.forEach((n) => k.fill(t[n], 0, t[n].length));
        zero('dq', 'dk', 'dv', 'dx', 'dw', 'db', 'dxLn', 'dwLn', 'dbLn', 'dEmb', 'dAct', 'dDrop', 'dz', 'acc');
        const att = { B: 3, Tq: 4, Tk: 7, C: 24, H: 3, causal: false };
        k.attentionForward(t.q, t.k, t.v, t.pad, t.y, t.lse, null, att);
        k.attentionBackward(t.dy, t.q, t.k, t.v, t.pad, t.y, t.lse, null, t.dq, t.dk, t.dv, att);
        k.linearBackward(t.dyLin, t.dx, t.w, null, t.dw, t.db, { N: 12, I: 24, O: 5 });
        k.linearBackward(t.dyLin, t.dxLn, t.w, t.dx, null, null, { N: 12, I: 24, O: 5 });
        k.layerNormForward(t.dAct, t.lnW, null, t.lnY, t.mean, t.rstd, { N: 12, C: 24, eps: 1e-5 });
        k.layerNormBackward(t.dy, t.dAct, t.lnW, t.mean, t.rstd, t.dxLn, t.dwLn, t.dbLn, { N: 12, C: 24, eps: 1e-5 });
        k.embeddingBackward(t.dy, t.idx, t.dEmb, { N: 12, C: 24, V: 6 });
        k.activationForward('relu', t.q, t.lnY, t.mask, 12 * 24);
        k.multiplyAccumulate(t.dy, t.mask, t.dAct, 12 * 24);
        k.dropoutForward(t.q, t.mask, t.lnY, { n: 12 * 24, p: 0.4, seed: 9 });
        k.multiplyAccumulate(t.dy, t.mask, t.dDrop, 12 * 24);
        const ce = { N: 4, V: 9, ignoreIndex: 0, smoothing: 0.1, scale: 0.5 };
        k.crossEntropyForward(t.z, t.tg, t.ceLoss, t.ceLse, ce);
        k.crossEntropyBackward(t.dLoss, t.z, t.tg, t.ceLse, t.dz, ce);
        k.accumulate(t.acc, t.dy, 12 * 24, -0.5);
      },
    },
    {
      name: 'fill, scale, accumulate, add and slices on part of a buffer',
      tensors: { a: normal(rng, 10), b: normal(rng, 10), c: normal(rng, 10), d: normal(rng, 10), e: normal(rng, 12), f: normal(rng, 4 * 3), g: normal(rng, 12) },
      compare: ['a', 'b', 'c', 'd', 'f', 'g'],
      run: (k, t) => {
        k.fill(t.a, 2.5, 7);
        k.scale(t.b, -1.5, t.b, 6);
        k.accumulate(t.c, t.d, 9, 0.25);
        k.add(t.a, t.c, t.d, 8);
        k.sliceForward(t.e, t.f, { N: 3, W: 4, start: 1, width: 3 });
        k.sliceBackward(t.f, t.g, { N: 3, W: 4, start: 1, width: 3 });
      },
    },
  ];
}

/** Runs a case on a backend and reads back the compared tensors. */
export async function runKernelCase(backend: Backend, c: KernelCase): Promise<Map<string, Data>> {
  const stored: Record<string, Storage> = {};
  for (const [name, data] of Object.entries(c.tensors)) stored[name] = backend.upload(data);
  c.run(backend.kernels, stored);
  const out = new Map<string, Data>();
  for (const name of c.compare) out.set(name, await backend.read(stored[name], c.tensors[name] instanceof Int32Array ? 'i32' : 'f32'));
  for (const storage of Object.values(stored)) backend.release(storage);
  return out;
}
