import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli';
import { parseRefereeLog, runReferee } from '../support/torch';

/** A training text where lines vary in length, so `sequences: lines` batches carry padding. */
const LINES = Array.from({ length: 120 }, (_, i) => `${i * 7 % 97}+${i * 13 % 89}=${(i * 7 % 97) + (i * 13 % 89)}`).join('\n');
const STORY = 'the cat sat on the mat. a dog ran to the park and the cat saw it. '.repeat(40);
const PAIRS = Array.from({ length: 80 }, (_, i) => {
  const words = ['one', 'two', 'three', 'four', 'five', 'six'].slice(0, 1 + (i % 6));
  return `${words.join(' ')}\t${words.map((w) => w.length).join(' ')}`;
}).join('\n');

interface Scenario {
  name: string;
  data: { file: string; text: string };
  yaml: string;
}

const gptModel = (extra = '') => `model: { kind: gpt, d_model: 16, n_layers: 2, n_heads: 2, d_ff: 32, context: 16${extra} }`;
const seq2seqModel = (extra = '') => `model: { kind: encoder-decoder, d_model: 16, n_encoder_layers: 1, n_decoder_layers: 2, n_heads: 4, d_ff: 24, context: 12${extra} }`;

/** Every schedule kind, both architectures, padding, label smoothing, accumulation, clipping that clips, each optimizer. */
const scenarios: Scenario[] = [
  { name: 'gpt lines (padding) · adamw · cosine warm-up · clipping · accumulation', data: { file: 'lines.txt', text: LINES }, yaml: `
${gptModel()}
data: { train: lines.txt, vocab: char, sequences: lines }
optimizer: { name: adamw, lr: 0.01, weight_decay: 0.1 }
schedule: { warmup_steps: 5, decay: cosine, min_lr: 0.001 }
training: { steps: 20, batch_size: 4, grad_accumulation: 2, grad_clip: 0.5, eval_interval: 0 }` },
  { name: 'gpt lines with the padding mask off (the lesson setting): pads count as targets', data: { file: 'lines.txt', text: LINES }, yaml: `
${gptModel()}
data: { train: lines.txt, vocab: char, sequences: lines }
loss: { ignore_padding: false }
optimizer: { name: adamw, lr: 0.01 }
training: { steps: 20, batch_size: 4, grad_clip: 0.5, eval_interval: 0 }` },
  { name: 'gpt stream · adam (L2) · linear decay · untied, no bias, gelu_tanh', data: { file: 'story.txt', text: STORY }, yaml: `
${gptModel(', bias: false, tie_embeddings: false, activation: gelu_tanh')}
data: { train: story.txt, vocab: byte }
optimizer: { name: adam, lr: 0.005, weight_decay: 0.01 }
schedule: { warmup_steps: 3, decay: linear, min_lr: 0.0005 }
training: { steps: 20, batch_size: 3, grad_clip: 1.0, eval_interval: 0 }` },
  { name: 'gpt stream · sgd nesterov · step decay · relu', data: { file: 'story.txt', text: STORY }, yaml: `
${gptModel(', activation: relu')}
data: { train: story.txt, vocab: word }
optimizer: { name: sgd, lr: 0.5, momentum: 0.9, nesterov: true, weight_decay: 0.001 }
schedule: { decay: step, gamma: 0.5, step_size: 6 }
training: { steps: 20, batch_size: 4, grad_clip: 0, eval_interval: 0 }` },
  { name: 'encoder-decoder · label smoothing · inverse_sqrt · clipping', data: { file: 'pairs.tsv', text: PAIRS }, yaml: `
${seq2seqModel()}
data: { train: pairs.tsv, vocab: word }
loss: { label_smoothing: 0.1 }
optimizer: { name: adamw, lr: 0.003 }
schedule: { warmup_steps: 4, decay: inverse_sqrt }
training: { steps: 20, batch_size: 5, grad_clip: 0.3, eval_interval: 0 }` },
  { name: 'encoder-decoder · accumulation · exponential decay · untied, relu', data: { file: 'pairs.tsv', text: PAIRS }, yaml: `
${seq2seqModel(', tie_embeddings: false, activation: relu')}
data: { train: pairs.tsv, vocab: char }
optimizer: { name: adam, lr: 0.002, betas: [0.8, 0.95] }
schedule: { warmup_steps: 2, decay: exponential, gamma: 0.9, min_lr: 0.0008 }
training: { steps: 20, batch_size: 3, grad_accumulation: 3, grad_clip: 2.0, eval_interval: 0 }` },
  { name: 'encoder-decoder · constant lr · sgd', data: { file: 'pairs.tsv', text: PAIRS }, yaml: `
${seq2seqModel(', activation: gelu')}
data: { train: pairs.tsv, vocab: char, shuffle: false }
optimizer: { name: sgd, lr: 0.05, momentum: 0.5 }
schedule: { decay: constant }
training: { steps: 20, batch_size: 4, grad_clip: 1.0, eval_interval: 0 }` },
];

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('every step equals PyTorch on the same initial weights and batches', () => {
  for (const s of scenarios) {
    it(s.name, async (t) => {
      const dir = tempDir('losslab-parity-');
      writeFileSync(join(dir, s.data.file), s.data.text);
      writeFileSync(join(dir, 'parity.lab.yaml'), `name: parity\nseed: 3\nbackend: cpu-reference\n${s.yaml.trim()}\n`);
      const run = join(dir, 'run');
      const cli = await runCli(['train', join(dir, 'parity.lab.yaml'), '--out', run, '--save-init', join(dir, 'init.safetensors'),
        '--dump-batches', join(dir, 'batches.safetensors'), '--quiet']);
      assert.equal(cli.code, 0, cli.stderr);
      await runReferee(['train', '--config', join(run, 'config.json'), '--init', join(dir, 'init.safetensors'),
        '--batches', join(dir, 'batches.safetensors'), '--steps', '20', '--out', join(dir, 'torch.jsonl')]);
      const ours = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const torch = parseRefereeLog(readFileSync(join(dir, 'torch.jsonl'), 'utf8'));
      assert.equal(ours.length, 20);
      assert.equal(torch.length, 20);
      let clipped = 0;
      let padded = 0;
      let worstLoss = 0;
      let worstNorm = 0;
      for (let i = 0; i < 20; i++) {
        const [a, b] = [ours[i], torch[i]];
        assert.equal(a.step, b.step);
        assert.equal(a.tokens, b.tokens, `step ${a.step} tokens`);
        assert.ok(relative(a.lr, b.lr) < 1e-9, `step ${a.step} lr ${a.lr} vs ${b.lr}`);
        assert.ok(relative(a.loss, b.loss as number) < 1e-4, `step ${a.step} loss ${a.loss} vs ${b.loss}`);
        assert.ok(relative(a.grad_norm, b.grad_norm as number) < 1e-3, `step ${a.step} grad_norm ${a.grad_norm} vs ${b.grad_norm}`);
        assert.ok(relative(a.grad_norm_clipped, b.grad_norm_clipped as number) < 1e-3, `step ${a.step} clipped norm`);
        if (a.grad_norm_clipped < a.grad_norm * 0.999) clipped++;
        worstLoss = Math.max(worstLoss, relative(a.loss, b.loss as number));
        worstNorm = Math.max(worstNorm, relative(a.grad_norm, b.grad_norm as number));
      }
      t.diagnostic(`max relative difference over 20 steps: loss ${worstLoss.toExponential(2)}, grad_norm ${worstNorm.toExponential(2)}`);
      const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
      if (config.training.grad_clip > 0) assert.ok(clipped > 0, 'clipping actually clipped at some step');
      padded = ours.filter((m) => m.tokens < config.training.batch_size * config.training.grad_accumulation * config.model.context).length;
      const padding = config.data.sequences === 'lines' || config.model.kind === 'encoder-decoder';
      if (padding && config.loss.ignore_padding) assert.ok(padded > 0, 'batches carried padding');
    });
  }
});
