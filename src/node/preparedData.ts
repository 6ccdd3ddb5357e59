import { createHash, type Hash } from 'node:crypto';
import type { LabConfig } from '../config/types';
import { splitTokenized, tokenizeData, type PreparedData, type TokenizedData } from '../engine/data/prepare';
import { hashDatasetFile, readDatasetBytes } from './dataFiles';
import { DATA_HASH_VAL_SEPARATOR } from './runFolder';
import { readTokenCache, tokenCacheFolder, tokenCacheKey, writeTokenCache, type DataFileHashes } from './tokenCache';

/** A config's data ready to train on, with the hash of its files' bytes that a run's fingerprint records. */
export interface LoadedData {
  data: PreparedData;
  /** As `runFingerprint` computes it from the files' contents. */
  dataHash: string;
  /** What the user should know: a damaged cache entry rebuilt, a cache that could not be written. */
  notices: string[];
}

export interface LoadDataOptions {
  /** The config file: the token cache is `.losslab/cache/` beside it. */
  configFile: string;
  /** Off: tokenize every time and write nothing (for tests, and where nothing may be written). */
  cache?: boolean;
}

/**
 * Loads a config's data: the files are hashed as they stream by (not held), and a cached tokenization of the same
 * bytes and data settings is used as it is; otherwise the files are read (each held once, as bytes, then as text
 * until tokenized), tokenized and cached. Bad data throws DataErrors naming the files, as `prepareData` does.
 */
export async function loadPreparedData(config: LabConfig, options: LoadDataOptions): Promise<LoadedData> {
  const useCache = options.cache ?? true;
  const notices: string[] = [];
  const folder = tokenCacheFolder(options.configFile);
  const files = { train: config.data.train, val: config.data.val };
  if (useCache) {
    const streamed = await hashFiles(config);
    const key = tokenCacheKey(config, streamed.files);
    const found = readTokenCache(folder, key, files);
    if ('data' in found) return { data: splitTokenized(config, found.data), dataHash: streamed.dataHash, notices };
    if ('damaged' in found) notices.push(`the token cache entry ${key.slice(0, 12)}… in ${folder} ${found.damaged}: tokenizing the data again and rewriting it`);
  }
  const { tokenized, hashes, dataHash } = await readAndTokenize(config);
  if (useCache) {
    try {
      writeTokenCache(folder, tokenCacheKey(config, hashes), tokenized);
    } catch (error) {
      notices.push(`the tokenized data could not be cached in ${folder} (${(error as Error).message}); the next run tokenizes it again`);
    }
  }
  return { data: splitTokenized(config, tokenized), dataHash, notices };
}

/** The files' digests and the fingerprint's dataHash, in one streaming pass over each file. */
async function hashFiles(config: LabConfig): Promise<{ files: DataFileHashes; dataHash: string }> {
  const combined = createHash('sha256');
  const train = createHash('sha256');
  await hashDatasetFile(config.data.train, 'data.train', [train, combined]);
  let val: Hash | null = null;
  if (config.data.val !== null) {
    val = createHash('sha256');
    combined.update(DATA_HASH_VAL_SEPARATOR);
    await hashDatasetFile(config.data.val, 'data.val', [val, combined]);
  }
  return { files: { train: train.digest('hex'), val: val?.digest('hex') ?? null }, dataHash: combined.digest('hex') };
}

/** Reads the files and tokenizes them; the bytes are let go once they are text, the text once it is ids. */
async function readAndTokenize(config: LabConfig): Promise<{ tokenized: TokenizedData; hashes: DataFileHashes; dataHash: string }> {
  const combined = createHash('sha256');
  const textOf = async (file: string, key: string): Promise<{ text: string; hash: string }> => {
    const bytes = await readDatasetBytes(file, key);
    combined.update(bytes);
    const hash = createHash('sha256').update(bytes).digest('hex');
    return { text: textWithoutLoneCrlf(bytes), hash };
  };
  const train = await textOf(config.data.train, 'data.train');
  let val: { text: string; hash: string } | null = null;
  if (config.data.val !== null) {
    combined.update(DATA_HASH_VAL_SEPARATOR);
    val = await textOf(config.data.val, 'data.val');
  }
  const tokenized = tokenizeData(config, { train: train.text, val: val?.text ?? null });
  return { tokenized, hashes: { train: train.hash, val: val?.hash ?? null }, dataHash: combined.digest('hex') };
}

/**
 * The bytes as UTF-8 text, each CR LF not preceded by another CR turned into LF by compacting the bytes in place (they
 * are hashed already), so the parser's CRLF normalization copies nothing: done on the decoded string it held the text
 * twice. A run of CRs before a LF is left to the parser, so that the text is normalized exactly once.
 */
function textWithoutLoneCrlf(bytes: Buffer): string {
  const first = bytes.indexOf('\r\n');
  if (first < 0) return bytes.toString('utf8');
  let end = first;
  let previous = first > 0 ? bytes[first - 1] : -1;
  for (let i = first; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== 0x0d || bytes[i + 1] !== 0x0a || previous === 0x0d) bytes[end++] = byte;
    previous = byte;
  }
  return bytes.toString('utf8', 0, end);
}

/** `loadPreparedData` for the commands that only need the data (validate, find-lr, export-torch); notices go to `onNotice`. */
export async function loadConfigData(config: LabConfig, configFile: string, onNotice: (message: string) => void): Promise<PreparedData> {
  const { data, notices } = await loadPreparedData(config, { configFile });
  for (const notice of notices) onNotice(notice);
  return data;
}
