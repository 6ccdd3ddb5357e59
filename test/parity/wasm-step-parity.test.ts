import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from '../../src/config';
import { prepareData } from '../../src/engine/data/prepare';
import { PAD_ID } from '../../src/engine/data/vocab';
import { WasmBackend } from '../../src/engine/backends/wasm';
import type { StepMetrics } from '../../src/engine/train/metrics';
import { Trainer } from '../../src/engine/train/trainer';
import type { Tensor as StoredTensor } from '../../src/engine/io/safetensors';
import { dumpBatch } from '../../src/node/session';
import { referenceTrain, type TensorInput } from '../support/torch';

/**
 * The wasm backend trains step for step like PyTorch. The CLI's step-parity test cannot select this backend yet
 * (the config's `backend` accepts auto | cpu | webgpu), so this drives the Trainer directly with the same
 * kinds of scenarios: both architectures, padding, smoothing, accumulation, clipping, each optimizer.
 */
const LINES = Array.from({ length: 120 }, (_, i) => `${i * 7 % 97}+${i * 13 % 89}=${(i * 7 % 97) + (i * 13 % 89)}`).join('\n');
const STORY = 'the cat sat on the mat. a dog ran to the park and the cat saw it. '.repeat(40);
const PAIRS = Array.from({ length: 80 }, (_, i) => {
  const words = ['one', 'two', 'three', 'four', 'five', 'six'].slice(0, 1 + (i % 6));
  return `${words.join(' ')}\t${words.map((w) => w.length).join(' ')}`;
}).join('\n');

const gpt = (extra = '') => `model: { kind: gpt, d_model: 32, n_layers: 2, n_heads: 4, d_ff: 64, context: 24${extra} }`;
const seq2seq = (extra = '') =>
  `model: { kind: encoder-decoder, d_model: 16, n_encoder_layers: 1, n_decoder_layers: 2, n_heads: 4, d_ff: 24, context: 12${extra} }`;

const scenarios = [
  { name: 'gpt lines (padding) · adamw · cosine warm-up · clipping · accumulation', text: LINES, yaml: `
${gpt()}
data: { train: data.txt, vocab: char, sequences: lines }
optimizer: { name: adamw, lr: 0.01, weight_decay: 0.1 }
schedule: { warmup_steps: 5, decay: cosine, min_lr: 0.001 }
training: { steps: 20, batch_size: 6, grad_accumulation: 2, grad_clip: 0.5, eval_interval: 0 }` },
  { name: 'gpt stream · adam (L2) · untied, no bias, gelu_tanh', text: STORY, yaml: `
${gpt(', bias: false, tie_embeddings: false, activation: gelu_tanh')}
data: { train: data.txt, vocab: byte }
optimizer: { name: adam, lr: 0.005, weight_decay: 0.01 }
schedule: { warmup_steps: 3, decay: linear, min_lr: 0.0005 }
training: { steps: 20, batch_size: 5, grad_clip: 1.0, eval_interval: 0 }` },
  { name: 'gpt stream · sgd nesterov · relu', text: STORY, yaml: `
${gpt(', activation: relu')}
data: { train: data.txt, vocab: word }
optimizer: { name: sgd, lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.001 }
schedule: { decay: step, gamma: 0.5, step_size: 6 }
training: { steps: 20, batch_size: 4, grad_clip: 0, eval_interval: 0 }` },
  { name: 'encoder-decoder · label smoothing · accumulation · clipping', text: PAIRS, yaml: `
${seq2seq()}
data: { train: data.tsv, vocab: word }
loss: { label_smoothing: 0.1 }
optimizer: { name: adamw, lr: 0.003 }
schedule: { warmup_steps: 4, decay: inverse_sqrt }
training: { steps: 20, batch_size: 5, grad_accumulation: 2, grad_clip: 0.3, eval_interval: 0 }` },
];

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('the wasm backend trains step for step like PyTorch', () => {
  let backend: WasmBackend;
  before(async () => {
    backend = await WasmBackend.create({ threads: 2 });
  });
  after(() => backend.dispose());

  for (const s of scenarios) {
    it(s.name, async (t) => {
      const file = s.text === PAIRS ? 'data.tsv' : 'data.txt';
      const parsed = parseConfigText(`name: parity\nseed: 3\n${s.yaml.trim()}\n`, 'parity.lab.yaml');
      assert.ok(parsed.config, parsed.diagnostics.map((d) => d.message).join('\n'));
      const config = parsed.config;
      assert.equal(config.data.train, file);
      const batches: Record<string, StoredTensor> = {};
      const trainer = new Trainer(config, prepareData(config, { train: s.text, val: null }), {
        backend, onBatch: (step, micro, batch) => dumpBatch(batches, step, micro, batch),
      });
      const weights: Record<string, TensorInput> = {};
      for (const [name, w] of await trainer.weights()) weights[name] = { dtype: 'F32', shape: w.shape, data: w.data };
      const ours: StepMetrics[] = [];
      for (let i = 0; i < 20; i++) ours.push((await trainer.trainStep()).metrics);
      const torch = await referenceTrain({ config, weights, batches, padId: PAD_ID, steps: 20 });
      assert.equal(torch.length, 20);
      let worstLoss = 0, worstNorm = 0;
      for (let i = 0; i < 20; i++) {
        const [a, b] = [ours[i], torch[i]];
        assert.equal(a.tokens, b.tokens, `step ${a.step} tokens`);
        assert.ok(relative(a.loss, b.loss as number) < 1e-4, `step ${a.step} loss ${a.loss} vs ${b.loss}`);
        assert.ok(relative(a.grad_norm, b.grad_norm as number) < 1e-3, `step ${a.step} grad_norm ${a.grad_norm} vs ${b.grad_norm}`);
        assert.ok(relative(a.grad_norm_clipped, b.grad_norm_clipped as number) < 1e-3, `step ${a.step} clipped norm`);
        worstLoss = Math.max(worstLoss, relative(a.loss, b.loss as number));
        worstNorm = Math.max(worstNorm, relative(a.grad_norm, b.grad_norm as number));
      }
      t.diagnostic(`max relative difference over 20 steps: loss ${worstLoss.toExponential(2)}, grad_norm ${worstNorm.toExponential(2)}`);
    });
  }
});
