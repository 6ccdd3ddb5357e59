import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  datasetTexts,
  parseGptText,
  parsePairs,
  splitDataset,
  tokenizeDataset,
  type Dataset,
} from '../../src/engine/data/datasets';
import { DataError } from '../../src/engine/data/errors';
import { buildVocabulary } from '../../src/engine/data/vocab';

const FILE = 'data/train.tsv';

/** Asserts `fn` throws a DataError with exactly this location and a reason matching `reason`. */
function assertDataError(fn: () => unknown, file: string, line: number, column: number, reason: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.equal(error.line, line);
    assert.equal(error.column, column);
    assert.match(error.reason, reason);
    assert.equal(error.message, `${file}: ${error.reason}`);
    return true;
  });
}

describe('gpt text', () => {
  it('keeps a stream whole, without BOM and with CRLF turned into LF', () => {
    assert.deepEqual(parseGptText('\uFEFFab\r\ncd\n', 'a.txt', 'stream'), { kind: 'stream', file: 'a.txt', text: 'ab\ncd\n' });
  });

  it('keeps each non-blank line with its 1-based line number', () => {
    const parsed = parseGptText('1+1=2\r\n\n  \n2+2=4\n', 'a.txt', 'lines');
    assert.deepEqual(parsed, { kind: 'lines', file: 'a.txt', lines: [{ text: '1+1=2', line: 1 }, { text: '2+2=4', line: 4 }] });
    assert.deepEqual(datasetTexts(parsed), ['1+1=2', '2+2=4']);
  });

  it('rejects an empty stream and a file without lines', () => {
    assertDataError(() => parseGptText('', 'a.txt', 'stream'), 'a.txt', 0, 0, /^the file is empty: expected text to train on$/);
    assertDataError(() => parseGptText('\n \n\t\n', 'a.txt', 'lines'), 'a.txt', 0, 0, /^the file has no non-blank lines: with `sequences: lines`/);
  });

  it('needs at least two tokens in a stream', () => {
    const words = buildVocabulary('word', ['hello']);
    assertDataError(() => tokenizeDataset(parseGptText('hello\n', 'a.txt', 'stream'), words), 'a.txt', 0, 0, /^the file has 1 word token: a stream needs at least 2/);
    assertDataError(() => tokenizeDataset(parseGptText(' \n ', 'a.txt', 'stream'), words), 'a.txt', 0, 0, /^the file has 0 word tokens/);
  });
});

describe('TSV pairs', () => {
  it('parses source<TAB>target lines, skipping blank ones', () => {
    const parsed = parsePairs('one\t1\n\ntwo three\t2 3\r\n', FILE, 'auto');
    assert.deepEqual(parsed, {
      kind: 'pairs',
      file: FILE,
      pairs: [{ source: 'one', target: '1', line: 1 }, { source: 'two three', target: '2 3', line: 3 }],
    });
    assert.deepEqual(datasetTexts(parsed), ['one', '1', 'two three', '2 3']);
  });

  it('locates every malformed line', () => {
    assertDataError(() => parsePairs('a\tb\n\nno tab here\n', FILE, 'tsv'), FILE, 3, 1, /^line 3 has no tab: expected "source<TAB>target"$/);
    assertDataError(() => parsePairs('a\tb\tc\td\n', FILE, 'tsv'), FILE, 1, 4, /^line 1 has 3 tabs: expected exactly one/);
    assertDataError(() => parsePairs('a\tb\n \tb\n', FILE, 'tsv'), FILE, 2, 1, /^line 2 has an empty source: expected text before the tab$/);
    assertDataError(() => parsePairs('abc\t  \n', FILE, 'tsv'), FILE, 1, 5, /^line 1 has an empty target: expected text after the tab$/);
  });

  it('rejects a file without examples', () => {
    assertDataError(() => parsePairs('\n\n', FILE, 'tsv'), FILE, 0, 0, /^the file has no examples/);
  });
});

