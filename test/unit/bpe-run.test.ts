import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { DETERMINISTIC_FIELDS } from '../../src/engine/train/metrics';
import { decodeOnnxModel } from '../../src/export/onnx/onnxProto';
import { readModelInfo } from '../../src/export/onnx/onnxRunner';
import { TryModelSession } from '../../src/extension/runs/tryModel/modelSession';
import { backendText } from '../../webview/dashboard/status';
import { runCli, tempDir } from '../support/cli';

const { Tokenizer: HfTokenizer } = createRequire(import.meta.url)('tokenizers') as {
  Tokenizer: { fromString(json: string): { encode(text: string, pair: null, options: { addSpecialTokens: boolean }): Promise<{ getIds(): number[] }> } };
};

const PROSE = readFileSync('/usr/share/common-licenses/GPL-2', 'utf8');
const HELD_OUT = 'Licensed under the Apache License, Version 2.0; you may not use this file except in compliance.';

function project(vocab = 'vocab: bpe, vocab_size: 600', text = PROSE): { dir: string; config: string } {
  const dir = tempDir('losslab-bpe-run-');
  writeFileSync(join(dir, 'prose.txt'), text);
  const config = join(dir, 'bpe.lab.yaml');
  writeFileSync(config, `name: bpe
seed: 3
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 24 }
data: { train: prose.txt, ${vocab} }
optimizer: { lr: 0.01 }
training: { steps: 8, batch_size: 4, checkpoint_interval: 4, eval_interval: 4, eval_steps: 1 }
`);
  return { dir, config };
}

type Line = Record<string, number>;
const deterministic = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line)
  .map((r) => ('val_loss' in r ? { step: r.step, val_loss: r.val_loss } : Object.fromEntries(DETERMINISTIC_FIELDS.map((f) => [f, r[f]]))));
const ids = (stdout: string): number[] => JSON.parse(stdout) as number[];

describe('a run with a bpe vocabulary', () => {
  let dir: string;
  let config: string;
  let run: string;

  before(async () => {
    ({ dir, config } = project());
    run = join(dir, 'run');
    const trained = await runCli(['train', config, '--out', run, '--quiet']);
    assert.equal(trained.code, 0, trained.stderr);
  });

  it('saves tokenizer.json, which Hugging Face tokenizers loads to the ids losslab tokenize prints for the run and the config', async () => {
    const text = readFileSync(join(run, 'tokenizer.json'), 'utf8');
    const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    assert.equal(info.vocab_size, 600);
    assert.equal(info.tokenizer.kind, 'bpe');
    assert.equal(info.tokenizer.sha256, createHash('sha256').update(text).digest('hex'));
    assert.equal(info.tokenizer.unknown_tokens, 0);
    assert.ok(info.tokenizer.bytes_per_token > 2.5 && info.tokenizer.bytes_per_token < 5, String(info.tokenizer.bytes_per_token));
    const expected = (await HfTokenizer.fromString(text).encode(HELD_OUT, null, { addSpecialTokens: false })).getIds();
    const fromRun = await runCli(['tokenize', run, '--text', HELD_OUT]);
    assert.equal(fromRun.code, 0, fromRun.stderr);
    assert.deepEqual(ids(fromRun.stdout), expected);
    assert.equal(fromRun.stdout, `${JSON.stringify(expected)}\n`, 'one JSON array and nothing else on stdout');
    writeFileSync(join(dir, 'held-out.txt'), HELD_OUT);
    const fromConfig = await runCli(['tokenize', config, '--file', join(dir, 'held-out.txt')]);
    assert.equal(fromConfig.code, 0, fromConfig.stderr);
    assert.deepEqual(ids(fromConfig.stdout), expected);
  });

  it('resumes to the same metrics as an uninterrupted run', async () => {
    const short = join(dir, 'short');
    assert.equal((await runCli(['train', config, '--out', short, '--steps', '4', '--quiet'])).code, 0);
    const resumed = await runCli(['train', config, '--resume', short, '--steps', '8', '--quiet']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(deterministic(short), deterministic(run));
  });

  it('exports to ONNX with its merges, and generate, Try Model and the report use its tokenizer', async () => {
    assert.equal((await runCli(['export-onnx', run])).code, 0);
    const info = readModelInfo(decodeOnnxModel(readFileSync(join(run, 'model.onnx'))).metadata);
    assert.equal(info.vocab.kind, 'bpe');
    assert.deepEqual(info.vocab.toJSON(), JSON.parse(readFileSync(join(run, 'vocab.json'), 'utf8')));
    const prompt = 'This License applies';
    const first = await runCli(['generate', run, '--prompt', prompt, '--max-tokens', '12', '--temperature', '0']);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stdout.startsWith(prompt), first.stdout);
    assert.equal((await runCli(['generate', run, '--prompt', prompt, '--max-tokens', '12', '--temperature', '0'])).stdout, first.stdout, 'greedy is reproducible');

    const session = await TryModelSession.open(run, 'run', 'test');
    try {
      const generation = await session.generate({ type: 'Generate', prompt, maxTokens: 12, temperature: 0, topK: 0, seed: 1 }, () => undefined);
      assert.equal(generation.tokens.length, 12);
      assert.ok(generation.tokens.every((id) => id >= 4 && id < 600));
      assert.equal(generation.text, info.vocab.decode([...info.vocab.encode(prompt), ...generation.tokens]));
      assert.equal(`${generation.text}\n`, first.stdout, 'the same text as losslab generate');
    } finally {
      await session.dispose();
    }

    const report = await runCli(['report', run, '--out', join(dir, 'report.html')]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /600 tokens \(bpe\), \d\.\d\d bytes per token, 0 unknown/);
  });

  it('shows the vocabulary in the dashboard header', () => {
    const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    assert.match(backendText(info, null), / · Vocabulary: 600 tokens \(bpe\), \d\.\d\d bytes per token, 0 unknown$/);
  });

  it('refuses a tokenizer.json edited after the run, naming the file', async () => {
    const file = join(run, 'tokenizer.json');
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, original.replace('"Ġt"', '"Ġq"'));
      const result = await runCli(['tokenize', run, '--text', 'x']);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /tokenizer\.json: does not match its run: its SHA-256 is [0-9a-f]{16}…, run\.json records [0-9a-f]{16}…/);
    } finally {
      writeFileSync(file, original);
    }
  });
});

