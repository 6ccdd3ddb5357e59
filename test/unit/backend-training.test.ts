import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/engine/backend';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { prepareData } from '../../src/engine/data/prepare';
import { Trainer, type StepResult } from '../../src/engine/train/trainer';
import { parseConfigText } from '../../src/config';
import { backendsUnderTest } from '../support/backends';

/** Every step's loss and gradient norms, and the final weights, must equal the CPU run to this relative error. */
const TOLERANCE = 1e-4;
const STEPS = 20;

const LINES = Array.from({ length: 120 }, (_, i) => `${i * 7 % 97}+${i * 13 % 89}=${(i * 7 % 97) + (i * 13 % 89)}`).join('\n');
const STORY = 'the cat sat on the mat. a dog ran to the park and the cat saw it. '.repeat(40);
const PAIRS = Array.from({ length: 80 }, (_, i) => {
  const words = ['one', 'two', 'three', 'four', 'five', 'six'].slice(0, 1 + (i % 6));
  return `${words.join(' ')}\t${words.map((w) => w.length).join(' ')}`;
}).join('\n');

/** Both architectures; padding, dropout, label smoothing, accumulation, clipping that clips, every optimizer. */
const scenarios = [
  { name: 'gpt · padded lines · adamw · clipping · accumulation · dropout', text: LINES, file: 'lines.txt', yaml: `
model: { kind: gpt, d_model: 16, n_layers: 2, n_heads: 2, d_ff: 32, context: 16, dropout: 0.1 }
data: { train: TRAIN, vocab: char, sequences: lines }
optimizer: { name: adamw, lr: 0.01, weight_decay: 0.1 }
schedule: { warmup_steps: 5, decay: cosine, min_lr: 0.001 }
training: { steps: ${STEPS}, batch_size: 4, grad_accumulation: 2, grad_clip: 0.5, eval_interval: 0 }` },
  { name: 'gpt · stream · sgd nesterov · untied, no bias, gelu_tanh', text: STORY, file: 'story.txt', yaml: `
model: { kind: gpt, d_model: 16, n_layers: 2, n_heads: 4, d_ff: 32, context: 16, bias: false, tie_embeddings: false, activation: gelu_tanh }
data: { train: TRAIN, vocab: byte }
optimizer: { name: sgd, lr: 0.5, momentum: 0.9, nesterov: true, weight_decay: 0.001 }
schedule: { decay: step, gamma: 0.5, step_size: 6 }
training: { steps: ${STEPS}, batch_size: 3, grad_clip: 0, eval_interval: 0 }` },
  { name: 'encoder-decoder · label smoothing · adam · clipping · dropout · relu', text: PAIRS, file: 'pairs.tsv', yaml: `
model: { kind: encoder-decoder, d_model: 16, n_encoder_layers: 1, n_decoder_layers: 2, n_heads: 4, d_ff: 24, context: 12, dropout: 0.1, activation: relu }
data: { train: TRAIN, vocab: word }
loss: { label_smoothing: 0.1 }
optimizer: { name: adam, lr: 0.003 }
schedule: { warmup_steps: 4, decay: inverse_sqrt }
training: { steps: ${STEPS}, batch_size: 5, grad_accumulation: 2, grad_clip: 0.3, eval_interval: 0 }` },
];

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/**
 * The weights to compare. Key biases are left out: softmax ignores a shift shared by all of a row's scores, so their
 * gradient is zero in exact arithmetic and each backend feeds only its own rounding noise into Adam.
 */
function comparable(name: string, values: Float32Array): Float32Array {
  if (!name.endsWith('c_attn.bias') && !name.endsWith('in_proj_bias')) return values;
  const C = values.length / 3;
  return Float32Array.from([...values.subarray(0, C), ...values.subarray(2 * C)]);
}

async function train(backend: Backend, yaml: string, text: string, file: string): Promise<{ steps: StepResult[]; weights: Map<string, Float32Array>; valLoss: number }> {
  const { config, diagnostics } = parseConfigText(`name: backend-parity\nseed: 5\n${yaml.trim().replace('TRAIN', file)}\n`, 'parity.lab.yaml');
  assert.ok(config, diagnostics.map((d) => d.message).join('; '));
  const trainer = new Trainer(config, prepareData(config, { train: text, val: null }), { backend });
  const steps: StepResult[] = [];
  for (let i = 0; i < STEPS; i++) steps.push(await trainer.trainStep());
  const weights = new Map([...(await trainer.weights())].map(([name, t]) => [name, t.data]));
  return { steps, weights, valLoss: (await trainer.evaluate()).val_loss };
}

for (const { name: backendName, create } of backendsUnderTest().filter((b) => b.name !== 'cpu-reference')) {
  describe(`a ${STEPS}-step training run equals the CPU run (${backendName})`, () => {
    for (const s of scenarios) {
      it(s.name, async (t) => {
        const expected = await train(new CpuBackend(), s.yaml, s.text, s.file);
        const actual = await train(await create(), s.yaml, s.text, s.file);
        let worst = 0;
        let clipped = 0;
        for (let i = 0; i < STEPS; i++) {
          const [a, e] = [actual.steps[i].metrics, expected.steps[i].metrics];
          assert.equal(a.tokens, e.tokens);
          assert.equal(actual.steps[i].nonFinite, null);
          for (const key of ['loss', 'grad_norm', 'grad_norm_clipped'] as const) {
            const error = relative(a[key], e[key]);
            worst = Math.max(worst, error);
            assert.ok(error < TOLERANCE, `step ${i + 1} ${key}: ${a[key]} vs ${e[key]}`);
          }
          if (e.grad_norm_clipped < e.grad_norm * 0.999) clipped++;
        }
        assert.ok(relative(actual.valLoss, expected.valLoss) < TOLERANCE, `validation loss ${actual.valLoss} vs ${expected.valLoss}`);
        for (const [name, weights] of expected.weights) {
          const reference = comparable(name, weights);
          const ours = comparable(name, actual.weights.get(name) as Float32Array);
          const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
          const error = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i])), 0) / scale;
          assert.ok(error < TOLERANCE, `final ${name}: relative error ${error}`);
        }
        if (s.yaml.includes('grad_clip: 0.')) assert.ok(clipped > 0, 'clipping clipped at some step');
        t.diagnostic(`max relative difference of loss and norms over ${STEPS} steps: ${worst.toExponential(2)}`);
      });
    }
  });
}
