import { isUtf8 } from 'node:buffer';
import { readFile, stat } from 'node:fs/promises';
import type { LabConfig } from '../config/types';
import { DataError } from '../engine/data/errors';
import type { DatasetFiles } from '../engine/data/prepare';

/** Datasets are loaded whole into memory; beyond this a run would exhaust the extension host or the browser tab. */
export const MAX_DATASET_BYTES = 512 * 1024 ** 2;

/** A dataset file that cannot be loaded (missing, a folder, unreadable, empty, not UTF-8, too large). */
export class DataFileError extends DataError {
  override readonly name: string = 'DataFileError';
}

export interface ReadDatasetOptions {
  /** Largest file accepted, in bytes; MAX_DATASET_BYTES unless a test needs a small limit. */
  maxBytes?: number;
}

/** "3.2 GiB", "512 MiB", "40 bytes". */
export function formatBytes(bytes: number): string {
  const units = ['GiB', 'MiB', 'KiB'];
  for (let i = 0; i < units.length; i++) {
    const size = 1024 ** (units.length - i);
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[i]}`;
    }
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
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

/**
 * Reads one dataset file as UTF-8 text. `configKey` (e.g. `data.train`) is named in the errors so the user knows
 * which setting to fix.
 */
export async function readDatasetFile(file: string, configKey: string, options: ReadDatasetOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? MAX_DATASET_BYTES;
  const fail = (reason: string): DataFileError => new DataFileError(file, 0, 0, reason);
  const describe = (error: unknown): DataFileError => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return fail(`file not found: check ${configKey} in the config (relative paths are relative to the config file's folder)`);
    }
    if (code === 'EACCES' || code === 'EPERM') return fail(`the file is not readable (permission denied): check its permissions or ${configKey}`);
    return fail(`the file cannot be read: ${(error as Error).message}`);
  };
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw fail(`the path is a folder, not a file: ${configKey} must name a text file`);
    if (!info.isFile()) throw fail(`the path is not a regular file: ${configKey} must name a text file`);
    size = info.size;
  } catch (error) {
    throw error instanceof DataFileError ? error : describe(error);
  }
  if (size === 0) throw fail(`the file is empty: ${configKey} must name a file with training text`);
  if (size > maxBytes) {
    throw fail(`Loss Lab loads datasets into memory; this file is ${formatBytes(size)}; the limit is ${formatBytes(maxBytes)} — split it or use a sample`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw describe(error);
  }
  if (!isUtf8(bytes)) throw utf8Error(file, bytes, Math.max(firstInvalidUtf8Offset(bytes), 0));
  return bytes.toString('utf8');
}

/** Reads the training file and, when the config names one, the validation file. */
export async function readDatasetFiles(config: LabConfig, options: ReadDatasetOptions = {}): Promise<DatasetFiles> {
  const train = await readDatasetFile(config.data.train, 'data.train', options);
  const val = config.data.val === null ? null : await readDatasetFile(config.data.val, 'data.val', options);
  return { train, val };
}
