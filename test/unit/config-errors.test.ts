import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateParameters, parseConfigText, type ConfigDiagnostic, type ModelConfig } from '../../src/config';

const BASE = 'name: tiny\nmodel:\n  kind: gpt\ndata:\n  train: t.txt\n';
const MODEL_KEYS = 'kind, d_model, n_layers, n_encoder_layers, n_decoder_layers, n_heads, d_ff, context, dropout, bias, tie_embeddings, activation';
const TRAINING_KEYS = 'steps, batch_size, grad_accumulation, grad_clip, eval_interval, eval_steps, checkpoint_interval, max_memory_mb';

interface Expected {
  line: number;
  column: number;
  path: string;
  severity?: 'error' | 'warning';
  message: string | RegExp;
}

function diagnose(text: string, fileName = 'run.lab.yaml'): ConfigDiagnostic[] {
  return parseConfigText(text, fileName).diagnostics;
}

function assertDiagnostic(actual: ConfigDiagnostic | undefined, expected: Expected): void {
  assert.ok(actual, `missing diagnostic for ${expected.path}`);
  assert.deepEqual([actual.line, actual.column, actual.path, actual.severity], [expected.line, expected.column, expected.path, expected.severity ?? 'error']);
  if (typeof expected.message === 'string') assert.equal(actual.message, expected.message);
  else assert.match(actual.message, expected.message);
}

function assertOnly(text: string, expected: Expected, fileName?: string): void {
  const diagnostics = diagnose(text, fileName);
  assert.equal(diagnostics.length, 1, diagnostics.map((d) => d.message).join('\n'));
  assertDiagnostic(diagnostics[0], expected);
}

test('unknown keys: did-you-mean within the section, on the key itself', () => {
  const diagnostics = diagnose('name: tiny\nmodel:\n  kind: gpt\n  d_mdoel: 32\ndata:\n  train: t.txt\n');
  assert.equal(diagnostics.length, 1);
  assertDiagnostic(diagnostics[0], { line: 4, column: 3, path: 'model.d_mdoel', message: `unknown key; did you mean "d_model"? Allowed keys in model: ${MODEL_KEYS}.` });
  assert.deepEqual([diagnostics[0].endLine, diagnostics[0].endColumn, diagnostics[0].length], [4, 10, 7]);
});

test('unknown keys that live in another section say where they belong', () => {
  assertOnly(`${BASE}training:\n  lr: 0.1\n`, { line: 7, column: 3, path: 'training.lr', message: `unknown key; "lr" belongs in optimizer. Allowed keys in training: ${TRAINING_KEYS}.` });
  assertOnly(`${BASE}training:\n  weight_decy: 0.1\n`, { line: 7, column: 3, path: 'training.weight_decy', message: `unknown key; did you mean optimizer.weight_decay? Allowed keys in training: ${TRAINING_KEYS}.` });
  assertOnly(`${BASE}d_model: 32\n`, { line: 6, column: 1, path: 'd_model', message: /^unknown key; "d_model" belongs in model\. Allowed keys at the top level: name, seed, backend, model, data/ });
});

test('enum values: what is allowed, with a did-you-mean', () => {
  assertOnly(`${BASE}optimizer:\n  name: adam_w\n`, { line: 7, column: 9, path: 'optimizer.name', message: '"adam_w" is not one of adamw, adam, sgd; did you mean "adamw"?' });
  assertOnly(`${BASE}schedule:\n  decay: 5\n`, { line: 7, column: 10, path: 'schedule.decay', message: 'must be one of constant, linear, cosine, inverse_sqrt, exponential, step, got 5.' });
});

