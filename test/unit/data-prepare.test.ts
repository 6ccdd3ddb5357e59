import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataConfig, LabConfig, ModelKind } from '../../src/config/types';
import { prepareData } from '../../src/engine/data/batches';
import { DataError } from '../../src/engine/data/errors';
import { UNK_ID } from '../../src/engine/data/vocab';

function config(kind: ModelKind, data: Partial<DataConfig>): LabConfig {
  return {
    name: 'test',
    seed: 1,
    backend: 'cpu',
    model: {
      kind, d_model: 16, n_layers: 1, n_encoder_layers: 0, n_decoder_layers: 0, n_heads: 2, d_ff: 32,
      context: 8, dropout: 0, bias: true, tie_embeddings: true, activation: 'gelu',
    },
    data: { train: '/data/train.txt', val: null, val_fraction: 0.25, vocab: 'char', shuffle: true, sequences: 'lines', format: 'auto', ...data },
    loss: { label_smoothing: 0, ignore_padding: true },
    optimizer: { name: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, momentum: 0, nesterov: false },
    schedule: { warmup_steps: 0, decay: 'constant', min_lr: 0, decay_steps: 10, gamma: 0.1, step_size: 10 },
    training: { steps: 10, batch_size: 2, grad_accumulation: 1, grad_clip: 0, eval_interval: 0, eval_steps: 1, checkpoint_interval: 0 },
  };
}

describe('prepareData', () => {
  it('splits a gpt lines file by val_fraction, with the vocabulary of the whole training file', () => {
    const { vocab, train, val } = prepareData(config('gpt', {}), { train: 'ab\nba\nab\ncd\n', val: null });
    assert.deepEqual(vocab.toJSON(), { kind: 'char', symbols: ['a', 'b', 'c', 'd'] });
    assert.deepEqual(train, { kind: 'lines', file: '/data/train.txt', sequences: [Uint16Array.from([4, 5]), Uint16Array.from([5, 4]), Uint16Array.from([4, 5])] });
    assert.deepEqual(val, { kind: 'lines', file: '/data/train.txt', sequences: [Uint16Array.from([6, 7])] });
  });

  it('builds the vocabulary from the training file only; unseen validation symbols become <unk>', () => {
    const cfg = config('gpt', { val: '/data/val.txt', sequences: 'stream' });
    const { vocab, train, val } = prepareData(cfg, { train: 'abab', val: 'abz' });
    assert.equal(vocab.size, 6);
    assert.deepEqual(train, { kind: 'stream', file: '/data/train.txt', tokens: Uint16Array.from([4, 5, 4, 5]) });
    assert.deepEqual(val, { kind: 'stream', file: '/data/val.txt', tokens: Uint16Array.from([4, 5, UNK_ID]) });
  });

  it('reads encoder-decoder pairs with one vocabulary for both sides', () => {
    const cfg = config('encoder-decoder', { train: '/data/train.tsv', val: '/data/val.jsonl', vocab: 'word' });
    const { vocab, train, val } = prepareData(cfg, { train: 'one two\tuno dos\none\tuno\n', val: '{"source": "two", "target": "dos"}\n' });
    assert.deepEqual(vocab.toJSON(), { kind: 'word', symbols: ['one', 'uno', 'dos', 'two'] });
    assert.deepEqual(train, {
      kind: 'pairs',
      file: '/data/train.tsv',
      pairs: [
        { source: Uint16Array.from([4, 7]), target: Uint16Array.from([5, 6]) },
        { source: Uint16Array.from([4]), target: Uint16Array.from([5]) },
      ],
    });
    assert.deepEqual(val, { kind: 'pairs', file: '/data/val.jsonl', pairs: [{ source: Uint16Array.from([7]), target: Uint16Array.from([6]) }] });
  });

  it('names the config file path in errors', () => {
    const cfg = config('encoder-decoder', { train: '/data/train.tsv', val: '/data/val.tsv' });
    assert.throws(
      () => prepareData(cfg, { train: 'a\tb\n', val: 'a\tb\nbroken\n' }),
      (error: unknown) => error instanceof DataError && error.file === '/data/val.tsv' && error.line === 2 && /^\/data\/val\.tsv: line 2 has no tab/.test(error.message),
    );
    assert.throws(() => prepareData(cfg, { train: 'a\tb\n', val: null }), /names data\.val \(\/data\/val\.tsv\) but its contents were not given/);
  });
});
