import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverrides, formatDiagnostic, isConfigFileName, parseConfigText, type LabConfig } from '../../src/config';

const MINIMAL_YAML = `name: tiny
model:
  kind: gpt
data:
  train: data/train.txt
`;

const EXPECTED_MINIMAL: LabConfig = {
  name: 'tiny',
  seed: 1337,
  backend: 'auto',
  model: {
    kind: 'gpt',
    d_model: 64,
    n_layers: 2,
    n_encoder_layers: 0,
    n_decoder_layers: 0,
    n_heads: 4,
    d_ff: 256,
    context: 64,
    dropout: 0,
    bias: true,
    tie_embeddings: true,
    activation: 'gelu',
  },
  data: { train: '/home/ada/lab/data/train.txt', val: null, val_fraction: 0.1, vocab: 'char', shuffle: true, sequences: 'stream', format: 'auto' },
  loss: { label_smoothing: 0, ignore_padding: true },
  optimizer: { name: 'adamw', lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, momentum: 0, nesterov: false },
  schedule: { warmup_steps: 0, decay: 'constant', min_lr: 0, decay_steps: 200, gamma: 0.95, step_size: 100 },
  training: { steps: 200, batch_size: 16, grad_accumulation: 1, grad_clip: 1, eval_interval: 50, eval_steps: 10, checkpoint_interval: 0, max_memory_mb: 0 },
};

test('a minimal YAML config resolves to the full config with every default', () => {
  const result = parseConfigText(MINIMAL_YAML, '/home/ada/lab/tiny.lab.yaml');
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.config, EXPECTED_MINIMAL);
});

test('a fully written YAML config keeps every value it sets', () => {
  const text = `$schema: ./lab.schema.json
name: full.run_1
seed: 0
backend: cpu
model:
  kind: gpt
  d_model: 96
  n_layers: 3
  n_heads: 6
  d_ff: 200
  context: 128
  dropout: 0.2
  bias: false
  tie_embeddings: false
  activation: gelu_tanh
data:
  train: /abs/train.txt
  val: ../common/val.txt
  vocab: byte
  shuffle: false
  sequences: lines
loss:
  label_smoothing: 0.05
optimizer:
  name: adam
  lr: 3e-4
  betas: [0.8, 0.95]
  eps: 1.0e-6
  weight_decay: 0.5
schedule:
  warmup_steps: 10
  decay: step
  min_lr: 1e-5
  decay_steps: 300
  gamma: 0.5
  step_size: 25
training:
  steps: 400
  batch_size: 8
  grad_accumulation: 4
  grad_clip: ~
  eval_interval: 0
  eval_steps: 3
  checkpoint_interval: 100
`;
  const result = parseConfigText(text, '/home/ada/lab/configs/full.lab.yml');
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.config, {
    name: 'full.run_1',
    seed: 0,
    backend: 'cpu',
    model: { kind: 'gpt', d_model: 96, n_layers: 3, n_encoder_layers: 0, n_decoder_layers: 0, n_heads: 6, d_ff: 200, context: 128, dropout: 0.2, bias: false, tie_embeddings: false, activation: 'gelu_tanh' },
    data: { train: '/abs/train.txt', val: '/home/ada/lab/common/val.txt', val_fraction: 0, vocab: 'byte', shuffle: false, sequences: 'lines', format: 'auto' },
    loss: { label_smoothing: 0.05, ignore_padding: true },
    optimizer: { name: 'adam', lr: 3e-4, betas: [0.8, 0.95], eps: 1e-6, weight_decay: 0.5, momentum: 0, nesterov: false },
    schedule: { warmup_steps: 10, decay: 'step', min_lr: 1e-5, decay_steps: 300, gamma: 0.5, step_size: 25 },
    training: { steps: 400, batch_size: 8, grad_accumulation: 4, grad_clip: 0, eval_interval: 0, eval_steps: 3, checkpoint_interval: 100, max_memory_mb: 0 },
  } satisfies LabConfig);
});