test('ranges and types: the allowed range or type, and what was found', () => {
  assertOnly('name: tiny\nmodel:\n  kind: gpt\n  d_model: 3.5\ndata:\n  train: t.txt\n', { line: 4, column: 12, path: 'model.d_model', message: 'must be an integer ≥ 8 and ≤ 2048, got 3.5.' });
  assertOnly('name: tiny\nmodel:\n  kind: gpt\n  bias: "yes"\ndata:\n  train: t.txt\n', { line: 4, column: 9, path: 'model.bias', message: 'must be a boolean (true or false), got a string ("yes"); write true or false without quotes.' });
  assertOnly(`${BASE}training:\n  steps: "100"\n`, { line: 7, column: 10, path: 'training.steps', message: 'must be an integer ≥ 1 and ≤ 10000000, got a string ("100"); remove the quotes to make it a number.' });
  assertOnly(`${BASE}training:\n  grad_clip: -1\n`, { line: 7, column: 14, path: 'training.grad_clip', message: 'must be a number ≥ 0, or null, got -1.' });
  assertOnly('name: tiny\nmodel: [gpt]\ndata:\n  train: t.txt\n', { line: 2, column: 8, path: 'model', message: 'must be a mapping of keys to values, got a list of 1 item.' });
  assertOnly('- a\n- b\n', { line: 1, column: 1, path: '', message: 'must be a mapping of keys to values, got a list of 2 items.' });
  assertOnly('{"name": 5, "model": {"kind": "gpt"}, "data": {"train": "t"}}', { line: 1, column: 10, path: 'name', message: 'must be a string, got 5.' }, 'run.lab.json');
  assertOnly('name: -bad\nmodel:\n  kind: gpt\ndata:\n  train: t.txt\n', { line: 1, column: 7, path: 'name', message: /^must be 1 to 64 characters: letters, digits.*got "-bad"\.$/ });
});

test('list items are located one by one', () => {
  assertOnly(`${BASE}optimizer:\n  betas: [0.9, 1.5]\n`, { line: 7, column: 16, path: 'optimizer.betas.1', message: 'must be a number ≥ 0 and < 1, got 1.5.' });
  assertOnly(`${BASE}optimizer:\n  betas: [0.9]\n`, { line: 7, column: 10, path: 'optimizer.betas', message: 'must be a list of exactly 2 numbers, each ≥ 0 and < 1, got a list of 1 item.' });
});

test('NaN and infinities are not numbers a config can use', () => {
  const diagnostics = diagnose(`${BASE}optimizer:\n  lr: .nan\n  eps: .inf\n`);
  assert.equal(diagnostics.length, 2);
  assertDiagnostic(diagnostics[0], { line: 7, column: 7, path: 'optimizer.lr', message: 'must be a number > 0 and ≤ 10, got NaN (not a finite number).' });
  assertDiagnostic(diagnostics[1], { line: 8, column: 8, path: 'optimizer.eps', message: 'must be a number > 0 and ≤ 1, got Infinity (not a finite number).' });
  assertOnly('{"name": "a", "model": {"kind": "gpt"}, "data": {"train": "t"}, "seed": 1e999}', { line: 1, column: 73, path: 'seed', message: /got Infinity \(not a finite number\)/ }, 'run.lab.json');
});

test('missing required keys: at the parent key, or at the start of the document', () => {
  assertOnly('model:\n  kind: gpt\ndata:\n  train: t.txt\n', { line: 1, column: 1, path: 'name', message: 'required key is missing: add "name" (a string) to the top level.' });
  assertOnly('# my run\nmodel:\n  kind: gpt\ndata:\n  train: t.txt\n', { line: 2, column: 1, path: 'name', message: /add "name"/ });
  const [kind] = diagnose('name: tiny\nmodel:\n  d_model: 32\ndata:\n  train: t.txt\n');
  assertDiagnostic(kind, { line: 2, column: 1, path: 'model.kind', message: 'required key is missing: add "kind" (one of gpt, encoder-decoder) to model.' });
  assert.equal(kind.endColumn, 6);
  assertOnly('{"name": "a", "model": {"kind": "gpt"}, "data": {}}', { line: 1, column: 41, path: 'data.train', message: 'required key is missing: add "train" (a non-empty string) to data.' }, 'run.lab.json');
});

