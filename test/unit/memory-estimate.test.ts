import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { estimateParameters } from '../../src/config/sizeEstimate';
import { parseConfigText } from '../../src/config';
import type { LabConfig } from '../../src/config/types';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { createModel } from '../../src/engine/nn';
import { WEBGPU_MAX_BUFFER_SIZE, estimateMemory, optimizerMoments } from '../../src/engine/memoryEstimate';
import { keyPosition, parseMemorySize } from '../../src/node/memoryCheck';
import { runCli, tempDir } from '../support/cli';
import { estimateFor, measuredRun, measuredTrain } from '../support/memoryMeasure';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const MiB = 1024 ** 2;

function config(yaml: string): LabConfig {
  const result = parseConfigText(`name: m\ndata: { train: t.txt, vocab: char }\n${yaml}`, '/lab/m.lab.yaml');
  assert.ok(result.config, JSON.stringify(result.diagnostics));
  return result.config;
}

/** A folder with story-like text and a config over it. */
function project(name: string, yaml: string, text = 'the cat sat on the mat. '.repeat(400)): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'data.txt'), text);
  writeFileSync(join(dir, `${name}.lab.yaml`), `name: ${name}\nseed: 1\n${yaml}`);
  return join(dir, `${name}.lab.yaml`);
}

