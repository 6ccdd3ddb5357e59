import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigFile } from '../../src/node/configFile';
import { readDatasetFiles } from '../../src/node/dataFiles';
import { loadPreparedData } from '../../src/node/preparedData';
import { runFingerprint } from '../../src/node/runFolder';
import { tokenCacheFolder, trimTokenCache } from '../../src/node/tokenCache';
import { prepareData, type PreparedData } from '../../src/engine/data/prepare';
import type { Dataset } from '../../src/engine/data/datasets';
import { tempDir } from '../support/cli';

const STORY = Array.from({ length: 300 }, (_, i) => `Line ${i}: the quick brown fox ${i % 3 === 0 ? 'jumps' : 'naps'} over the lazy dog.`).join('\n');

/** A config in a fresh folder with its data files; returns the config's path. */
function project(data: string, files: Record<string, string>): string {
  const dir = tempDir('losslab-cache-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const config = join(dir, 'c.lab.yaml');
  writeFileSync(config, [
    'name: cache', 'seed: 1', 'model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, d_ff: 32, context: 16 }',
    `data: ${data}`, 'training: { steps: 2, batch_size: 2 }', '',
  ].join('\n'));
  return config;
}

function project2(data: string, files: Record<string, string>): string {
  const config = project(data, files);
  writeFileSync(config, readFileSync(config, 'utf8').replace('kind: gpt, d_model: 16, n_layers: 1', 'kind: encoder-decoder, d_model: 16, n_encoder_layers: 1, n_decoder_layers: 1'));
  return config;
}

function cacheEntries(configFile: string): string[] {
  const folder = tokenCacheFolder(configFile);
  return readdirSync(folder).filter((n) => n.endsWith('.tokens')).map((n) => join(folder, n));
}

/** Plain arrays of a dataset's ids, to compare data from the cache with freshly tokenized data. */
function idsOf(dataset: Dataset): number[][] {
  if (dataset.kind === 'stream') return [Array.from(dataset.tokens)];
  if (dataset.kind === 'lines') return dataset.sequences.map((s) => Array.from(s));
  return dataset.pairs.flatMap((p) => [Array.from(p.source), Array.from(p.target)]);
}

function assertSameData(actual: PreparedData, expected: PreparedData): void {
  assert.deepEqual(actual.vocab.toJSON(), expected.vocab.toJSON());
  for (const side of ['train', 'val'] as const) {
    assert.equal(actual[side].kind, expected[side].kind);
    assert.equal(actual[side].file, expected[side].file);
    assert.deepEqual(idsOf(actual[side]), idsOf(expected[side]), side);
  }
}

async function load(configFile: string) {
  const { config } = await loadConfigFile(configFile);
  return { config, loaded: await loadPreparedData(config, { configFile }), fresh: prepareData(config, await readDatasetFiles(config)) };
}

describe('token cache', () => {
  for (const [vocab, type] of [['char', Uint16Array], ['word', Uint16Array], ['bpe, vocab_size: 300', Uint16Array], ['byte', Uint16Array]] as const) {
    it(`${vocab}: the first load writes an entry, the second returns the same ids and vocabulary from it`, async () => {
      const configFile = project(`{ train: story.txt, val_fraction: 0.1, vocab: ${vocab} }`, { 'story.txt': STORY });
      const first = await load(configFile);
      assert.deepEqual(first.loaded.notices, []);
      assertSameData(first.loaded.data, first.fresh);
      const [entry] = cacheEntries(configFile);
      assert.ok(entry, 'an entry was written');
      const second = await load(configFile);
      assert.deepEqual(second.loaded.notices, []);
      assertSameData(second.loaded.data, first.fresh);
      const { train, val } = second.loaded.data;
      assert.ok(train.kind === 'stream' && val.kind === 'stream' && train.tokens instanceof type);
      // Read from the entry: the ids are views of the one buffer holding the whole file.
      assert.equal(train.tokens.buffer.byteLength, statSync(entry).size);
      assert.equal(val.tokens.buffer, train.tokens.buffer);
      // The run's fingerprint is the one the file contents give, so runs resume across the change.
      assert.equal(second.loaded.dataHash, runFingerprint(second.config, { train: STORY, val: null }).dataHash);
    });
  }

  it('caches lines and pairs datasets and a separate val file, each as views of the entry', async () => {
    const lines = project('{ train: t.txt, val: v.txt, vocab: char, sequences: lines }', { 't.txt': 'ab\n\nba\nabc\n', 'v.txt': 'cab\nzz\n' });
    const pairs = project2('{ train: t.tsv, val_fraction: 0.25, vocab: word }', { 't.tsv': 'a b\tc\nb\tc d\nd a\tb\nc\ta b c\n' });
    for (const configFile of [lines, pairs]) {
      const first = await load(configFile);
      const second = await load(configFile);
      assertSameData(second.loaded.data, first.fresh);
      const [entry] = cacheEntries(configFile);
      const train = second.loaded.data.train;
      const ids = train.kind === 'lines' ? train.sequences[0] : train.kind === 'pairs' ? train.pairs[0].source : train.tokens;
      assert.equal(ids.buffer.byteLength, statSync(entry).size);
    }
    const { config } = await loadConfigFile(lines);
    assert.equal((await loadPreparedData(config, { configFile: lines })).dataHash, runFingerprint(config, { train: 'ab\n\nba\nabc\n', val: 'cab\nzz\n' }).dataHash);
  });

  it('a file with byte-order marks and CR LF, CR CR LF and lone CR gives the ids its text gives, and the fingerprint of its bytes', async () => {
    const contents = '\ufeff\ufeffThe cat sat.\r\nA dog, a cat\r\r\nand é\r\r\r\nx\rlone\r\n\r\nend\r\n'.repeat(20);
    for (const vocab of ['char', 'bpe, vocab_size: 270']) {
      const configFile = project(`{ train: crlf.txt, val_fraction: 0.1, vocab: ${vocab} }`, { 'crlf.txt': contents });
      const { config, loaded } = await load(configFile);
      assertSameData(loaded.data, prepareData(config, { train: contents, val: null }));
      assert.equal(loaded.dataHash, runFingerprint(config, { train: contents, val: null }).dataHash);
    }
  });

  it('a damaged entry (truncated, or one byte changed) is reported, not trusted, and rewritten', async () => {
    const configFile = project('{ train: story.txt, val_fraction: 0.1, vocab: char }', { 'story.txt': STORY });
    const { fresh } = await load(configFile);
    const [entry] = cacheEntries(configFile);
    const whole = readFileSync(entry);
    const flipped = Buffer.from(whole);
    flipped[whole.length - 3] ^= 0x01;
    for (const damage of [() => truncateSync(entry, whole.length - 100), () => writeFileSync(entry, flipped), () => truncateSync(entry, 20)]) {
      damage();
      const again = await loadPreparedData((await loadConfigFile(configFile)).config, { configFile });
      assert.equal(again.notices.length, 1);
      assert.match(again.notices[0], /token cache entry .* (fails its sha256 check|is truncated)[^:]*: tokenizing the data again and rewriting it/);
      assertSameData(again.data, fresh);
      assert.deepEqual(readFileSync(entry), whole, 'the entry was rewritten whole');
    }
  });

  it('another vocabulary or file content is another entry; another split is the same one', async () => {
    const configFile = project('{ train: story.txt, val_fraction: 0.1, vocab: char }', { 'story.txt': STORY });
    await load(configFile);
    const { config } = await loadConfigFile(configFile, { 'data.val_fraction': 0.3, 'data.shuffle': false });
    const resplit = await loadPreparedData(config, { configFile });
    assert.equal(cacheEntries(configFile).length, 1);
    assert.equal(resplit.data.val.kind === 'stream' && resplit.data.val.tokens.length, Math.round(STORY.length * 0.3));
    await loadPreparedData((await loadConfigFile(configFile, { 'data.vocab': 'byte' })).config, { configFile });
    assert.equal(cacheEntries(configFile).length, 2);
    writeFileSync(config.data.train, `${STORY}!`);
    await loadPreparedData(config, { configFile });
    assert.equal(cacheEntries(configFile).length, 3);
  });

  it('is trimmed to its size limit, least recently used entries first, never the one just written', async () => {
    const configFile = project('{ train: story.txt, val_fraction: 0.1, vocab: char }', { 'story.txt': STORY });
    for (const vocab of ['char', 'byte', 'word']) await loadPreparedData((await loadConfigFile(configFile, { 'data.vocab': vocab })).config, { configFile });
    const entries = cacheEntries(configFile);
    assert.equal(entries.length, 3);
    entries.forEach((entry, i) => utimesSync(entry, new Date(1000 * (i + 1)), new Date(1000 * (i + 1) * 1000)));
    const sizes = entries.map((e) => statSync(e).size);
    const folder = tokenCacheFolder(configFile);
    const keep = (entry: string): string => entry.slice(folder.length + 1, -'.tokens'.length);
    // Room for the kept one (the oldest) and the newest: the middle one goes.
    const deleted = trimTokenCache(folder, keep(entries[0]), sizes[0] + sizes[2]);
    assert.deepEqual(deleted, [entries[1]]);
    assert.deepEqual(cacheEntries(configFile).sort(), [entries[0], entries[2]].sort());
  });

  it('with the cache off nothing is written', async () => {
    const configFile = project('{ train: story.txt, val_fraction: 0.1, vocab: char }', { 'story.txt': STORY });
    const { config } = await loadConfigFile(configFile);
    await loadPreparedData(config, { configFile, cache: false });
    assert.throws(() => readdirSync(tokenCacheFolder(configFile)), /ENOENT/);
  });
});
