import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitDataset, tokenizeDataset, parseGptText } from '../../src/engine/data/datasets';
import { TokenIdBuilder, encodeChunked, textChunks, tokenIdArray } from '../../src/engine/data/tokenIds';
import { buildVocabulary, type Vocabulary } from '../../src/engine/data/vocab';
import type { VocabKind } from '../../src/config/types';

/** Text with what could go wrong at a cut: indented and blank lines, tabs, runs of spaces, non-ASCII, a surrogate pair, contractions. */
function trickyText(lines: number): string {
  const shapes = [
    'The cat sat on the mat.', '  indented line with  two spaces', '\tTabbed\tline', '', 'Ünïcödé ça va, naïve café',
    "it's we'll they're I'd", 'emoji 😀 here and 𝔘 there', '    ', 'numbers 12345 and 3.14159', 'CAPS and MiXeD', 'x',
    '\u0085next-line character first', 'trailing spaces  ',
  ];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`${shapes[i % shapes.length]}${i % 7 === 0 ? '   ' : ''}`);
  return `${out.join('\n')}\n`;
}

function concatIds(vocab: Vocabulary, chunks: readonly string[]): number[] {
  return chunks.flatMap((chunk) => vocab.encode(chunk));
}

const KINDS: { kind: VocabKind; vocabSize?: number }[] = [{ kind: 'byte' }, { kind: 'char' }, { kind: 'word' }, { kind: 'bpe', vocabSize: 320 }, { kind: 'gpt2' }];

describe('chunked tokenization', () => {
  const text = trickyText(400);

  it('cuts only just before a newline followed by a non-whitespace character, and the chunks join to the text', () => {
    for (const size of [1, 7, 64, 1000]) {
      const chunks = textChunks(text, size);
      assert.equal(chunks.join(''), text);
      assert.ok(chunks.length > 1, `chunk size ${size} gives ${chunks.length} chunk(s)`);
      for (let i = 0; i + 1 < chunks.length; i++) {
        assert.equal(chunks[i + 1][0], '\n', `chunk ${i + 1} starts with ${JSON.stringify(chunks[i + 1].slice(0, 3))}`);
        assert.match(chunks[i + 1][1], /[^\s\u0085]/);
        assert.ok(chunks[i].length >= size, `chunk ${i} has ${chunks[i].length} < ${size} characters`);
      }
    }
    assert.deepEqual(textChunks('one line, no newline at all', 4), ['one line, no newline at all']);
  });

  for (const { kind, vocabSize } of KINDS) {
    it(`${kind}: the chunks' ids one after another equal the whole text's ids, and the vocabulary built from chunks equals the whole text's`, () => {
      const whole = buildVocabulary(kind, [text], { vocabSize });
      const expected = whole.encode(text);
      for (const size of [1, 13, 200]) {
        const chunks = textChunks(text, size);
        assert.deepEqual(concatIds(whole, chunks), expected, `chunk size ${size}`);
        assert.deepEqual(buildVocabulary(kind, chunks, { vocabSize }).toJSON(), whole.toJSON(), `vocabulary from chunks of ${size}`);
      }
      const chunked = encodeChunked(whole, text);
      assert.ok(chunked instanceof Uint16Array);
      assert.deepEqual(Array.from(chunked), expected);
    });
  }

  it('a corpus larger than one chunk is encoded into one compact array equal to the whole-text ids', () => {
    const big = trickyText(120_000);
    assert.ok(big.length > 2 * 1024 ** 2, `${big.length} characters`);
    for (const kind of ['byte', 'char', 'word'] as const) {
      const vocab = buildVocabulary(kind, textChunks(big));
      assert.deepEqual(vocab.toJSON(), buildVocabulary(kind, [big]).toJSON());
      const dataset = tokenizeDataset(parseGptText(big, 'big.txt', 'stream'), vocab);
      assert.equal(dataset.kind, 'stream');
      if (dataset.kind !== 'stream') return;
      assert.ok(dataset.tokens instanceof Uint16Array);
      assert.deepEqual(Array.from(dataset.tokens), vocab.encode(big), kind);
    }
  });
});

describe('compact id arrays', () => {
  it('uses Uint16Array up to 65 536 ids and Int32Array past it', () => {
    assert.ok(tokenIdArray(260, 3) instanceof Uint16Array);
    assert.ok(tokenIdArray(65_536, 3) instanceof Uint16Array);
    assert.ok(tokenIdArray(65_537, 3) instanceof Int32Array);
  });

  it('a word vocabulary past 65 536 ids gives Int32Array ids, equal to its encoding', () => {
    const words = Array.from({ length: 70_000 }, (_, i) => `w${i.toString(36)}`);
    const text = `${words.join(' ')}\n${words.slice(0, 10).join(' ')}\n`;
    const vocab = buildVocabulary('word', textChunks(text));
    assert.equal(vocab.size, 70_004);
    const dataset = tokenizeDataset(parseGptText(text, 'w.txt', 'stream'), vocab);
    assert.ok(dataset.kind === 'stream' && dataset.tokens instanceof Int32Array);
    assert.deepEqual(Array.from(dataset.tokens), vocab.encode(text));
    assert.ok(Math.max(...dataset.tokens) > 65_535);
  });

  it('the builder grows past its first capacity and trims what it did not use', () => {
    const builder = new TokenIdBuilder(100, 4);
    for (let i = 0; i < 50; i++) builder.append([i, i + 1]);
    const ids = builder.finish();
    assert.ok(ids instanceof Uint16Array);
    assert.equal(ids.length, 100);
    assert.deepEqual(Array.from(ids.subarray(0, 4)), [0, 1, 1, 2]);
    assert.ok(ids.buffer.byteLength <= 2 * 100 / 0.875);
  });

  it('a stream split into train and val shares the ids instead of copying them', () => {
    const vocab = buildVocabulary('char', ['abcdefghij']);
    const dataset = tokenizeDataset(parseGptText('abcdefghij', 's.txt', 'stream'), vocab);
    const { train, val } = splitDataset(dataset, 0.2);
    assert.ok(dataset.kind === 'stream' && train.kind === 'stream' && val.kind === 'stream');
    assert.equal(train.tokens.buffer, dataset.tokens.buffer);
    assert.equal(val.tokens.buffer, dataset.tokens.buffer);
    assert.deepEqual(Array.from(val.tokens), [12, 13]);
  });
});
