import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BatchSampler,
  evalBatches,
  linesBatch,
  pairsBatch,
  streamBatch,
  type Batch,
  type GptBatch,
  type SamplerOptions,
} from '../../src/engine/data/batches';
import type { Dataset } from '../../src/engine/data/datasets';
import { BOS_ID, EOS_ID, PAD_ID } from '../../src/engine/data/vocab';

const ids = (...values: number[]): Int32Array => Int32Array.from(values);
/** A stream whose token at position i is i + 4, so a window's first id tells its start. */
const stream = (n: number): Dataset => ({ kind: 'stream', file: 's.txt', tokens: Int32Array.from({ length: n }, (_, i) => i + 4) });
/** Line i is the single token i + 4. */
const lines = (n: number): Dataset => ({ kind: 'lines', file: 'l.txt', sequences: Array.from({ length: n }, (_, i) => ids(i + 4)) });
const pairs = (n: number): Dataset => ({
  kind: 'pairs',
  file: 'p.tsv',
  pairs: Array.from({ length: n }, (_, i) => ({ source: ids(i + 4, i + 5), target: Int32Array.from({ length: (i % 3) + 1 }, () => i + 4) })),
});

function gpt(batch: Batch): GptBatch {
  assert.equal(batch.kind, 'gpt');
  return batch as GptBatch;
}

/** The example each row of a `lines` batch of single-token lines came from. */
const rowsOf = (batch: Batch): number[] => Array.from({ length: batch.B }, (_, b) => gpt(batch).idx[b * batch.T + 1] - 4);
/** The window start of each row of a stream batch made with `stream()`. */
const startsOf = (batch: Batch): number[] => Array.from({ length: batch.B }, (_, b) => gpt(batch).idx[b * batch.T] - 4);

function options(overrides: Partial<SamplerOptions> = {}): SamplerOptions {
  return { batchSize: 2, context: 4, shuffle: false, seed: 42, ...overrides };
}

describe('batch builders', () => {
  it('stream: idx is the window, targets the window shifted by one', () => {
    const batch = streamBatch(ids(10, 11, 12, 13, 14, 15, 16, 17), [0, 3], 4);
    assert.deepEqual(batch, {
      kind: 'gpt', B: 2, T: 4,
      idx: ids(10, 11, 12, 13, 13, 14, 15, 16),
      targets: ids(11, 12, 13, 14, 14, 15, 16, 17),
      tokens: 8,
    });
  });

  it('stream: a stream shorter than the context is padded, and padded targets are not counted', () => {
    const batch = streamBatch(ids(10, 11, 12), [0], 4);
    assert.deepEqual(batch, { kind: 'gpt', B: 1, T: 4, idx: ids(10, 11, 12, PAD_ID), targets: ids(11, 12, PAD_ID, PAD_ID), tokens: 2 });
  });

  it('lines: <bos> tokens <eos>, right-padded to the longest row', () => {
    const batch = linesBatch([ids(5, 6, 7), ids(8)], 8);
    assert.deepEqual(batch, {
      kind: 'gpt', B: 2, T: 4,
      idx: ids(BOS_ID, 5, 6, 7, BOS_ID, 8, PAD_ID, PAD_ID),
      targets: ids(5, 6, 7, EOS_ID, 8, EOS_ID, PAD_ID, PAD_ID),
      tokens: 6,
    });
  });

  it('lines: cut to context + 1 ids before the shift', () => {
    const batch = linesBatch([ids(5, 6, 7), ids(8)], 2);
    assert.deepEqual(batch, { kind: 'gpt', B: 2, T: 2, idx: ids(BOS_ID, 5, BOS_ID, 8), targets: ids(5, 6, 8, EOS_ID), tokens: 4 });
  });

  it('pairs: src + <eos>, <bos> + tgt, tgt + <eos>, padded separately', () => {
    const batch = pairsBatch([{ source: ids(5, 6, 7), target: ids(8) }, { source: ids(9), target: ids(10, 11, 12) }], 8);
    assert.deepEqual(batch, {
      kind: 'encoder-decoder', B: 2, S: 4, T: 4,
      src: ids(5, 6, 7, EOS_ID, 9, EOS_ID, PAD_ID, PAD_ID),
      tgtIn: ids(BOS_ID, 8, PAD_ID, PAD_ID, BOS_ID, 10, 11, 12),
      tgtOut: ids(8, EOS_ID, PAD_ID, PAD_ID, 10, 11, 12, EOS_ID),
      tokens: 6,
    });
  });

  it('pairs: every part cut to the context', () => {
    const batch = pairsBatch([{ source: ids(5, 6, 7), target: ids(8) }, { source: ids(9), target: ids(10, 11, 12) }], 3);
    assert.deepEqual(batch, {
      kind: 'encoder-decoder', B: 2, S: 3, T: 3,
      src: ids(5, 6, 7, 9, EOS_ID, PAD_ID),
      tgtIn: ids(BOS_ID, 8, PAD_ID, BOS_ID, 10, 11),
      tgtOut: ids(8, EOS_ID, PAD_ID, 10, 11, 12),
      tokens: 5,
    });
  });
});