describe('memory estimate', () => {
  it('counts the parameters the model builds, for the vocabulary read from the data', () => {
    for (const yaml of [
      'model: { kind: gpt, d_model: 32, n_layers: 2, n_heads: 4, context: 16 }',
      'model: { kind: gpt, d_model: 24, n_layers: 1, n_heads: 2, context: 8, bias: false, tie_embeddings: false }',
      'model: { kind: encoder-decoder, d_model: 16, n_encoder_layers: 2, n_decoder_layers: 1, n_heads: 2, context: 12 }',
    ]) {
      const c = config(yaml);
      const model = createModel(c.model, 71, new CpuBackend(), 1);
      assert.equal(estimateParameters(c.model, c.data.vocab, 71), model.params.count, yaml);
    }
  });

  it('counts optimizer moments, attention weights the wasm backend keeps, and logits by vocabulary', () => {
    const model = 'model: { kind: gpt }\n';
    assert.equal(optimizerMoments(config(`${model}optimizer: { name: adamw }`)), 2);
    assert.equal(optimizerMoments(config(`${model}optimizer: { name: sgd, momentum: 0.9 }`)), 1);
    assert.equal(optimizerMoments(config(`${model}optimizer: { name: sgd }`)), 0);
    const c = config('model: { kind: gpt, d_model: 32, n_layers: 2, n_heads: 4, context: 64 }\ntraining: { batch_size: 8 }');
    const inputs = { config: c, vocabSize: 50, dataTokens: 1000, dataTextBytes: 1000 };
    const part = (backend: 'wasm' | 'cpu-reference', name: string, vocabSize = 50) =>
      estimateMemory({ ...inputs, vocabSize, backend }).parts.find((p) => p.name === name)?.bytes ?? 0;
    // 2 layers × batch 8 × 4 heads × 64² floats.
    assert.equal(part('wasm', 'attention weights'), 2 * 8 * 4 * 64 * 64 * 4);
    assert.equal(part('cpu-reference', 'attention weights'), 0);
    // Logits and their gradient grow with the vocabulary: 8 × 64 rows × 2 × (5000 − 50) more floats.
    assert.equal(part('wasm', 'logits and their gradient', 5000) - part('wasm', 'logits and their gradient'), 8 * 64 * 2 * 4950 * 4);
  });

  it('names the tensor that breaks WebGPU\'s default buffer limits', () => {
    const c = config('model: { kind: gpt, d_model: 8, n_layers: 2, n_heads: 2, context: 3072 }\ntraining: { batch_size: 1536 }');
    const gpu = estimateMemory({ config: c, vocabSize: 47, dataTokens: 1, dataTextBytes: 1, backend: 'webgpu' }).gpu;
    assert.ok(gpu);
    assert.match(gpu.largestBuffer.tensor, /^logits \[1536×3072×47\]/);
    assert.equal(gpu.largestBuffer.bytes, 1536 * 3072 * 47 * 4);
    assert.deepEqual(gpu.limitProblems[0], { tensor: gpu.largestBuffer.tensor, bytes: gpu.largestBuffer.bytes, limit: 'maxBufferSize', limitBytes: WEBGPU_MAX_BUFFER_SIZE, key: 'training.batch_size' });
  });

  it('reads --max-memory sizes and places keys at their line', () => {
    assert.equal(parseMemorySize('800M'), 800 * MiB);
    assert.equal(parseMemorySize('1.5G'), 1.5 * 1024 * MiB);
    assert.equal(parseMemorySize('2GiB'), 2 * 1024 * MiB);
    assert.equal(parseMemorySize('1536'), 1536 * MiB);
    assert.throws(() => parseMemorySize('lots'), /--max-memory lots: expected a size such as 800M/);
    const yaml = 'name: x\nmodel:\n  d_model: 8\ntraining: { steps: 3, batch_size: 64 }\n';
    assert.deepEqual(keyPosition(yaml, 'x.lab.yaml', 'training.batch_size'), { line: 4, column: 23 });
    assert.deepEqual(keyPosition(yaml, 'x.lab.yaml', 'model.context'), { line: 2, column: 1 });
  });

  it('is within ±35% of the measured peak RSS of each bundled example (3 steps on the cpu backend)', async () => {
    for (const name of ['story', 'arithmetic', 'translate']) {
      const file = join(EXAMPLES, `${name}.lab.yaml`);
      const estimate = await estimateFor(file, { backend: 'cpu' });
      const run = measuredTrain(file, ['--steps', '3', '--backend', 'cpu']);
      assert.equal(run.code, 0, run.stderr);
      const ratio = estimate.peakBytes / run.peakBytes;
      assert.ok(ratio > 0.65 && ratio < 1.35, `${name}: estimated ${estimate.peakBytes / MiB} MiB, measured ${run.peakBytes / MiB} MiB`);
    }
  });

  const larger: Array<[string, string, number]> = [
    ['activations dominate (batch 64 × context 256)', 'model: { kind: gpt, d_model: 64, n_layers: 2, n_heads: 4, context: 256 }\n' +
      'data: { train: data.txt, vocab: char }\ntraining: { steps: 2, batch_size: 64, eval_interval: 0 }\n', 200],
    ['a 10.8 M-parameter GPT (d_model 384, 6 layers, context 256, batch 8, bytes)', 'model: { kind: gpt, d_model: 384, n_layers: 6, n_heads: 6, context: 256 }\n' +
      'data: { train: data.txt, vocab: byte }\ntraining: { steps: 2, batch_size: 8, eval_interval: 0 }\n', 500],
  ];
  for (const [what, yaml, largestMiB] of larger) {
    it(`is within ±35% of the measured peak where ${what}`, async () => {
      const file = project('larger', yaml);
      const estimate = await estimateFor(file, { backend: 'cpu' });
      assert.ok(estimate.parts[0].name === 'activations and their gradients' && estimate.parts[0].bytes > largestMiB * MiB, JSON.stringify(estimate.parts[0]));
      const run = measuredTrain(file, ['--backend', 'cpu']);
      assert.equal(run.code, 0, run.stderr);
      const ratio = estimate.peakBytes / run.peakBytes;
      assert.ok(ratio > 0.65 && ratio < 1.35, `estimated ${estimate.peakBytes / MiB} MiB, measured ${run.peakBytes / MiB} MiB`);
    });
  }
});