describe('JSONL pairs', () => {
  const file = 'data/pairs.jsonl';

  it('parses one object per line and ignores other keys', () => {
    const parsed = parsePairs('{"source": "a b", "target": "c", "id": 7}\n\n{"target": "e", "source": "d"}', file, 'auto');
    assert.deepEqual(parsed, {
      kind: 'pairs',
      file,
      pairs: [{ source: 'a b', target: 'c', line: 1 }, { source: 'd', target: 'e', line: 3 }],
    });
  });

  it('locates every malformed line', () => {
    assertDataError(() => parsePairs('{"source": "a", }', file, 'jsonl'), file, 1, 17, /^line 1 is not valid JSON \(.*\): expected \{"source": "\.\.\.", "target": "\.\.\."\}$/);
    assertDataError(() => parsePairs('{"source": "a", "target": "b"}\n[1, 2]', file, 'jsonl'), file, 2, 1, /^line 2 is an array: expected an object/);
    assertDataError(() => parsePairs('"text"', file, 'jsonl'), file, 1, 1, /^line 1 is a string: expected an object/);
    assertDataError(() => parsePairs('{"source": "a"}', file, 'jsonl'), file, 1, 1, /^line 1 has no "target" key: expected \{"source"/);
    assertDataError(() => parsePairs('{"source": 5, "target": "x"}', file, 'jsonl'), file, 1, 2, /^line 1: "source" is a number: expected a string$/);
    assertDataError(() => parsePairs('{"source": "a", "target": null}', file, 'jsonl'), file, 1, 17, /^line 1: "target" is null: expected a string$/);
    assertDataError(() => parsePairs('{"source": "a", "target": " "}', file, 'jsonl'), file, 1, 17, /^line 1 has an empty "target": expected some text$/);
  });
});

describe('format auto', () => {
  it('names the known extensions when it cannot tell', () => {
    assertDataError(() => parsePairs('a\tb', 'data/pairs.CSV', 'auto'), 'data/pairs.CSV', 0, 0, /^cannot tell the format: the file has extension "\.csv"; known extensions are \.tsv .* and \.jsonl .*, or set data\.format$/);
    assertDataError(() => parsePairs('a\tb', 'data.d/pairs', 'auto'), 'data.d/pairs', 0, 0, /^cannot tell the format: the file has no extension;/);
  });

  it('lets an explicit format override the extension', () => {
    assert.equal(parsePairs('a\tb', 'pairs.txt', 'tsv').kind, 'pairs');
  });
});

describe('tokenize and split', () => {
  const vocab = buildVocabulary('char', ['abcdefghij']);

  it('tokenizes each kind', () => {
    const stream = tokenizeDataset(parseGptText('abcx', 's.txt', 'stream'), vocab);
    assert.deepEqual(stream, { kind: 'stream', file: 's.txt', tokens: Uint16Array.from([4, 5, 6, 3]) });
    const pairs = tokenizeDataset(parsePairs('ab\tc\n', FILE, 'tsv'), vocab);
    assert.deepEqual(pairs, { kind: 'pairs', file: FILE, pairs: [{ source: Uint16Array.from([4, 5]), target: Uint16Array.from([6]) }] });
  });

  it('holds out the last fraction of a stream', () => {
    const stream = tokenizeDataset(parseGptText('abcdefghij', 's.txt', 'stream'), vocab);
    const { train, val } = splitDataset(stream, 0.2);
    assert.deepEqual(train, { kind: 'stream', file: 's.txt', tokens: Uint16Array.from([4, 5, 6, 7, 8, 9, 10, 11]) });
    assert.deepEqual(val, { kind: 'stream', file: 's.txt', tokens: Uint16Array.from([12, 13]) });
  });

  it('holds out the last fraction of the examples', () => {
    const lines = tokenizeDataset(parseGptText('a\nb\nc\nd\ne\n', 'l.txt', 'lines'), vocab) as Extract<Dataset, { kind: 'lines' }>;
    const { train, val } = splitDataset(lines, 0.4);
    assert.deepEqual(train, { kind: 'lines', file: 'l.txt', sequences: lines.sequences.slice(0, 3) });
    assert.deepEqual(val, { kind: 'lines', file: 'l.txt', sequences: [Uint16Array.from([7]), Uint16Array.from([8])] });
  });

  it('refuses a split that would leave a side empty, saying how much data there is', () => {
    const lines = tokenizeDataset(parseGptText('a\nb\nc\n', 'l.txt', 'lines'), vocab);
    assertDataError(() => splitDataset(lines, 0.1), 'l.txt', 0, 0, /^val_fraction 0\.1 of 3 examples gives 0 for validation and 3 for training; each side needs at least 1/);
    assertDataError(() => splitDataset(lines, 0.9), 'l.txt', 0, 0, /^val_fraction 0\.9 of 3 examples gives 3 for validation and 0 for training/);
    const stream = tokenizeDataset(parseGptText('abc', 's.txt', 'stream'), vocab);
    assertDataError(() => splitDataset(stream, 0.5), 's.txt', 0, 0, /^val_fraction 0\.5 of 3 tokens gives 2 for validation and 1 for training; each side needs at least 2/);
    assertDataError(() => splitDataset(stream, 0), 's.txt', 0, 0, /^val_fraction is 0: expected a number between 0 and 1/);
  });
});
