import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeSafetensors } from '../../src/engine/io/safetensors';
import { runCli, tempDir } from '../support/cli';
import { torchAvailable } from '../support/torch';

/** The interpreter with torch (Debian's python3-torch), as test/support/torch.ts picks it. */
const PYTHON = process.env.LOSSLAB_PYTHON ?? '/usr/bin/python3';
const PYTHON_ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' };

interface Result { code: number | null; stdout: string; stderr: string }

function python(args: string[], timeoutMs = 240_000): Promise<Result> {
  const status = torchAvailable();
  if (!status.ok) return Promise.reject(new Error(`PyTorch unavailable: ${status.reason}`));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { env: PYTHON_ENV, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * torchrun on 2 CPU processes. `--redirects 1 --tee 1` works around torch 1.13 on Python 3.11, whose launcher fails
 * to parse the default `--redirects 0` (IntFlag iteration changed); the flags are harmless on newer torch.
 */
function torchrun(script: string, args: string[], logDir: string): Promise<Result> {
  return python(['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', '--log_dir', logDir, script, ...args]);
}

type MetricsLine = Record<string, number>;
const readLines = (file: string): MetricsLine[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricsLine);
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/** Asserts the script's metrics match ours line by line; returns the worst relative differences. */
function compare(ours: MetricsLine[], theirs: MetricsLine[]): { loss: number; gradNorm: number; valLoss: number } {
  assert.equal(theirs.length, ours.length, 'same number of metrics lines');
  const worst = { loss: 0, gradNorm: 0, valLoss: 0 };
  ours.forEach((a, i) => {
    const b = theirs[i];
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort(), `line ${i + 1} has the same fields`);
    assert.equal(b.step, a.step);
    if ('val_loss' in a) {
      assert.ok(relative(b.val_loss, a.val_loss) < 1e-4, `step ${a.step} val_loss ${b.val_loss} vs ${a.val_loss}`);
      worst.valLoss = Math.max(worst.valLoss, relative(b.val_loss, a.val_loss));
      return;
    }
    assert.equal(b.tokens, a.tokens, `step ${a.step} tokens`);
    assert.ok(relative(b.lr, a.lr) < 1e-9, `step ${a.step} lr ${b.lr} vs ${a.lr}`);
    assert.ok(relative(b.loss, a.loss) < 1e-4, `step ${a.step} loss ${b.loss} vs ${a.loss}`);
    assert.ok(relative(b.grad_norm, a.grad_norm) < 1e-3, `step ${a.step} grad_norm ${b.grad_norm} vs ${a.grad_norm}`);
    assert.ok(relative(b.grad_norm_clipped, a.grad_norm_clipped) < 1e-3, `step ${a.step} grad_norm_clipped`);
    worst.loss = Math.max(worst.loss, relative(b.loss, a.loss));
    worst.gradNorm = Math.max(worst.gradNorm, relative(b.grad_norm, a.grad_norm));
  });
  return worst;
}

const format = (w: { loss: number; gradNorm: number; valLoss: number }) =>
  `max relative difference: loss ${w.loss.toExponential(2)}, grad_norm ${w.gradNorm.toExponential(2)}, val_loss ${w.valLoss.toExponential(2)}`;

// Windows line endings and a byte-order mark: the script must normalise text as Loss Lab does.
const STORY = `\ufeff${'The cat sat on the mat.\r\nA dog ran to the park, and the cat saw it — café!\r\n'.repeat(30)}`;
// Words split on no-break spaces as well (JavaScript's \s); blank and whitespace-only lines are skipped.
const LINES = Array.from({ length: 90 }, (_, i) => `${i % 17} plus\u00a0${i % 5} is ${(i % 17) + (i % 5)}${i % 4 === 0 ? ' naïve' : ''}${i % 9 === 0 ? '\n  \n' : ''}`).join('\n');
const PAIRS_TSV = Array.from({ length: 70 }, (_, i) => {
  const words = ['one', 'two', 'three', 'four', 'five', 'six'].slice(0, 1 + (i % 6));
  return `${words.join(' ')}\t${words.map((w) => w.length).join(' ')}`;
}).join('\n');
const PAIRS_JSONL = Array.from({ length: 60 }, (_, i) => JSON.stringify({ source: `ab${'c'.repeat(i % 7)}é`, target: `${'x'.repeat(1 + (i % 5))}ü` })).join('\n');

// Prose for subword vocabularies: contractions, digits, other scripts, whitespace runs, NEL (whitespace to Hugging Face's pre-tokenizer).
const PROSE = Array.from({ length: 40 }, (_, i) => `${i % 3 === 0 ? '  ' : ''}It's ${i * 37} o'clock; they'll've gone — Grüße, 世界!\u0085Don't   stop.\n${i % 5 === 0 ? '\n\n' : ''}`).join('');

interface Scenario {
  name: string;
  files: Record<string, string>;
  yaml: string;
  /** Also run under torchrun on 2 processes. */
  ddp: boolean;
  /** Default 5; a seed near 2³¹ checks the 32-bit wrap-around of the ported generator's seeding. */
  seed?: number;
}

const gpt = (extra = '') => `model: { kind: gpt, d_model: 16, n_layers: 2, n_heads: 2, d_ff: 32, context: 16${extra} }`;
const seq2seq = (extra = '') => `model: { kind: encoder-decoder, d_model: 16, n_encoder_layers: 1, n_decoder_layers: 2, n_heads: 4, d_ff: 24, context: 12${extra} }`;

const scenarios: Scenario[] = [
  { name: 'gpt random windows (CRLF, BOM) · adamw cosine · clipping · accumulation · evaluation', ddp: true, files: { 'story.txt': STORY }, yaml: `
${gpt()}
data: { train: story.txt, vocab: char, val_fraction: 0.2 }
optimizer: { name: adamw, lr: 0.01, weight_decay: 0.1 }
schedule: { warmup_steps: 5, decay: cosine, min_lr: 0.001 }
training: { steps: 20, batch_size: 4, grad_accumulation: 2, grad_clip: 0.5, eval_interval: 5, eval_steps: 2 }` },
  { name: 'gpt lines (padding, word vocab, seed near 2³¹) · adam · linear · untied, no bias, gelu_tanh · uneven shares', ddp: true, seed: 2147483000, files: { 'lines.txt': LINES }, yaml: `
${gpt(', bias: false, tie_embeddings: false, activation: gelu_tanh')}
data: { train: lines.txt, vocab: word, sequences: lines }
optimizer: { name: adam, lr: 0.005, weight_decay: 0.01 }
schedule: { warmup_steps: 3, decay: linear, min_lr: 0.0005 }
training: { steps: 20, batch_size: 5, grad_clip: 1.0, eval_interval: 10, eval_steps: 1 }` },
  { name: 'gpt sequential windows (byte vocab, separate val file) · sgd nesterov · step decay · relu', ddp: false, files: { 'story.txt': STORY, 'val.txt': 'The dog sat. The cat ran.\n'.repeat(8) }, yaml: `
${gpt(', activation: relu')}
data: { train: story.txt, val: val.txt, vocab: byte, shuffle: false }
optimizer: { name: sgd, lr: 0.5, momentum: 0.9, nesterov: true, weight_decay: 0.001 }
schedule: { decay: step, gamma: 0.5, step_size: 6 }
training: { steps: 20, batch_size: 4, eval_interval: 4, eval_steps: 2 }` },
  { name: 'encoder-decoder tsv · label smoothing · inverse_sqrt · clipping · evaluation', ddp: true, files: { 'pairs.tsv': PAIRS_TSV }, yaml: `
${seq2seq()}
data: { train: pairs.tsv, vocab: word }
loss: { label_smoothing: 0.1 }
optimizer: { name: adamw, lr: 0.003 }
schedule: { warmup_steps: 4, decay: inverse_sqrt }
training: { steps: 20, batch_size: 5, grad_clip: 0.3, eval_interval: 10, eval_steps: 2 }` },
  { name: 'encoder-decoder jsonl in file order · accumulation · exponential · untied, relu', ddp: false, files: { 'pairs.jsonl': PAIRS_JSONL }, yaml: `
${seq2seq(', tie_embeddings: false, activation: relu')}
data: { train: pairs.jsonl, vocab: char, shuffle: false }
optimizer: { name: adam, lr: 0.002, betas: [0.8, 0.95] }
schedule: { warmup_steps: 2, decay: exponential, gamma: 0.9, min_lr: 0.0008 }
training: { steps: 20, batch_size: 3, grad_accumulation: 3, grad_clip: 2.0, eval_interval: 0 }` },
  { name: 'gpt random windows, bpe vocabulary (tokenizer.json encoded in Python) · adamw · evaluation', ddp: true, files: { 'prose.txt': PROSE }, yaml: `
${gpt()}
data: { train: prose.txt, vocab: bpe, vocab_size: 300, val_fraction: 0.2 }
optimizer: { name: adamw, lr: 0.01 }
training: { steps: 20, batch_size: 4, grad_clip: 1.0, eval_interval: 10, eval_steps: 2 }` },
  { name: 'gpt lines, gpt2 vocabulary (50 261 ids) · adam', ddp: false, files: { 'lines.txt': PROSE }, yaml: `
${gpt()}
data: { train: lines.txt, vocab: gpt2, sequences: lines }
optimizer: { name: adam, lr: 0.01 }
training: { steps: 20, batch_size: 3, eval_interval: 10, eval_steps: 1 }` },
];

describe('losslab export-torch: train.py reproduces the run in PyTorch', () => {
  for (const s of scenarios) {
    it(s.name, async (t) => {
      const dir = tempDir('losslab-export-torch-');
      for (const [name, text] of Object.entries(s.files)) writeFileSync(join(dir, name), text);
      const config = join(dir, 'run.lab.yaml');
      writeFileSync(config, `name: exported\nseed: ${s.seed ?? 5}\nbackend: cpu-reference\n${s.yaml.trim()}\n`);
      const run = join(dir, 'run');
      const trained = await runCli(['train', config, '--out', run, '--quiet']);
      assert.equal(trained.code, 0, trained.stderr);
      const exported = await runCli(['export-torch', config, '--out', join(dir, 'torch')]);
      assert.equal(exported.code, 0, exported.stderr);
      const script = join(dir, 'torch', 'train.py');
      const ours = readLines(join(run, 'metrics.jsonl'));
      assert.equal(ours.filter((l) => !('val_loss' in l)).length, 20);

      const single = await python([script, '--device', 'cpu', '--metrics', join(dir, 'torch.jsonl')]);
      assert.equal(single.code, 0, single.stderr);
      assert.deepEqual(single.stdout.trim().split('\n').map((l) => JSON.parse(l) as MetricsLine), readLines(join(dir, 'torch.jsonl')), 'prints the lines it writes');
      t.diagnostic(`1 process: ${format(compare(ours, readLines(join(dir, 'torch.jsonl'))))}`);
      const final = decodeSafetensors(readFileSync(join(dir, 'torch', 'final.safetensors')), 'final');
      const ourFinal = decodeSafetensors(readFileSync(join(run, 'checkpoints', 'final.safetensors')), 'final');
      assert.deepEqual([...final.tensors.keys()].sort(), [...ourFinal.tensors.keys()].sort(), 'train.py saves the same state-dict names');

      if (!s.ddp) return;
      const ddp = await torchrun(script, ['--device', 'cpu', '--metrics', join(dir, 'ddp.jsonl')], join(dir, 'torchrun-logs'));
      assert.equal(ddp.code, 0, ddp.stderr);
      assert.match(ddp.stderr, /2 process\(es\)/, 'the script ran as 2 DistributedDataParallel processes');
      t.diagnostic(`torchrun, 2 processes: ${format(compare(ours, readLines(join(dir, 'ddp.jsonl'))))}`);
    });
  }

  it('--init-from puts the given weights into init.safetensors; a file that does not fit is refused', async () => {
    const dir = tempDir('losslab-export-torch-');
    writeFileSync(join(dir, 'story.txt'), STORY);
    const config = join(dir, 'run.lab.yaml');
    writeFileSync(config, `name: exported\nseed: 5\nbackend: cpu-reference\n${gpt()}\ndata: { train: story.txt, vocab: char }\ntraining: { steps: 4, batch_size: 2, checkpoint_interval: 2 }\n`);
    assert.equal((await runCli(['train', config, '--out', join(dir, 'run'), '--quiet'])).code, 0);
    const checkpoint = join(dir, 'run', 'checkpoints', 'step-000002.safetensors');
    const result = await runCli(['export-torch', config, '--out', join(dir, 'torch'), '--init-from', checkpoint]);
    assert.equal(result.code, 0, result.stderr);
    const written = decodeSafetensors(readFileSync(join(dir, 'torch', 'init.safetensors')), 'init').tensors;
    const expected = decodeSafetensors(readFileSync(checkpoint), 'checkpoint').tensors;
    assert.deepEqual([...written.keys()].sort(), [...expected.keys()].sort());
    for (const [name, tensor] of expected) assert.deepEqual(written.get(name)?.data, tensor.data, name);

    const other = join(dir, 'other.lab.yaml');
    writeFileSync(other, readFileSync(config, 'utf8').replace('d_model: 16', 'd_model: 8'));
    const refused = await runCli(['export-torch', other, '--out', join(dir, 'torch2'), '--init-from', checkpoint]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /does not fit this config's model: .*transformer\.wte\.weight: shape \[\d+, 16\], the model needs \[\d+, 8\]/);
  });
});