describe('train refuses a run that would not fit, before allocating it', () => {
  it('batch 1536 × context 3072 at d_model 8: refused at training.batch_size, fast and small, with a batch that fits', () => {
    const file = project('wide', 'model: { kind: gpt, d_model: 8, n_layers: 2, n_heads: 2, context: 3072 }\n' +
      'data: { train: data.txt, vocab: char }\ntraining: { steps: 3, batch_size: 1536 }\n');
    const run = measuredRun(['train', file, '--backend', 'cpu'], tempDir());
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:23: error: training\\.batch_size: its tensors would need about \\d+\\.\\d GiB \\(activations and their gradients`));
    assert.match(run.stderr, /more than the 4\.0 GiB one WebAssembly memory of the cpu backend holds\. batch_size \d+ fits/);
    assert.ok(run.peakBytes < 300 * MiB, `peak ${run.peakBytes / MiB} MiB`);
    assert.ok(run.seconds < 20, `${run.seconds} s`);
  });

  it('a word vocabulary of 300 000 words at d_model 1024 (≈ 300 M parameters): refused at model.d_model', () => {
    const words = Array.from({ length: 300_000 }, (_, i) => `w${i.toString(36)}`).join(' ');
    const file = project('words', 'model: { kind: gpt, d_model: 1024, n_layers: 2, n_heads: 8, context: 64 }\n' +
      'data: { train: data.txt, vocab: word }\ntraining: { steps: 3, batch_size: 1 }\n', words);
    const run = measuredRun(['train', file], tempDir());
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /:3:21: error: model\.d_model: its tensors would need about \d+\.\d GiB \(optimizer state .*parameters .*\. d_model \d+ \(with d_ff \d+\) fits; the vocabulary has 300,004 tokens\./);
    assert.ok(run.peakBytes < 300 * MiB, `peak ${run.peakBytes / MiB} MiB`);
  });

  it('--max-memory and training.max_memory_mb set the limit; the example fits its default', async () => {
    const story = join(EXAMPLES, 'story.lab.yaml');
    const flagged = await runCli(['train', story, '--steps', '1', '--max-memory', '64M', '--out', join(tempDir(), 'run')]);
    assert.equal(flagged.code, 2, flagged.stderr);
    assert.match(flagged.stderr, /error: .*more than the 64 MiB allowed \(--max-memory 64 MiB\)\. Even the smallest model needs about 1\d\d MiB here/);
    const file = project('limited', 'model: { kind: gpt, d_model: 64, n_layers: 2, n_heads: 4, context: 128 }\n' +
      'data: { train: data.txt, vocab: char }\ntraining: { steps: 1, batch_size: 64, max_memory_mb: 200 }\n');
    const configured = await runCli(['train', file, '--out', join(tempDir(), 'run')]);
    assert.equal(configured.code, 2, configured.stderr);
    assert.match(configured.stderr, /:5:23: error: training\.batch_size: this run would need about \d+ MiB at its peak .*more than the 200 MiB allowed \(training\.max_memory_mb 200\)\. batch_size (\d+) fits/);
    const fitting = Number(/batch_size (\d+) fits/.exec(configured.stderr)?.[1]);
    const retried = await runCli(['train', file, '--set', `training.batch_size=${fitting}`, '--out', join(tempDir(), 'run'), '-q']);
    assert.equal(retried.code, 0, retried.stderr);
    const bad = await runCli(['train', story, '--max-memory', 'lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-memory lots: expected a size/);
  });

  it('validate prints the estimate and its three largest parts', async () => {
    const result = await runCli(['validate', join(EXAMPLES, 'story.lab.yaml')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^vocabulary: \d+ tokens \(char\), 150,092 tokens of data$/m);
    assert.match(result.stdout, /^estimated peak memory: 1\d\d MiB \(largest: runtime \(Node and the backend\) \d+ MiB, activations and their gradients \d+ MiB, [a-z ]+ \d+ MiB\)$/m);
  });
});