describe('BatchSampler on streams', () => {
  it('draws nanoGPT windows with a fixed seed', () => {
    const sampler = new BatchSampler(stream(20), options({ shuffle: true }));
    const first = gpt(sampler.next());
    assert.deepEqual(first.idx, ids(4, 5, 6, 7, 11, 12, 13, 14));
    assert.deepEqual(first.targets, ids(5, 6, 7, 8, 12, 13, 14, 15));
    assert.deepEqual(startsOf(sampler.next()), [13, 4]);
  });

  it('draws starts uniformly over [0, n - context - 1], both ends included', () => {
    const sampler = new BatchSampler(stream(10), options({ shuffle: true, batchSize: 50, context: 4 }));
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) for (const start of startsOf(sampler.next())) seen.add(start);
    assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
  });

  it('walks consecutive windows without shuffle, wrapping around', () => {
    const sampler = new BatchSampler(stream(11), options({ context: 3 }));
    assert.deepEqual(startsOf(sampler.next()), [0, 3]);
    assert.deepEqual(startsOf(sampler.next()), [6, 0]);
    assert.equal(sampler.state().epoch, 1);
  });

  it('uses the one padded window of a stream shorter than the context', () => {
    for (const shuffle of [true, false]) {
      const batch = gpt(new BatchSampler(stream(3), options({ shuffle, context: 5 })).next());
      assert.deepEqual(batch.idx, ids(4, 5, 6, PAD_ID, PAD_ID, 4, 5, 6, PAD_ID, PAD_ID));
      assert.equal(batch.tokens, 4);
    }
  });
});

describe('BatchSampler on examples', () => {
  it('goes through the file in order without shuffle, B rows always, across epochs', () => {
    const sampler = new BatchSampler(lines(5), options());
    assert.deepEqual([rowsOf(sampler.next()), rowsOf(sampler.next()), rowsOf(sampler.next())], [[0, 1], [2, 3], [4, 0]]);
    assert.deepEqual(sampler.state(), { mode: 'epochs', seed: 42, rng: sampler.state().rng, cursor: 1, epoch: 1, size: 5 });
  });

  it('shuffles each epoch differently with a fixed seed', () => {
    const sampler = new BatchSampler(lines(5), options({ shuffle: true, batchSize: 5, seed: 7 }));
    assert.deepEqual([rowsOf(sampler.next()), rowsOf(sampler.next()), rowsOf(sampler.next())], [
      [0, 1, 2, 4, 3],
      [1, 4, 3, 2, 0],
      [3, 1, 4, 2, 0],
    ]);
  });

  it('makes encoder-decoder batches', () => {
    const batch = new BatchSampler(pairs(4), options({ batchSize: 3 })).next();
    assert.deepEqual(batch, {
      kind: 'encoder-decoder', B: 3, S: 3, T: 4,
      src: ids(4, 5, EOS_ID, 5, 6, EOS_ID, 6, 7, EOS_ID),
      tgtIn: ids(BOS_ID, 4, PAD_ID, PAD_ID, BOS_ID, 5, 5, PAD_ID, BOS_ID, 6, 6, 6),
      tgtOut: ids(4, EOS_ID, PAD_ID, PAD_ID, 5, 5, EOS_ID, PAD_ID, 6, 6, 6, EOS_ID),
      tokens: 9,
    });
  });

  it('rejects a batch size or context that is not a positive integer', () => {
    assert.throws(() => new BatchSampler(lines(3), options({ batchSize: 0 })), /batchSize is 0, expected a positive integer/);
    assert.throws(() => new BatchSampler(lines(3), options({ context: 2.5 })), /context is 2.5, expected a positive integer/);
  });
});

describe('sampler state', () => {
  const cases: [string, Dataset, Partial<SamplerOptions>][] = [
    ['random windows', stream(50), { shuffle: true }],
    ['sequential windows', stream(50), { shuffle: false }],
    ['shuffled lines', lines(7), { shuffle: true, batchSize: 3 }],
    ['ordered lines', lines(7), { shuffle: false, batchSize: 3 }],
    ['shuffled pairs', pairs(5), { shuffle: true, batchSize: 4 }],
  ];
  for (const [name, dataset, overrides] of cases) {
    it(`${name}: a restored sampler gives the same next 20 batches as an uninterrupted one`, () => {
      const uninterrupted = new BatchSampler(dataset, options(overrides));
      for (let i = 0; i < 5; i++) uninterrupted.next();
      const saved = JSON.parse(JSON.stringify(uninterrupted.state()));
      const resumed = new BatchSampler(dataset, options({ ...overrides, seed: 999 }));
      resumed.restore(saved);
      const expected = Array.from({ length: 20 }, () => uninterrupted.next());
      const actual = Array.from({ length: 20 }, () => resumed.next());
      assert.deepEqual(actual, expected);
      assert.deepEqual(resumed.state(), uninterrupted.state());
    });
  }

  it('refuses a state saved for other data or settings', () => {
    const saved = new BatchSampler(lines(5), options()).state();
    assert.throws(() => new BatchSampler(lines(6), options()).restore(saved), /dataset of size 5 but this one has 6: the data changed/);
    assert.throws(() => new BatchSampler(stream(20), options()).restore(saved), /state is for epochs sampling but this run uses sequential-windows/);
    assert.throws(() => new BatchSampler(lines(5), options()).restore({ ...saved, cursor: -1 }), /state is malformed/);
  });
});

describe('evalBatches', () => {
  it('returns the same batches on every call, different from the training ones', () => {
    const dataset = stream(200);
    const opts = options({ shuffle: true });
    const first = evalBatches(dataset, opts, 3);
    assert.equal(first.length, 3);
    assert.deepEqual(evalBatches(dataset, opts, 3), first);
    assert.notDeepEqual(startsOf(first[0]), startsOf(new BatchSampler(dataset, opts).next()));
  });

  it('takes the first examples in order without shuffle', () => {
    assert.deepEqual(evalBatches(lines(5), options(), 2).map(rowsOf), [[0, 1], [2, 3]]);
  });
});
