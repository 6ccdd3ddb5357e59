import { isUtf8 } from 'node:buffer';
import type { Hash } from 'node:crypto';
import { dataFileReferences } from '../config/rawValues';
import { LineIndex } from '../config/sourceMap';
import type { ConfigDiagnostic, LabConfig } from '../config/types';
import { DataError } from '../engine/data/errors';
import type { DatasetFiles } from '../engine/data/prepare';
import { UnsafeFileError, checkRegularFile, formatBytes, openRegularFile, readRegularFile } from './safeFile';

export { formatBytes };

/**
 * A dataset's text is held once while it is tokenized and its ids stay in memory (2 bytes each for vocabularies up to
 * 65 536 ids); beyond this the text, the ids and the model together would exhaust the extension host or a browser tab.
 */
export const MAX_DATASET_BYTES = 512 * 1024 ** 2;

/** A dataset file that cannot be loaded (missing, a folder, unreadable, empty, not UTF-8, too large). */
export class DataFileError extends DataError {
  override readonly name: string = 'DataFileError';
}

export interface ReadDatasetOptions {
  /** Largest file accepted, in bytes; MAX_DATASET_BYTES unless a test needs a small limit. */
  maxBytes?: number;
}

/** Offset of the first byte that breaks UTF-8 (bad lead byte, bad continuation, overlong, surrogate, > U+10FFFF, cut). */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Allowed range of the second byte per lead byte (RFC 3629 table), which rules out overlongs and surrogates.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const byte = bytes[i + k];
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (byte === undefined || byte < min || byte > max) return i;
    }
    i += length;
  }
  return -1;
}

function utf8Error(file: string, bytes: Uint8Array, offset: number): DataFileError {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const byte = bytes[offset].toString(16).padStart(2, '0');
  const reason = `the file is not valid UTF-8: byte 0x${byte} at offset ${offset} (line ${line}) does not form a character; save the file as UTF-8`;
  return new DataFileError(file, line, offset - lineStart + 1, reason);
}

/** The user's reason a dataset file cannot be used, naming the config key to fix. */
function datasetProblem(error: UnsafeFileError, configKey: string, maxBytes: number): string {
  switch (error.code) {
    case 'ENOENT': return `file not found: check ${configKey} in the config (relative paths are relative to the config file's folder)`;
    case 'EACCES': return `the file is not readable (permission denied): check its permissions or ${configKey}`;
    case 'EISDIR': return `the path is a folder, not a file: ${configKey} must name a text file`;
    case 'EFIFO': return `the path is a pipe (FIFO), not a regular file: ${configKey} must name a text file`;
    case 'ESOCKET': return `the path is a socket, not a regular file: ${configKey} must name a text file`;
    case 'ESPECIAL': return `the path is a device or other special file, not a regular file: ${configKey} must name a text file`;
    case 'ETOOBIG': {
      const size = error.size === undefined ? `over ${formatBytes(maxBytes)}` : formatBytes(error.size);
      return `Loss Lab loads datasets into memory; this file is ${size}; the limit is ${formatBytes(maxBytes)} — split it or use a sample`;
    }
    default: return `the file cannot be read (${error.code}): check ${configKey}`;
  }
}

const emptyProblem = (configKey: string) => `the file is empty: ${configKey} must name a file with training text`;

/**
 * Why a dataset file cannot be loaded (missing, not a regular file, unreadable, too large, empty), checked without
 * reading it and without blocking on a FIFO; null when it can. `validate` reports these at the config key.
 */
export async function datasetFileProblem(file: string, configKey: string, options: ReadDatasetOptions = {}): Promise<string | null> {
  const maxBytes = options.maxBytes ?? MAX_DATASET_BYTES;
  try {
    const size = await checkRegularFile(file, { maxBytes, what: 'dataset file' });
    return size === 0 ? emptyProblem(configKey) : null;
  } catch (error) {
    if (error instanceof UnsafeFileError) return datasetProblem(error, configKey, maxBytes);
    throw error;
  }
}

/**
 * Reads one dataset file's bytes, checked to be UTF-8 text: only a regular file, its size checked before it is read.
 * `configKey` (e.g. `data.train`) is named in the errors so the user knows which setting to fix.
 */
export async function readDatasetBytes(file: string, configKey: string, options: ReadDatasetOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? MAX_DATASET_BYTES;
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, { maxBytes, what: 'dataset file' });
  } catch (error) {
    if (error instanceof UnsafeFileError) throw new DataFileError(file, 0, 0, datasetProblem(error, configKey, maxBytes));
    throw error;
  }
  if (bytes.length === 0) throw new DataFileError(file, 0, 0, emptyProblem(configKey));
  if (!isUtf8(bytes)) throw utf8Error(file, bytes, Math.max(firstInvalidUtf8Offset(bytes), 0));
  return bytes;
}

/** Reads one dataset file as UTF-8 text (see `readDatasetBytes`). */
export async function readDatasetFile(file: string, configKey: string, options: ReadDatasetOptions = {}): Promise<string> {
  return (await readDatasetBytes(file, configKey, options)).toString('utf8');
}

/** Bytes read at a time when a dataset file is hashed without holding it. */
const HASH_CHUNK_BYTES = 1024 ** 2;

/**
 * Feeds a dataset file's bytes to `hashes` a megabyte at a time, so a file can be recognised without being held in
 * memory; refuses what `readDatasetBytes` refuses except non-UTF-8 bytes (a file is checked when it is tokenized).
 */
export async function hashDatasetFile(file: string, configKey: string, hashes: readonly Hash[], options: ReadDatasetOptions = {}): Promise<void> {
  const maxBytes = options.maxBytes ?? MAX_DATASET_BYTES;
  try {
    const { handle, size } = await openRegularFile(file, { maxBytes, what: 'dataset file' });
    try {
      if (size === 0) throw new DataFileError(file, 0, 0, emptyProblem(configKey));
      const chunk = Buffer.alloc(HASH_CHUNK_BYTES);
      for (let bytesRead = -1; bytesRead !== 0;) {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
        for (const hash of hashes) hash.update(chunk.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof UnsafeFileError) throw new DataFileError(file, 0, 0, datasetProblem(error, configKey, maxBytes));
    throw error;
  }
}

/** Reads the training file and, when the config names one, the validation file. */
export async function readDatasetFiles(config: LabConfig, options: ReadDatasetOptions = {}): Promise<DatasetFiles> {
  const train = await readDatasetFile(config.data.train, 'data.train', options);
  const val = config.data.val === null ? null : await readDatasetFile(config.data.val, 'data.val', options);
  return { train, val };
}

/**
 * An error diagnostic at the value of each data path in a config text (data.train, data.val) whose file cannot be
 * loaded, as `validate` prints them; paths resolve against `configDir`, as training resolves them.
 */
export async function dataFileDiagnostics(source: string, fileName: string, configDir: string): Promise<ConfigDiagnostic[]> {
  const lines = new LineIndex(source);
  const found: ConfigDiagnostic[] = [];
  for (const reference of dataFileReferences(source, fileName, configDir)) {
    const problem = await datasetFileProblem(reference.resolved, reference.path);
    if (problem === null) continue;
    const [offset, end] = reference.range;
    const start = lines.position(offset);
    const stop = lines.position(end);
    const where = reference.resolved === reference.value ? reference.value : `${reference.value} (${reference.resolved})`;
    found.push({
      file: fileName, line: start.line, column: start.column, endLine: stop.line, endColumn: stop.column, offset, length: end - offset,
      path: reference.path, severity: 'error', message: `${where}: ${problem}`,
    });
  }
  return found;
}