test('duplicate keys are errors in YAML and JSON', () => {
  assertOnly('name: a\nmodel:\n  kind: gpt\n  kind: gpt\ndata:\n  train: t\n', { line: 4, column: 3, path: 'model.kind', message: 'duplicate key "kind"; it is already set on line 3. Keep only one.' });
  assertOnly('{"name": "a",\n "name": "b", "model": {"kind": "gpt"}, "data": {"train": "t"}}', { line: 2, column: 2, path: 'name', message: /duplicate key "name"; it is already set on line 1/ }, 'run.lab.json');
});

test('d_model must be divisible by n_heads', () => {
  const model = (lines: string): string => `name: tiny\nmodel:\n  kind: gpt\n${lines}data:\n  train: t.txt\n`;
  assertOnly(model('  d_model: 30\n  n_heads: 4\n'), { line: 5, column: 12, path: 'model.n_heads', message: /^d_model \(30\) must be divisible by n_heads \(4\).*try n_heads 3 or 5/ });
  assertOnly(model('  d_model: 30\n'), { line: 4, column: 12, path: 'model.d_model', message: /d_model \(30\) must be divisible by n_heads \(4\)/ });
});

test('keys of the other model kind are errors that name the right key', () => {
  const seq2seq = diagnose('name: tiny\nmodel:\n  kind: encoder-decoder\n  n_layers: 2\ndata:\n  train: t.tsv\n  sequences: lines\n');
  assert.equal(seq2seq.length, 2);
  assertDiagnostic(seq2seq[0], { line: 4, column: 13, path: 'model.n_layers', message: 'n_layers is only for kind gpt, but model.kind is encoder-decoder; an encoder-decoder model uses n_encoder_layers and n_decoder_layers. Remove n_layers.' });
  assertDiagnostic(seq2seq[1], { line: 7, column: 14, path: 'data.sequences', message: /encoder-decoder data uses format \(auto, tsv or jsonl\)/ });
  const gpt = diagnose('name: tiny\nmodel:\n  kind: gpt\n  n_encoder_layers: 1\n  n_decoder_layers: 1\ndata:\n  train: t.txt\n  format: tsv\n');
  assert.equal(gpt.length, 3);
  assertDiagnostic(gpt[0], { line: 4, column: 21, path: 'model.n_encoder_layers', message: /only for kind encoder-decoder, but model.kind is gpt; a gpt model uses n_layers/ });
  assertDiagnostic(gpt[1], { line: 5, column: 21, path: 'model.n_decoder_layers', message: /a gpt model uses n_layers/ });
  assertDiagnostic(gpt[2], { line: 8, column: 11, path: 'data.format', message: /gpt data uses sequences \(stream or lines\)/ });
});

test('val and val_fraction together are an error', () => {
  assertOnly(`${BASE}  val: v.txt\n  val_fraction: 0.2\n`, { line: 7, column: 17, path: 'data.val_fraction', message: /either val .* or val_fraction .*not both/ });
});

test('optimizer rules: momentum and nesterov need sgd, nesterov needs momentum, betas are ignored by sgd', () => {
  assertOnly(`${BASE}optimizer:\n  name: sgd\n  nesterov: true\n`, { line: 8, column: 13, path: 'optimizer.nesterov', message: /nesterov: true needs momentum > 0/ });
  const adam = diagnose(`${BASE}optimizer:\n  name: adam\n  momentum: 0.9\n  nesterov: true\n`);
  assert.equal(adam.length, 2);
  assertDiagnostic(adam[0], { line: 8, column: 13, path: 'optimizer.momentum', message: /^momentum is only used by sgd, but optimizer.name is adam;/ });
  assertDiagnostic(adam[1], { line: 9, column: 13, path: 'optimizer.nesterov', message: /^nesterov only applies to sgd, but optimizer.name is adam;/ });
  assertOnly(`${BASE}optimizer:\n  momentum: 0.5\n`, { line: 7, column: 13, path: 'optimizer.momentum', message: /optimizer.name is adamw/ });
  assert.deepEqual(diagnose(`${BASE}optimizer:\n  name: adam\n  momentum: 0\n  nesterov: false\n`), []);
  const sgd = parseConfigText(`${BASE}optimizer:\n  name: sgd\n  betas: [0.9, 0.99]\n`, 'run.lab.yaml');
  assert.equal(sgd.diagnostics.length, 1);
  assertDiagnostic(sgd.diagnostics[0], { line: 8, column: 10, path: 'optimizer.betas', severity: 'warning', message: /betas are ignored by sgd/ });
  assert.ok(sgd.config, 'a warning does not stop the run');
});

