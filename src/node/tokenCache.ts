import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabConfig } from '../config/types';
import type { Dataset } from '../engine/data/datasets';
import type { TokenizedData } from '../engine/data/prepare';
import { tokenIdArray, type TokenIds } from '../engine/data/tokenIds';
import { vocabularyFromJSON, type VocabularyJSON } from '../engine/data/vocab';
import { canonicalJson } from './runFolder';

// One file per tokenized corpus: MAGIC, the header's length (uint32 LE), the sha256 of everything after the prefix,
// the header (JSON), then the id and offset arrays, each at a multiple of 8 bytes so they are read back as views.

/** Bumped whenever the file layout or the way any vocabulary turns text into ids changes, so old entries miss. */
export const TOKEN_CACHE_FORMAT = 'losslab-token-cache/1';
const MAGIC = Buffer.from('LLTOKENS', 'latin1');
const PREFIX_BYTES = MAGIC.length + 4 + 32;
const ENTRY_SUFFIX = '.tokens';
/** The cache folder is trimmed, least recently used entries first, to stay under this size. */
export const MAX_TOKEN_CACHE_BYTES = 2 * 1024 ** 3;
/** A temporary file this old is left over from a killed writer. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;

/** `.losslab/cache/` beside a config file, next to its runs folder `.losslab/runs/`. */
export function tokenCacheFolder(configFile: string): string {
  return join(dirname(configFile), '.losslab', 'cache');
}

/** sha256 hex digests of the dataset files' bytes. */
export interface DataFileHashes {
  train: string;
  val: string | null;
}

/** Data settings that leave the ids as they are: where the files are, how they are split and shuffled. */
const NOT_ID_SETTINGS: ReadonlySet<string> = new Set(['train', 'val', 'val_fraction', 'shuffle']);

/**
 * The cache key of a config's tokenized data: the files' contents and every data setting that changes the ids
 * (vocabulary kind and size, sequences, format, and any data setting added later), not the paths, the split or shuffle.
 */
export function tokenCacheKey(config: LabConfig, hashes: DataFileHashes): string {
  // bpe learns its merges from the training part alone (see vocabularyTexts), so its ids depend on val_fraction too.
  const idSettings = Object.fromEntries(Object.entries(config.data).filter(([name]) => !NOT_ID_SETTINGS.has(name) || (name === 'val_fraction' && config.data.vocab === 'bpe')));
  const keyed = { format: TOKEN_CACHE_FORMAT, model: config.model.kind, data: idSettings, files: hashes };
  return createHash('sha256').update(canonicalJson(keyed)).digest('hex');
}

/** Where the ids of one dataset sit in the entry: indexes into the header's `arrays`. */
type DatasetLayout =
  | { kind: 'stream'; tokens: number }
  | { kind: 'lines'; offsets: number; tokens: number }
  | { kind: 'pairs'; sourceOffsets: number; sources: number; targetOffsets: number; targets: number };

interface ArrayEntry {
  type: 'uint16' | 'int32';
  /** Byte offset from the start of the file. */
  offset: number;
  length: number;
}

interface Header {
  format: string;
  key: string;
  vocab: VocabularyJSON;
  arrays: ArrayEntry[];
  train: DatasetLayout;
  val: DatasetLayout | null;
  bytes: number;
}

/** The outcome of a lookup: the data, no entry, or an entry that cannot be trusted (and why). */
export type CacheLookup = { data: TokenizedData } | { missing: true } | { damaged: string };

/**
 * Reads the entry for `key`. Every byte after the prefix is checked against the stored sha256 before any of it is
 * used, so a truncated or altered entry is reported damaged, never trusted. The ids are views of the one buffer read.
 */
export function readTokenCache(folder: string, key: string, files: { train: string; val: string | null }): CacheLookup {
  const path = entryPath(folder, key);
  let bytes: Uint8Array;
  try {
    bytes = readWhole(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { damaged: `cannot be read (${(error as Error).message})` };
  }
  let data: TokenizedData;
  try {
    data = decodeEntry(bytes, key, files);
  } catch (error) {
    return { damaged: (error as Error).message };
  }
  markUsed(path);
  return { data };
}

/** Refreshes an entry's time, which trimming goes by; a cache on a read-only disk is still used as it is. */
function markUsed(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // Only the order in which entries are trimmed depends on it.
  }
}

