import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BOS_ID, EOS_ID, buildVocabulary } from '../../src/engine/data/vocab';
import { Rng } from '../../src/engine/rng';
import { generate, sampleToken, type NextTokenModel } from '../../src/export/onnx/sampling';
import { runCli, tempDir } from '../support/cli';

const LOGITS = Float32Array.from([9, 8, 0.5, 7, 1, 3, -1, 2.9]);

describe('sampleToken', () => {
  it('greedy (temperature 0) takes the most likely token, never <pad>, <bos> or <unk>', () => {
    // Ids 0, 1 and 3 have the largest logits but are never sampled; 5 is the largest of the rest.
    assert.equal(sampleToken(LOGITS, { temperature: 0, topK: 0 }, new Rng(1)), 5);
  });

  it('top-k 1 is greedy at any temperature', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 50; i++) assert.equal(sampleToken(LOGITS, { temperature: 5, topK: 1 }, rng), 5);
  });

  it('top-k 2 draws only the two most likely tokens, in proportion to softmax(logits / T)', () => {
    const rng = new Rng(3);
    const counts = new Map<number, number>();
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const id = sampleToken(LOGITS, { temperature: 1, topK: 2 }, rng);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), [5, 7]);
    const expected = 1 / (1 + Math.exp(2.9 - 3));
    assert.ok(Math.abs((counts.get(5) as number) / n - expected) < 0.015, `p(5) ≈ ${expected}`);
  });

  it('temperature flattens or sharpens the distribution; the same seed gives the same draws', () => {
    const frequencyOf5 = (temperature: number): number => {
      const rng = new Rng(4);
      let hits = 0;
      for (let i = 0; i < 5000; i++) if (sampleToken(LOGITS, { temperature, topK: 0 }, rng) === 5) hits++;
      return hits / 5000;
    };
    assert.ok(frequencyOf5(0.2) > 0.55);
    assert.ok(frequencyOf5(5) < 0.3);
    const draws = (seed: number) => Array.from({ length: 30 }, ((rng) => () => sampleToken(LOGITS, { temperature: 1, topK: 0 }, rng))(new Rng(seed)));
    assert.deepEqual(draws(9), draws(9));
    assert.notDeepEqual(draws(9), draws(10));
  });
});

/** A model that always predicts `sequence[k]` as token number k+1 of its decoder input, then `<eos>`. */
function scriptedModel(kind: 'gpt' | 'encoder-decoder', context: number, script: (tokens: readonly number[], source: readonly number[] | null) => number, seen: unknown[]): NextTokenModel {
  return {
    kind, context,
    async next(tokens, source) {
      seen.push({ tokens: [...tokens], source: source && [...source] });
      const logits = new Float32Array(12).fill(-5);
      logits[script(tokens, source)] = 5;
      return logits;
    },
  };
}

describe('generate', () => {
  const vocab = buildVocabulary('char', ['abcdefgh']);
  const id = (ch: string) => vocab.encode(ch)[0];

  it('gpt trained on lines: <bos> before the prompt, stops at <eos>', async () => {
    const seen: { tokens: number[] }[] = [];
    const model = scriptedModel('gpt', 16, (tokens) => (tokens.length < 5 ? tokens[tokens.length - 1] + 1 : EOS_ID), seen);
    const streamed: number[] = [];
    const result = await generate(model, vocab, 'ab', { temperature: 0, topK: 0, maxTokens: 50, seed: 1, sequences: 'lines', onToken: (t) => streamed.push(t) });
    assert.deepEqual(seen[0].tokens, [BOS_ID, id('a'), id('b')]);
    assert.equal(result.text, 'abcd');
    assert.deepEqual(result.tokens, [id('c'), id('d')]);
    assert.deepEqual(streamed, result.tokens);
    assert.equal(result.stop, 'eos');
  });

  it('gpt trained on a stream: no <bos>, exactly max tokens, the input cut to the last `context` tokens', async () => {
    const seen: { tokens: number[] }[] = [];
    const model = scriptedModel('gpt', 4, () => id('h'), seen);
    const result = await generate(model, vocab, 'abc', { temperature: 0, topK: 0, maxTokens: 6, seed: 1, sequences: 'stream' });
    assert.equal(result.text, 'abchhhhhh');
    assert.equal(result.stop, 'max_tokens');
    assert.deepEqual(seen[0].tokens, [id('a'), id('b'), id('c')]);
    assert.deepEqual(seen[5].tokens, [id('h'), id('h'), id('h'), id('h')]);
    await assert.rejects(generate(model, vocab, '', { temperature: 0, topK: 0, maxTokens: 3, seed: 1, sequences: 'stream' }), /give it a prompt/);
  });

  it('encoder-decoder: source <eos>, the decoder from <bos>, the translation alone as text; stops when the context is full', async () => {
    const seen: { tokens: number[]; source: number[] }[] = [];
    const model = scriptedModel('encoder-decoder', 4, (tokens) => (tokens.length < 3 ? id('e') : EOS_ID), seen);
    const result = await generate(model, vocab, 'abc', { temperature: 0, topK: 0, maxTokens: 9, seed: 1, sequences: 'stream' });
    assert.deepEqual(seen[0], { tokens: [BOS_ID], source: [id('a'), id('b'), id('c'), EOS_ID] });
    assert.equal(result.text, 'ee');
    assert.equal(result.stop, 'eos');
    const endless = scriptedModel('encoder-decoder', 4, () => id('f'), []);
    const full = await generate(endless, vocab, 'abcdefgh', { temperature: 0, topK: 0, maxTokens: 9, seed: 1, sequences: 'stream' });
    assert.equal(full.text, 'ffff');
    assert.equal(full.stop, 'context');
  });
});