describe('bad input for subword vocabularies', () => {
  it('vocab_size larger than the text supports: located at data.vocab_size, saying the most it supports', async () => {
    const { config } = project('vocab: bpe, vocab_size: 400', 'tiny text, tiny text.\n');
    const result = await runCli(['validate', config]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bpe\.lab\.yaml:5:\d+: error: data\.vocab_size: .*data\.vocab_size is 400, but byte-level BPE can make at most 268 tokens from this training text/);
    const train = await runCli(['train', config, '--quiet']);
    assert.equal(train.code, 2);
    assert.match(train.stderr, /prose\.txt: error: data\.vocab_size is 400, but byte-level BPE can make at most 268 tokens/);
  });

  it('an empty corpus and a text that is not UTF-8 are located errors', async () => {
    const empty = project('vocab: bpe, vocab_size: 300', '');
    assert.match((await runCli(['train', empty.config, '--quiet'])).stderr, /prose\.txt.*empty/);
    const latin1 = project('vocab: bpe, vocab_size: 300');
    writeFileSync(join(latin1.dir, 'prose.txt'), Buffer.from('caf\xe9 au lait\n'.repeat(20), 'latin1'));
    assert.match((await runCli(['train', latin1.config, '--quiet'])).stderr, /prose\.txt.*not valid UTF-8: byte 0xe9 at offset 3 \(line 1\)/);
  });

  it('vocab_size without bpe, bpe without vocab_size, and one out of range are config errors', async () => {
    const cases: Array<[string, RegExp]> = [
      ['vocab: char, vocab_size: 500', /5:\d+: error: data\.vocab_size: vocab_size is only for vocab: bpe, but vocab is char/],
      ['vocab: gpt2, vocab_size: 500', /vocab is gpt2 \(gpt2's is fixed at 50261\)/],
      ['vocab: bpe', /5:\d+: error: data\.vocab: vocab: bpe needs data\.vocab_size/],
      ['vocab: bpe, vocab_size: 70000', /data\.vocab_size: must be an integer ≥ 260 and ≤ 65536, got 70000/],
    ];
    for (const [vocab, expected] of cases) {
      const result = await runCli(['validate', project(vocab).config]);
      assert.equal(result.code, 2, vocab);
      assert.match(result.stderr, expected);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one error for ${vocab}: ${result.stderr}`);
    }
  });

  it('gpt2 needs no training text to tokenize: GPT-2 ids + 4', async () => {
    const result = await runCli(['tokenize', project('vocab: gpt2').config, '--text', 'Hello world']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(ids(result.stdout), [15496 + 4, 995 + 4]);
  });
});