/** The file's bytes in a fresh ArrayBuffer starting at offset 0, so 2- and 4-byte views of it are aligned. */
function readWhole(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(fstatSync(fd).size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

function decodeEntry(bytes: Uint8Array, key: string, files: { train: string; val: string | null }): TokenizedData {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < PREFIX_BYTES) throw new Error(`is truncated (${buffer.length} bytes, shorter than its own prefix)`);
  if (!buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('is not a token cache file');
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  if (PREFIX_BYTES + headerLength > buffer.length) throw new Error(`is truncated (${buffer.length} bytes, its header alone needs ${PREFIX_BYTES + headerLength})`);
  const digest = createHash('sha256').update(buffer.subarray(PREFIX_BYTES)).digest();
  if (!digest.equals(buffer.subarray(MAGIC.length + 4, PREFIX_BYTES))) throw new Error('fails its sha256 check (truncated or altered)');
  const header = JSON.parse(buffer.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headerLength)) as Header;
  if (header.format !== TOKEN_CACHE_FORMAT || header.key !== key) throw new Error(`is for ${header.format} key ${header.key}, not ${key}`);
  if (header.bytes !== buffer.length) throw new Error(`has ${buffer.length} bytes where its header says ${header.bytes}`);
  const vocab = vocabularyFromJSON(header.vocab);
  const arrays = header.arrays.map((entry) => viewOf(bytes, entry));
  const train = datasetOf(header.train, arrays, files.train);
  const val = header.val === null || files.val === null ? null : datasetOf(header.val, arrays, files.val);
  if ((header.val === null) !== (files.val === null)) throw new Error('was written for a config with a different data.val');
  return { vocab, train, val };
}

function viewOf(bytes: Uint8Array, entry: ArrayEntry): TokenIds {
  const width = entry.type === 'uint16' ? 2 : 4;
  if (entry.offset % 8 !== 0 || entry.offset + entry.length * width > bytes.byteLength) throw new Error('lists an array outside the file');
  const at = bytes.byteOffset + entry.offset;
  return entry.type === 'uint16' ? new Uint16Array(bytes.buffer, at, entry.length) : new Int32Array(bytes.buffer, at, entry.length);
}

function datasetOf(layout: DatasetLayout, arrays: readonly TokenIds[], file: string): Dataset {
  const array = (index: number): TokenIds => {
    const found = arrays[index];
    if (found === undefined) throw new Error(`names array ${index}, which it does not hold`);
    return found;
  };
  if (layout.kind === 'stream') return { kind: 'stream', file, tokens: array(layout.tokens) };
  if (layout.kind === 'lines') return { kind: 'lines', file, sequences: unpack(array(layout.offsets), array(layout.tokens)) };
  const sources = unpack(array(layout.sourceOffsets), array(layout.sources));
  const targets = unpack(array(layout.targetOffsets), array(layout.targets));
  if (sources.length !== targets.length) throw new Error(`holds ${sources.length} sources but ${targets.length} targets`);
  return { kind: 'pairs', file, pairs: sources.map((source, i) => ({ source, target: targets[i] })) };
}

/** Sequence i is tokens[offsets[i], offsets[i + 1]), as a view. */
function unpack(offsets: TokenIds, tokens: TokenIds): TokenIds[] {
  if (offsets.length < 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== tokens.length) throw new Error('has sequence offsets that do not span its ids');
  const out: TokenIds[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) {
    if (offsets[i + 1] < offsets[i]) throw new Error('has sequence offsets that go backwards');
    out.push(tokens.subarray(offsets[i], offsets[i + 1]));
  }
  return out;
}

/**
 * Writes the entry for `key` through a temporary file and a rename, so a reader sees a whole entry or none; the
 * arrays are written straight from memory, not copied into one buffer. Then trims the folder (see `trimTokenCache`).
 */
export function writeTokenCache(folder: string, key: string, data: TokenizedData): void {
  const parts: Uint8Array[] = [];
  const arrays: ArrayEntry[] = [];
  let position = 0;
  const add = (ids: TokenIds): number => {
    const padding = (8 - (position % 8)) % 8;
    if (padding > 0) parts.push(new Uint8Array(padding));
    position += padding;
    arrays.push({ type: ids instanceof Uint16Array ? 'uint16' : 'int32', offset: position, length: ids.length });
    parts.push(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
    position += ids.byteLength;
    return arrays.length - 1;
  };
  const packed = (sequences: readonly TokenIds[]): { offsets: number; tokens: number } => {
    const offsets = new Int32Array(sequences.length + 1);
    sequences.forEach((seq, i) => (offsets[i + 1] = offsets[i] + seq.length));
    const tokens = tokenIdArray(data.vocab.size, offsets[sequences.length]);
    sequences.forEach((seq, i) => tokens.set(seq, offsets[i]));
    return { offsets: add(offsets), tokens: add(tokens) };
  };
  const layoutOf = (dataset: Dataset): DatasetLayout => {
    if (dataset.kind === 'stream') return { kind: 'stream', tokens: add(dataset.tokens) };
    if (dataset.kind === 'lines') return { kind: 'lines', ...packed(dataset.sequences) };
    const sources = packed(dataset.pairs.map((p) => p.source));
    const targets = packed(dataset.pairs.map((p) => p.target));
    return { kind: 'pairs', sourceOffsets: sources.offsets, sources: sources.tokens, targetOffsets: targets.offsets, targets: targets.tokens };
  };
  const train = layoutOf(data.train);
  const val = data.val === null ? null : layoutOf(data.val);
  // The header's length decides where the arrays start, and the arrays' offsets are in the header: lay out twice.
  const headerFor = (start: number, total: number): Buffer => {
    const shifted = arrays.map((a) => ({ ...a, offset: a.offset + start }));
    const header: Header = { format: TOKEN_CACHE_FORMAT, key, vocab: data.vocab.toJSON(), arrays: shifted, train, val, bytes: total };
    return Buffer.from(JSON.stringify(header), 'utf8');
  };
  let start = align8(PREFIX_BYTES + headerFor(0, 0).length);
  let header = headerFor(start, start + position);
  while (PREFIX_BYTES + header.length > start) {
    start = align8(PREFIX_BYTES + header.length + 64);
    header = headerFor(start, start + position);
  }
  const gap = new Uint8Array(start - PREFIX_BYTES - header.length);
  const hash = createHash('sha256').update(header).update(gap);
  for (const part of parts) hash.update(part);
  const prefix = Buffer.alloc(PREFIX_BYTES);
  MAGIC.copy(prefix);
  prefix.writeUInt32LE(header.length, MAGIC.length);
  hash.digest().copy(prefix, MAGIC.length + 4);
  mkdirSync(folder, { recursive: true });
  writeAtomically(entryPath(folder, key), [prefix, header, gap, ...parts]);
  trimTokenCache(folder, key);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function entryPath(folder: string, key: string): string {
  return join(folder, `${key}${ENTRY_SUFFIX}`);
}

/** writeFileAtomic's temporary-file-and-rename, writing several buffers in turn instead of one joined copy. */
function writeAtomically(path: string, parts: readonly Uint8Array[]): void {
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    for (const part of parts) {
      for (let written = 0; written < part.byteLength;) written += writeSync(fd, part, written);
    }
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, path);
}

/**
 * Keeps the folder under MAX_TOKEN_CACHE_BYTES by deleting the least recently used entries (a hit refreshes an entry's
 * time), never `keep`; temporary files left by a killed writer go too. Returns the entries deleted.
 */
export function trimTokenCache(folder: string, keep: string, maxBytes = MAX_TOKEN_CACHE_BYTES): string[] {
  const now = Date.now();
  const entries: { path: string; bytes: number; used: number }[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats?.isFile()) continue;
    if (name.endsWith('.tmp') && now - stats.mtimeMs > STALE_TEMPORARY_MS) rmSync(path, { force: true });
    else if (name.endsWith(ENTRY_SUFFIX)) entries.push({ path, bytes: stats.size, used: stats.mtimeMs });
  }
  entries.sort((a, b) => b.used - a.used);
  const kept = entryPath(folder, keep);
  let total = entries.find((e) => e.path === kept)?.bytes ?? 0;
  const deleted: string[] = [];
  for (const entry of entries) {
    if (entry.path === kept) continue;
    total += entry.bytes;
    if (total > maxBytes) {
      rmSync(entry.path, { force: true });
      deleted.push(entry.path);
    }
  }
  return deleted;
}