/** A tiny encoder-decoder that learns its 60 three-word sentences by heart (loss ≈ 0.002), trained through the CLI. */
async function trainedCopyModel(): Promise<{ run: string; sentences: string[] }> {
  const dir = tempDir();
  const words = ['red', 'blue', 'green', 'cat', 'dog', 'fish'];
  const rng = new Rng(1);
  const rows = Array.from({ length: 60 }, () => {
    const sentence = Array.from({ length: 3 }, () => words[rng.int(words.length)]).join(' ');
    return `${sentence}\t${sentence}`;
  });
  writeFileSync(join(dir, 'copy.tsv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'copy.lab.yaml'), `name: copy
seed: 2
backend: cpu-reference
model: { kind: encoder-decoder, d_model: 32, n_encoder_layers: 1, n_decoder_layers: 1, n_heads: 4, d_ff: 64, context: 8 }
data: { train: copy.tsv, vocab: word, val_fraction: 0.05 }
optimizer: { lr: 0.01 }
schedule: { warmup_steps: 10 }
training: { steps: 300, batch_size: 16, eval_interval: 0 }
`);
  const run = join(dir, 'run');
  const result = await runCli(['train', join(dir, 'copy.lab.yaml'), '--out', run, '--quiet'], { timeoutMs: 300_000 });
  assert.equal(result.code, 0, result.stderr);
  return { run, sentences: rows.map((row) => row.split('\t')[0]) };
}

describe('losslab generate', () => {
  it('translates with the exported model: greedy by default, the same output for the same seed', async () => {
    const { run, sentences } = await trainedCopyModel();
    for (const sentence of sentences.slice(0, 3)) {
      const greedy = await runCli(['generate', run, '--prompt', sentence]);
      assert.equal(greedy.code, 0, greedy.stderr);
      assert.equal(greedy.stdout, `${sentence}\n`);
    }
    const sampled = ['generate', run, '--prompt', 'cat cat blue', '--temperature', '1.5', '--seed', '7', '--max-tokens', '3'];
    const first = await runCli(sampled);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await runCli(sampled)).stdout, first.stdout);
    const words = first.stdout.trim().split(' ');
    assert.ok(words.length >= 1 && words.length <= 3, first.stdout);
    assert.ok(words.every((w) => ['red', 'blue', 'green', 'cat', 'dog', 'fish'].includes(w)), first.stdout);
  });

  it('rejects bad options and an empty prompt for a stream-trained gpt', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'story.txt'), 'the cat sat on the mat. '.repeat(20));
    writeFileSync(join(dir, 's.lab.yaml'), `name: s
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
training: { steps: 2, batch_size: 2, eval_interval: 0 }
`);
    assert.equal((await runCli(['train', join(dir, 's.lab.yaml'), '--out', join(dir, 'run'), '--quiet'])).code, 0);
    const empty = await runCli(['generate', join(dir, 'run')]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /needs a prompt to continue \(--prompt TEXT\)/);
    const badK = await runCli(['generate', join(dir, 'run'), '--prompt', 'the', '--top-k=-1']);
    assert.equal(badK.code, 2);
    assert.match(badK.stderr, /--top-k -1: expected a whole number ≥ 0/);
    const ok = await runCli(['generate', join(dir, 'run'), '--prompt', 'the ', '--max-tokens', '5', '--top-k', '3']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(Array.from(ok.stdout.replace(/\n$/, '')).length, 9);
    assert.ok(ok.stdout.startsWith('the '));
  });
});