test('a JSON encoder-decoder config (with comments) resolves kind-specific defaults and Windows paths', () => {
  const text = `{
  // a translation toy
  "name": "translate",
  "model": { "kind": "encoder-decoder", "d_model": 32, "n_encoder_layers": 3 },
  "data": { "train": "data\\\\pairs.tsv", "val": "..\\\\held-out.jsonl", "vocab": "word", "format": "jsonl" },
  "optimizer": { "name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": true },
  "training": { "steps": 30, "grad_clip": 0, },
}`;
  const result = parseConfigText(text, 'C:\\Users\\ada\\lab\\translate.lab.json');
  assert.deepEqual(result.diagnostics, []);
  const config = result.config as LabConfig;
  assert.deepEqual(config.model, {
    kind: 'encoder-decoder', d_model: 32, n_layers: 0, n_encoder_layers: 3, n_decoder_layers: 2, n_heads: 4, d_ff: 128, context: 64, dropout: 0, bias: true, tie_embeddings: true, activation: 'gelu',
  });
  assert.deepEqual(config.data, {
    train: 'C:\\Users\\ada\\lab\\data\\pairs.tsv', val: 'C:\\Users\\ada\\held-out.jsonl', val_fraction: 0, vocab: 'word', shuffle: true, sequences: 'stream', format: 'jsonl',
  });
  assert.deepEqual(config.optimizer, { name: 'sgd', lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, momentum: 0.9, nesterov: true });
  assert.equal(config.schedule.decay_steps, 30);
  assert.equal(config.training.grad_clip, 0);
});

test('configDir overrides the folder of the file name, and a bare file name keeps paths relative', () => {
  const withDir = parseConfigText(MINIMAL_YAML, 'tiny.lab.yaml', { configDir: '/srv/runs/' });
  assert.equal(withDir.config?.data.train, '/srv/runs/data/train.txt');
  const bare = parseConfigText(MINIMAL_YAML.replace('data/train.txt', './data/../train.txt'), 'tiny.lab.yaml');
  assert.equal(bare.config?.data.train, 'train.txt');
});

test('weight decay defaults depend on the optimizer', () => {
  const weightDecay = (name: string): number | undefined =>
    parseConfigText(`${MINIMAL_YAML}optimizer:\n  name: ${name}\n`, 'x.lab.yaml').config?.optimizer.weight_decay;
  assert.equal(weightDecay('adamw'), 0.01);
  assert.equal(weightDecay('adam'), 0);
  assert.equal(weightDecay('sgd'), 0);
});

test('warnings alone still give a config', () => {
  const result = parseConfigText(`${MINIMAL_YAML}schedule:\n  warmup_steps: 300\n`, 'x.lab.yaml');
  assert.equal(result.diagnostics.length, 1);
  assert.equal(result.diagnostics[0].severity, 'warning');
  assert.equal(result.config?.schedule.warmup_steps, 300);
});

test('applyOverrides sets dotted paths, converts CLI strings and re-derives dependent defaults', () => {
  const result = applyOverrides(MINIMAL_YAML, '/lab/tiny.lab.yaml', { 'training.steps': 5, 'model.bias': 'false', 'optimizer.lr': '0.01' });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.config?.training.steps, 5);
  assert.equal(result.config?.schedule.decay_steps, 5);
  assert.equal(result.config?.model.bias, false);
  assert.equal(result.config?.optimizer.lr, 0.01);
});

test('a bad override is reported as coming from the override, at the spot the file sets that key', () => {
  const text = `${MINIMAL_YAML}training:\n  steps: 100\n`;
  const result = applyOverrides(text, 'tiny.lab.yaml', { 'training.steps': 0 });
  assert.equal(result.config, null);
  assert.equal(result.diagnostics.length, 1);
  const [d] = result.diagnostics;
  assert.deepEqual([d.line, d.column, d.path], [7, 10, 'training.steps']);
  assert.match(d.message, /must be an integer ≥ 1 and ≤ 10000000, got 0\..*set by the override training\.steps=0/);
});

test('formatDiagnostic prints file:line:col: severity: path: message', () => {
  const [d] = parseConfigText(MINIMAL_YAML.replace('kind: gpt', 'kind: gtp'), 'runs/tiny.lab.yaml').diagnostics;
  assert.equal(formatDiagnostic(d), 'runs/tiny.lab.yaml:3:9: error: model.kind: "gtp" is not one of gpt, encoder-decoder; did you mean "gpt"?');
  const [empty] = parseConfigText('', 'e.lab.yaml').diagnostics;
  assert.equal(formatDiagnostic(empty), 'e.lab.yaml:1:1: error: the config is empty; it needs at least name, model (with kind) and data (with train).');
});

test('isConfigFileName accepts .lab.yaml, .lab.yml and .lab.json only', () => {
  for (const name of ['a.lab.yaml', 'dir/b.lab.yml', 'C:\\x\\c.LAB.JSON', '/x/y.lab.json']) assert.equal(isConfigFileName(name), true, name);
  for (const name of ['a.yaml', 'lab.yaml', 'a.lab.yaml.bak', 'a.lab.toml', 'a-lab.json']) assert.equal(isConfigFileName(name), false, name);
});