test('schedule rules: warmup longer than training and decay ending before warmup warn; min_lr above lr is an error', () => {
  const text = `${BASE}optimizer:\n  lr: 0.001\nschedule:\n  warmup_steps: 300\n  decay: linear\n  decay_steps: 100\n  min_lr: 0.01\n`;
  const diagnostics = diagnose(text);
  assert.equal(diagnostics.length, 3);
  assertDiagnostic(diagnostics[0], { line: 9, column: 17, path: 'schedule.warmup_steps', severity: 'warning', message: /^warmup_steps \(300\) is more than training.steps \(200\)/ });
  assertDiagnostic(diagnostics[1], { line: 11, column: 16, path: 'schedule.decay_steps', severity: 'warning', message: /^decay_steps \(100\) is less than warmup_steps \(300\)/ });
  assertDiagnostic(diagnostics[2], { line: 12, column: 11, path: 'schedule.min_lr', message: /^min_lr \(0.01\) is above optimizer.lr \(0.001\)/ });
  assert.equal(diagnose(text.replace('decay: linear', 'decay: constant')).filter((d) => d.path === 'schedule.decay_steps').length, 0);
});

test('size guards: too many parameters or too much activation memory, with the estimate and the limit', () => {
  assertOnly('name: big\nmodel:\n  kind: gpt\n  d_model: 2048\n  n_layers: 48\ndata:\n  train: t.txt\n', {
    line: 4, column: 12, path: 'model.d_model', message: /^the model would have about 2\.4 billion parameters; the limit is 200 million\./,
  });
  assertOnly('name: wide\nmodel:\n  kind: gpt\n  d_model: 512\n  n_layers: 8\n  context: 4096\ndata:\n  train: t.txt\ntraining:\n  batch_size: 4096\n', {
    line: 10, column: 15, path: 'training.batch_size',
    message: /^estimated activation memory is 2560 GiB \(batch_size 4096 × context 4096 × d_model 512 × 8 layers × 40 bytes\); the limit is 8 GiB\./,
  });
});

test('the parameter estimate matches nanoGPT\'s count for a byte-level GPT', () => {
  const model: ModelConfig = { kind: 'gpt', d_model: 64, n_layers: 2, n_encoder_layers: 0, n_decoder_layers: 0, n_heads: 4, d_ff: 256, context: 64, dropout: 0, bias: true, tie_embeddings: true, activation: 'gelu' };
  // wte 260·64 + wpe 64·64 + 2 blocks × 49,984 + ln_f 128, counted by hand from nanoGPT's modules.
  assert.equal(estimateParameters(model, 'byte'), 120_832);
  assert.equal(estimateParameters(model, 'char'), 120_832 - 260 * 64);
  assert.equal(estimateParameters({ ...model, tie_embeddings: false }, 'byte'), 120_832 + 260 * 64);
});

test('every problem is reported at once, in source order', () => {
  const text = 'name: "my run!"\nmodel:\n  kind: transformer\n  d_model: 70000\ndata:\n  trian: t.txt\noptimizer:\n  lr: 0\n';
  const result = parseConfigText(text, 'run.lab.yaml');
  assert.equal(result.config, null);
  const summary = result.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`);
  assert.deepEqual(summary, ['1:7 name', '3:9 model.kind', '4:12 model.d_model', '5:1 data.train', '6:3 data.trian', '8:7 optimizer.lr']);
  assert.match(result.diagnostics[1].message, /"transformer" is not one of gpt, encoder-decoder\./);
  assert.match(result.diagnostics[4].message, /did you mean "train"\?/);
  assert.equal(result.diagnostics[5].message, 'must be a number > 0 and ≤ 10, got 0.');
});
