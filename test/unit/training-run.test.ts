import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LabConfig } from '../../src/config/types';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { prepareData } from '../../src/engine/data/prepare';
import { TrainingRun, type RunStatus } from '../../src/engine/train/run';
import { Trainer } from '../../src/engine/train/trainer';

const config: LabConfig = {
  name: 'loop', seed: 4, backend: 'cpu',
  model: { kind: 'gpt', d_model: 8, n_layers: 1, n_encoder_layers: 0, n_decoder_layers: 0, n_heads: 2, d_ff: 16, context: 8, dropout: 0, bias: true, tie_embeddings: true, activation: 'gelu' },
  data: { train: 'x.txt', val: null, val_fraction: 0.2, vocab: 'char', shuffle: true, sequences: 'stream', format: 'auto' },
  loss: { label_smoothing: 0, ignore_padding: true },
  optimizer: { name: 'adamw', lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, momentum: 0, nesterov: false },
  schedule: { warmup_steps: 0, decay: 'constant', min_lr: 0, decay_steps: 12, gamma: 0.95, step_size: 100 },
  training: { steps: 12, batch_size: 2, grad_accumulation: 1, grad_clip: 1, eval_interval: 4, eval_steps: 1, checkpoint_interval: 5 },
};

function trainer(): Trainer {
  return new Trainer(config, prepareData(config, { train: 'abcdefgh ijklmnop '.repeat(20), val: null }), { backend: new CpuBackend() });
}

it('the training loop runs to the end, evaluating and checkpointing on schedule', async () => {
  const events: string[] = [];
  const run = new TrainingRun(trainer(), {
    onStep: (m) => void events.push(`step ${m.step}`),
    onEval: (m) => void events.push(`eval ${m.step}`),
    onCheckpoint: (step) => void events.push(`checkpoint ${step}`),
    onStatus: (s) => void events.push(s),
  });
  assert.equal(await run.run(), 'finished');
  assert.deepEqual(events.filter((e) => !e.startsWith('step')), ['running', 'eval 4', 'checkpoint 5', 'eval 8', 'checkpoint 10', 'eval 12', 'finished']);
  assert.equal(events.filter((e) => e.startsWith('step')).length, 12);
});

it('pause holds the loop between steps; resume continues; stop while paused ends it', async () => {
  const t = trainer();
  const statuses: RunStatus[] = [];
  let reachedPause: () => void = () => undefined;
  const pausedAt = (step: number) => new Promise<void>((resolve) => (reachedPause = () => t.step === step && resolve()));
  const run: TrainingRun = new TrainingRun(t, {
    onStep: (m) => { if (m.step === 3 || m.step === 7) run.pause(); },
    onStatus: (s) => { statuses.push(s); if (s === 'paused') reachedPause(); },
  });
  let paused = pausedAt(3);
  const done = run.run();
  await paused;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(t.step, 3, 'no step while paused');
  paused = pausedAt(7);
  run.resume();
  await paused;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(t.step, 7, 'paused again after step 7');
  run.stop();
  assert.equal(await done, 'stopped');
  assert.equal(t.step, 7);
  assert.deepEqual(statuses, ['running', 'paused', 'running', 'paused', 'stopped']);
});
