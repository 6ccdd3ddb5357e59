import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/engine/rng';
import type { DecayKind, LabConfig, ModelConfig, ScheduleConfig } from '../../src/config/types';
import {
  readTensorFile, referenceOps, referenceSchedule, referenceTrain, torchAvailable, type TensorInput, type TensorResult,
} from '../support/torch';

const f32 = (shape: number[], data: number[]): TensorInput => ({ dtype: 'F32', shape, data });
const i32 = (shape: number[], data: number[]): TensorInput => ({ dtype: 'I32', shape, data });

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    assert.ok(diff <= tolerance * Math.max(1, Math.abs(expected[i])), `${label}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

function output(results: Map<string, TensorResult>, name: string): TensorResult {
  const result = results.get(name);
  assert.ok(result, `referee returned no tensor ${name}; got ${[...results.keys()].join(', ')}`);
  return result;
}

/** The schedule formula of the spec, written independently of the referee. */
function expectedLr(schedule: ScheduleConfig, lr: number, step: number): number {
  const { warmup_steps: w, min_lr: minLr, decay_steps: d, gamma, step_size: stepSize } = schedule;
  if (step <= w) return (lr * step) / w;
  const p = Math.min(1, (step - w) / Math.max(1, d - w));
  const decayed: Record<DecayKind, number> = {
    constant: lr,
    linear: lr - (lr - minLr) * p,
    cosine: minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p)),
    inverse_sqrt: lr * Math.sqrt(Math.max(w, 1) / step),
    exponential: lr * gamma ** (step - w),
    step: lr * gamma ** Math.floor((step - w) / stepSize),
  };
  return Math.max(minLr, decayed[schedule.decay]);
}

function labConfig(model: Partial<ModelConfig> & Pick<ModelConfig, 'kind'>, patch: Partial<Omit<LabConfig, 'model'>> = {}): LabConfig {
  return {
    name: 'referee-test', seed: 1, backend: 'cpu',
    model: {
      d_model: 16, n_layers: 0, n_encoder_layers: 0, n_decoder_layers: 0, n_heads: 2, d_ff: 32, context: 16,
      dropout: 0, bias: true, tie_embeddings: false, activation: 'gelu', ...model,
    },
    data: { train: 'unused.txt', val: null, val_fraction: 0.1, vocab: 'char', shuffle: true, sequences: 'stream', format: 'auto' },
    loss: { label_smoothing: 0, ignore_padding: true },
    optimizer: { name: 'adamw', lr: 0.05, betas: [0.9, 0.95], eps: 1e-8, weight_decay: 0.1, momentum: 0, nesterov: false },
    schedule: { warmup_steps: 0, decay: 'constant', min_lr: 0, decay_steps: 3, gamma: 0.5, step_size: 1 },
    training: { steps: 3, batch_size: 2, grad_accumulation: 1, grad_clip: 0, eval_interval: 0, eval_steps: 0, checkpoint_interval: 0 },
    ...patch,
  };
}

type ParamList = Array<[string, number[]]>;

function gptParameters(m: ModelConfig, vocab: number): ParamList {
  const c = m.d_model;
  const out: ParamList = [['transformer.wte.weight', [vocab, c]], ['transformer.wpe.weight', [m.context, c]]];
  const linear = (name: string, rows: number, cols: number): void => {
    out.push([`${name}.weight`, [rows, cols]]);
    if (m.bias) out.push([`${name}.bias`, [rows]]);
  };
  const norm = (name: string): void => {
    out.push([`${name}.weight`, [c]]);
    if (m.bias) out.push([`${name}.bias`, [c]]);
  };
  for (let i = 0; i < m.n_layers; i++) {
    const p = `transformer.h.${i}`;
    norm(`${p}.ln_1`);
    linear(`${p}.attn.c_attn`, 3 * c, c);
    linear(`${p}.attn.c_proj`, c, c);
    norm(`${p}.ln_2`);
    linear(`${p}.mlp.c_fc`, m.d_ff, c);
    linear(`${p}.mlp.c_proj`, c, m.d_ff);
  }
  norm('transformer.ln_f');
  out.push(['lm_head.weight', [vocab, c]]);
  return out;
}

function encoderDecoderParameters(m: ModelConfig, vocab: number): ParamList {
  const c = m.d_model;
  const out: ParamList = [['src_embed.weight', [vocab, c]], ['tgt_embed.weight', [vocab, c]]];
  const attention = (p: string): void => {
    out.push([`${p}.in_proj_weight`, [3 * c, c]], [`${p}.in_proj_bias`, [3 * c]], [`${p}.out_proj.weight`, [c, c]], [`${p}.out_proj.bias`, [c]]);
  };
  const layer = (p: string, norms: number, cross: boolean): void => {
    attention(`${p}.self_attn`);
    if (cross) attention(`${p}.multihead_attn`);
    out.push([`${p}.linear1.weight`, [m.d_ff, c]], [`${p}.linear1.bias`, [m.d_ff]], [`${p}.linear2.weight`, [c, m.d_ff]], [`${p}.linear2.bias`, [c]]);
    for (let n = 1; n <= norms; n++) out.push([`${p}.norm${n}.weight`, [c]], [`${p}.norm${n}.bias`, [c]]);
  };
  for (let i = 0; i < m.n_encoder_layers; i++) layer(`transformer.encoder.layers.${i}`, 2, false);
  out.push(['transformer.encoder.norm.weight', [c]], ['transformer.encoder.norm.bias', [c]]);
  for (let i = 0; i < m.n_decoder_layers; i++) layer(`transformer.decoder.layers.${i}`, 3, true);
  out.push(['transformer.decoder.norm.weight', [c]], ['transformer.decoder.norm.bias', [c]], ['generator.weight', [vocab, c]]);
  return out;
}

/** Seeded weights: N(0, 0.1) matrices, 1 + N(0, 0.1) norm gains, N(0, 0.02) biases; tied heads copy their embedding. */
function randomWeights(params: ParamList, seed: number, tied: [string, string] | null): Record<string, TensorInput> {
  const rng = new Rng(seed);
  const weights: Record<string, TensorInput> = {};
  for (const [name, shape] of params) {
    const count = shape.reduce((a, b) => a * b, 1);
    const isGain = shape.length === 1 && name.endsWith('weight');
    const std = shape.length >= 2 ? 0.1 : isGain ? 0.1 : 0.02;
    const data = Array.from({ length: count }, () => (isGain ? 1 : 0) + rng.normal() * std);
    weights[name] = f32(shape, data);
  }
  if (tied) weights[tied[1]] = { ...weights[tied[0]] };
  return weights;
}

const countNonPad = (data: readonly number[], pad: number): number => data.filter((t) => t !== pad).length;

describe('PyTorch referee environment', () => {
  test('python3 imports torch and numpy (the parity tests need them)', () => {
    const status = torchAvailable();
    assert.ok(status.ok, `PyTorch referee unavailable: ${status.reason}`);
  });
});

describe('referee ops: hand-computed values', () => {
  test('cross_entropy of the worked example and its gradient softmax - onehot', async () => {
    const probs = [0.7, 0.2, 0.05, 0.03, 0.02];
    const r = await referenceOps(
      [{ name: 'ce', op: 'cross_entropy', attrs: { ignore_index: -1 }, inputs: ['logits', 'target'], grad_output: 'one' }],
      { logits: f32([1, 5], probs.map(Math.log)), target: i32([1], [0]), one: f32([1], [1]) },
    );
    assertClose(output(r, 'ce.out').data, [0.35667494393873245], 1e-6, 'loss');
    assertClose(output(r, 'ce.grad.0').data, [-0.3, 0.2, 0.05, 0.03, 0.02], 1e-6, 'dlogits');
  });

  test('an ignored target contributes nothing; scale multiplies the sum; label smoothing mixes in the mean -log p', async () => {
    const probs = [0.7, 0.2, 0.05, 0.03, 0.02];
    const logits = f32([2, 5], [...probs.map(Math.log), 3, -1, 0.5, 2, 7]);
    const cases = [
      { name: 'ignored', op: 'cross_entropy' as const, attrs: { ignore_index: 4 }, inputs: ['logits', 'targets'], grad_output: 'one' },
      { name: 'scaled', op: 'cross_entropy' as const, attrs: { ignore_index: 4, scale: 0.25 }, inputs: ['logits', 'targets'] },
      { name: 'smooth', op: 'cross_entropy' as const, attrs: { ignore_index: 4, label_smoothing: 0.1 }, inputs: ['logits', 'targets'] },
    ];
    const r = await referenceOps(cases, { logits, targets: i32([2], [0, 4]), one: f32([1], [1]) });
    assertClose(output(r, 'ignored.out').data, [-Math.log(0.7)], 1e-6, 'loss without the ignored row');
    assertClose(output(r, 'ignored.grad.0').data.subarray(5), [0, 0, 0, 0, 0], 0, 'ignored row gradient');
    assertClose(output(r, 'scaled.out').data, [-Math.log(0.7) * 0.25], 1e-6, 'scaled loss');
    const meanNll = probs.reduce((s, p) => s - Math.log(p), 0) / 5;
    assertClose(output(r, 'smooth.out').data, [0.9 * -Math.log(0.7) + 0.1 * meanNll], 1e-6, 'smoothed loss');
  });

  test('linear forward and gradients with known numbers', async () => {
    const r = await referenceOps(
      [{ name: 'lin', op: 'linear', inputs: ['x', 'w', 'b'], grad_output: 'g' }],
      { x: f32([2, 2], [1, 2, 3, 4]), w: f32([3, 2], [1, 0, 0, 1, 1, 1]), b: f32([3], [0.5, -0.5, 0]), g: f32([2, 3], [1, 1, 1, 1, 1, 1]) },
    );
    assertClose(output(r, 'lin.out').data, [1.5, 1.5, 3, 3.5, 3.5, 7], 1e-6, 'y = xW^T + b');
    assertClose(output(r, 'lin.grad.0').data, [2, 2, 2, 2], 1e-6, 'dx = g W');
    assertClose(output(r, 'lin.grad.1').data, [4, 6, 4, 6, 4, 6], 1e-6, 'dW = g^T x');
    assertClose(output(r, 'lin.grad.2').data, [2, 2, 2], 1e-6, 'db = column sums of g');
  });

  test('embedding, layer_norm, activations, slice, add, scale and softmax', async () => {
    const r = await referenceOps(
      [
        { name: 'emb', op: 'embedding', inputs: ['idx', 'table'], grad_output: 'g32' },
        { name: 'ln', op: 'layer_norm', inputs: ['row', 'gain', 'shift'] },
        { name: 'gelu', op: 'gelu', inputs: ['pts'] },
        { name: 'gelu_tanh', op: 'gelu_tanh', inputs: ['pts'] },
        { name: 'relu', op: 'relu', inputs: ['pts'], grad_output: 'ones2' },
        { name: 'slice', op: 'slice_last', attrs: { start: 1, width: 2 }, inputs: ['row'] },
        { name: 'add', op: 'add', inputs: ['pts', 'pts'] },
        { name: 'scale', op: 'scale', attrs: { factor: -3 }, inputs: ['pts'] },
        { name: 'softmax', op: 'softmax', inputs: ['logp'] },
      ],
      {
        idx: i32([3], [2, 0, 2]), table: f32([3, 2], [1, 2, 3, 4, 5, 6]), g32: f32([3, 2], [1, 1, 1, 1, 1, 1]),
        row: f32([1, 4], [1, 2, 3, 4]), gain: f32([4], [2, 2, 2, 2]), shift: f32([4], [1, 0, 0, 0]),
        pts: f32([1, 2], [-1, 1]), ones2: f32([1, 2], [1, 1]), logp: f32([1, 3], [Math.log(0.5), Math.log(0.3), Math.log(0.2)]),
      },
    );
    assertClose(output(r, 'emb.out').data, [5, 6, 1, 2, 5, 6], 0, 'rows 2, 0, 2');
    assertClose(output(r, 'emb.grad.1').data, [1, 1, 0, 0, 2, 2], 0, 'row 2 picked twice');
    const sd = Math.sqrt(1.25 + 1e-5);
    assertClose(output(r, 'ln.out').data, [1 + (2 * -1.5) / sd, (2 * -0.5) / sd, (2 * 0.5) / sd, (2 * 1.5) / sd], 1e-6, 'layer_norm');
    const phi1 = 0.8413447460685429;
    assertClose(output(r, 'gelu.out').data, [-(1 - phi1), phi1], 1e-6, 'erf gelu');
    const tanhGelu = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    assertClose(output(r, 'gelu_tanh.out').data, [tanhGelu(-1), tanhGelu(1)], 1e-6, 'tanh gelu');
    assertClose(output(r, 'relu.out').data, [0, 1], 0, 'relu');
    assertClose(output(r, 'relu.grad.0').data, [0, 1], 0, 'relu gradient');
    assertClose(output(r, 'slice.out').data, [2, 3], 0, 'columns 1..2');
    assertClose(output(r, 'add.out').data, [-2, 2], 0, 'add');
    assertClose(output(r, 'scale.out').data, [3, -3], 0, 'scale');
    assertClose(output(r, 'softmax.out').data, [0.5, 0.3, 0.2], 1e-6, 'softmax of log-probabilities');
  });

  test('attention: uniform, causal, padded and a hand-solved softmax', async () => {
    const v = f32([1, 3, 2], [1, 2, 3, 4, 5, 6]);
    const zeros = f32([1, 3, 2], [0, 0, 0, 0, 0, 0]);
    const r = await referenceOps(
      [
        { name: 'full', op: 'attention', attrs: { n_heads: 2, causal: false }, inputs: ['zq', 'zk', 'v'] },
        { name: 'causal', op: 'attention', attrs: { n_heads: 2, causal: true }, inputs: ['zq', 'zk', 'v'] },
        { name: 'padded', op: 'attention', attrs: { n_heads: 1, causal: false }, inputs: ['zq', 'zk', 'v', 'mask'] },
        { name: 'solved', op: 'attention', attrs: { n_heads: 1, causal: false }, inputs: ['q1', 'k2', 'v2'], grad_output: 'g' },
      ],
      {
        zq: zeros, zk: zeros, v, mask: i32([1, 3], [0, 0, 1]),
        q1: f32([1, 1, 2], [Math.SQRT2, 0]), k2: f32([1, 2, 2], [Math.log(3), 0, 0, 0]), v2: f32([1, 2, 2], [4, 0, 0, 8]), g: f32([1, 1, 2], [1, 1]),
      },
    );
    assertClose(output(r, 'full.out').data, [3, 4, 3, 4, 3, 4], 1e-6, 'mean of all values');
    assertClose(output(r, 'causal.out').data, [1, 2, 2, 3, 3, 4], 1e-6, 'prefix means');
    assertClose(output(r, 'padded.out').data, [2, 3, 2, 3, 2, 3], 1e-6, 'padded key excluded');
    // Scores = [ln 3, 0] after the 1/sqrt(2) scale, so the weights are [3/4, 1/4].
    assertClose(output(r, 'solved.out').data, [3, 2], 1e-6, 'weighted values');
    assertClose(output(r, 'solved.grad.2').data, [0.75, 0.75, 0.25, 0.25], 1e-6, 'dV = weights^T g');
  });

  test('clip with a known norm', async () => {
    const r = await referenceOps([{ name: 'clip', op: 'clip', attrs: { max_norm: 6.5 }, inputs: ['a', 'b'] }], {
      a: f32([2], [3, 4]),
      b: f32([1, 1], [12]),
    });
    const coef = 6.5 / (13 + 1e-6);
    assertClose(output(r, 'clip.out').data, [13, 6.5], 1e-6, 'norms before and after');
    assertClose(output(r, 'clip.clipped.0').data, [3 * coef, 4 * coef], 1e-6, 'first gradient');
    assertClose(output(r, 'clip.clipped.1').data, [12 * coef], 1e-6, 'second gradient');
  });

  test('two AdamW steps match the formula; weight decay only on matrices', async () => {
    const p0 = [0.5, -0.3, 0.8, 0.1];
    const grads = [[0.1, -0.2, 0.3, 0.05], [-0.05, 0.1, 0.2, -0.4]];
    const lrs = [0.1, 0.05];
    const [b1, b2, eps, wd] = [0.9, 0.999, 1e-8, 0.1];
    const adamw = (decay: number): number[] => {
      const p = [...p0];
      const m = [0, 0, 0, 0];
      const v = [0, 0, 0, 0];
      const history: number[] = [];
      grads.forEach((g, k) => {
        const t = k + 1;
        for (let i = 0; i < p.length; i++) {
          p[i] *= 1 - lrs[k] * decay;
          m[i] = b1 * m[i] + (1 - b1) * g[i];
          v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
          p[i] -= (lrs[k] * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
        }
        history.push(...p);
      });
      return history;
    };
    const attrs = { name: 'adamw', lr: lrs, betas: [b1, b2], eps, weight_decay: wd };
    const r = await referenceOps(
      [
        { name: 'matrix', op: 'optimizer', attrs, inputs: ['pm', 'gm'] },
        { name: 'vector', op: 'optimizer', attrs, inputs: ['pv', 'gv'] },
      ],
      { pm: f32([2, 2], p0), gm: f32([2, 2, 2], grads.flat()), pv: f32([4], p0), gv: f32([2, 4], grads.flat()) },
    );
    assert.deepEqual(output(r, 'matrix.out').shape, [2, 2, 2]);
    assertClose(output(r, 'matrix.out').data, adamw(wd), 1e-6, 'decayed matrix');
    assertClose(output(r, 'vector.out').data, adamw(0), 1e-6, 'undecayed vector');
    // First Adam step moves each entry by about lr against its gradient's sign.
    assertClose(output(r, 'vector.out').data.subarray(0, 4), [0.4, -0.2, 0.7, 0.0], 1e-6, 'first step ≈ p - lr·sign(g)');
  });
});

describe('referee schedule', () => {
  const schedule = (decay: DecayKind): ScheduleConfig => ({ warmup_steps: 3, decay, min_lr: 1e-4, decay_steps: 11, gamma: 0.5, step_size: 2 });
  const kinds: DecayKind[] = ['constant', 'linear', 'cosine', 'inverse_sqrt', 'exponential', 'step'];

  test('the formula itself at hand-picked steps', () => {
    assert.equal(expectedLr(schedule('cosine'), 1e-3, 1), 1e-3 / 3);
    assertClose([expectedLr(schedule('cosine'), 1e-3, 7)], [5.5e-4], 1e-12, 'cosine half way');
    assertClose([expectedLr(schedule('linear'), 1e-3, 7)], [5.5e-4], 1e-12, 'linear half way');
    assertClose([expectedLr(schedule('linear'), 1e-3, 14)], [1e-4], 1e-15, 'linear after decay_steps');
    assert.equal(expectedLr(schedule('inverse_sqrt'), 1e-3, 12), 5e-4);
    assert.equal(expectedLr(schedule('exponential'), 1e-3, 5), 2.5e-4);
    assert.equal(expectedLr(schedule('exponential'), 1e-3, 8), 1e-4);
    assert.equal(expectedLr(schedule('step'), 1e-3, 4), 1e-3);
    assert.equal(expectedLr(schedule('step'), 1e-3, 7), 2.5e-4);
  });

  for (const decay of kinds) {
    test(`${decay}: lr of steps 1..14 equals the formula`, async () => {
      const config = labConfig({ kind: 'gpt', n_layers: 1 }, { schedule: schedule(decay) });
      config.optimizer.lr = 1e-3;
      const rates = await referenceSchedule(config, 14);
      const expected = Array.from({ length: 14 }, (_, k) => expectedLr(config.schedule, 1e-3, k + 1));
      assertClose(rates, expected, 1e-12, decay);
    });
  }
});

/** gpt batches of a learnable pattern (next token = token + 1 mod 12); micro-batches differ in length; pad = 12. */
function gptBatches(steps: number, seed: number): { batches: Record<string, TensorInput>; tokens: number[] } {
  const rng = new Rng(seed);
  const batches: Record<string, TensorInput> = {};
  const tokens: number[] = [];
  for (let s = 1; s <= steps; s++) {
    let stepTokens = 0;
    [8, 6].forEach((len, micro) => {
      const idx: number[] = [];
      const targets: number[] = [];
      for (let row = 0; row < 2; row++) {
        const start = rng.int(12);
        for (let t = 0; t < len; t++) {
          const padded = micro === 1 && row === 1 && t >= len - 2;
          idx.push(padded ? 12 : (start + t) % 12);
          targets.push(padded ? 12 : (start + t + 1) % 12);
        }
      }
      batches[`s${s}.m${micro}.idx`] = i32([2, len], idx);
      batches[`s${s}.m${micro}.targets`] = i32([2, len], targets);
      stepTokens += countNonPad(targets, 12);
    });
    tokens.push(stepTokens);
  }
  return { batches, tokens };
}

/** Copy-task batches: tgt = BOS + src, src rows of length 5 and 3 (pad = 0, BOS = 1, EOS = 2). */
function copyBatches(steps: number, seed: number): { batches: Record<string, TensorInput>; tokens: number[] } {
  const rng = new Rng(seed);
  const batches: Record<string, TensorInput> = {};
  const tokens: number[] = [];
  for (let s = 1; s <= steps; s++) {
    const src: number[] = [];
    const tgtIn: number[] = [];
    const tgtOut: number[] = [];
    for (const len of [5, 3]) {
      const words = Array.from({ length: len }, () => 3 + rng.int(9));
      src.push(...words, ...Array(5 - len).fill(0));
      tgtIn.push(1, ...words, ...Array(5 - len).fill(0));
      tgtOut.push(...words, 2, ...Array(5 - len).fill(0));
    }
    batches[`s${s}.m0.src`] = i32([2, 5], src);
    batches[`s${s}.m0.tgt_in`] = i32([2, 6], tgtIn);
    batches[`s${s}.m0.tgt_out`] = i32([2, 6], tgtOut);
    tokens.push(countNonPad(tgtOut, 0));
  }
  return { batches, tokens };
}

function assertTrainingLog(log: Awaited<ReturnType<typeof referenceTrain>>, config: LabConfig, tokens: number[]): void {
  assert.deepEqual(log.map((r) => r.step), [1, 2, 3]);
  assert.deepEqual(log.map((r) => r.tokens), tokens);
  const losses = log.map((r) => r.loss);
  for (const record of log) {
    assert.ok(Number.isFinite(record.loss) && Number.isFinite(record.grad_norm), `finite loss and norm: ${JSON.stringify(record)}`);
    assertClose([record.lr], [expectedLr(config.schedule, config.optimizer.lr, record.step)], 1e-12, `lr of step ${record.step}`);
    const clip = config.training.grad_clip;
    const expectedClipped = clip > 0 ? Math.min(record.grad_norm ?? NaN, clip) : record.grad_norm ?? NaN;
    assertClose([record.grad_norm_clipped ?? NaN], [expectedClipped], 1e-5, `clipped norm of step ${record.step}`);
  }
  assert.ok((losses[2] ?? Infinity) < (losses[0] ?? -Infinity), `loss should go down: ${losses.join(', ')}`);
}

describe('referee train', () => {
  test('tiny gpt: 3 steps with accumulation, clipping and warm-up + cosine; grads and logits dumps', async () => {
    const config = labConfig(
      { kind: 'gpt', n_layers: 2, tie_embeddings: true, activation: 'gelu_tanh' },
      { schedule: { warmup_steps: 2, decay: 'cosine', min_lr: 0.005, decay_steps: 3, gamma: 0.5, step_size: 1 } },
    );
    config.training = { ...config.training, grad_accumulation: 2, grad_clip: 0.5 };
    const params = gptParameters(config.model, 13);
    const { batches, tokens } = gptBatches(3, 7);
    const dir = await mkdtemp(path.join(tmpdir(), 'losslab-referee-test-'));
    try {
      const weights = randomWeights(params, 42, ['transformer.wte.weight', 'lm_head.weight']);
      const log = await referenceTrain({ config, weights, batches, padId: 12, steps: 3, dir, dumpGrads: true, dumpLogits: true });
    assertTrainingLog(log, config, tokens);
      assert.deepEqual(tokens, [26, 26, 26]);

      const grads = (await readTensorFile(path.join(dir, 'grads.safetensors'))).tensors;
      assert.deepEqual([...grads.keys()].sort(), params.map(([name]) => name).sort());
      for (const [name, shape] of params) assert.deepEqual(grads.get(name)?.shape, shape, name);
      assert.deepEqual(grads.get('lm_head.weight')?.data, grads.get('transformer.wte.weight')?.data, 'tied gradient');
      // The logged pre-clip norm is the norm of the dumped gradients, the tied matrix counted once.
      const squares = params.filter(([name]) => name !== 'lm_head.weight')
        .reduce((sum, [name]) => sum + Array.from(grads.get(name)?.data ?? []).reduce((s, g) => s + g * g, 0), 0);
      assertClose([log[0].grad_norm ?? NaN], [Math.sqrt(squares)], 1e-5, 'grad_norm');

      const logits = (await readTensorFile(path.join(dir, 'logits.safetensors'))).tensors.get('logits');
      assert.deepEqual(logits?.shape, [2, 8, 13]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('tiny encoder-decoder: 3 steps of Adam with label smoothing and linear decay', async () => {
    const config = labConfig(
      { kind: 'encoder-decoder', n_encoder_layers: 1, n_decoder_layers: 2, activation: 'relu' },
      {
        loss: { label_smoothing: 0.1, ignore_padding: true },
        schedule: { warmup_steps: 0, decay: 'linear', min_lr: 0.001, decay_steps: 3, gamma: 0.5, step_size: 1 },
      },
    );
    config.optimizer = { ...config.optimizer, name: 'adam', lr: 0.01, weight_decay: 0.01 };
    const { batches, tokens } = copyBatches(3, 11);
    const weights = randomWeights(encoderDecoderParameters(config.model, 12), 43, null);
    const log = await referenceTrain({ config, weights, batches, padId: 0, steps: 3 });
    assertTrainingLog(log, config, tokens);
    assert.deepEqual(tokens, [10, 10, 10]);
  });

  test('strict loading rejects weights with a missing tensor, naming it', async () => {
    const config = labConfig({ kind: 'gpt', n_layers: 1, bias: false });
    const weights = randomWeights(gptParameters(config.model, 13), 1, null);
    delete weights['transformer.h.0.attn.c_proj.weight'];
    const { batches } = gptBatches(1, 1);
    await assert.rejects(referenceTrain({ config, weights, batches, padId: 12, steps: 1 }), /Missing key.*transformer\.h\.0\.attn\.c_proj\.weight/s);
  });

  test('configs the reference cannot reproduce fail with a clear message', async () => {
    const dropout = labConfig({ kind: 'gpt', n_layers: 1, dropout: 0.1 });
    const { batches } = gptBatches(1, 1);
    const gptWeights = randomWeights(gptParameters(dropout.model, 13), 1, null);
    await assert.rejects(referenceTrain({ config: dropout, weights: gptWeights, batches, padId: 12, steps: 1 }), /dropout must be 0/);
    const noBias = labConfig({ kind: 'encoder-decoder', n_encoder_layers: 1, n_decoder_layers: 1, bias: false });
    const encWeights = randomWeights(encoderDecoderParameters({ ...noBias.model, bias: true }, 12), 1, null);
    const copy = copyBatches(1, 1).batches;
    await assert.rejects(referenceTrain({ config: noBias, weights: encWeights, batches: copy, padId: 0, steps: 1 }), /bias = false is not supported/);
  });
});
