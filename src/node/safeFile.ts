import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { MAX_PARAMETERS } from '../config/sizeEstimate';
import { UserError } from './userError';

/** Weights, checkpoints and ONNX models: the largest model Loss Lab builds as float32, tied weights stored twice, plus a header. */
export const MAX_WEIGHTS_BYTES = 2 * MAX_PARAMETERS * Float32Array.BYTES_PER_ELEMENT + 64 * 1024 ** 2;

/**
 * A path that is not a readable regular file of an acceptable size; `reason` is worded for the user. `code` says why:
 * ENOENT, EACCES, EISDIR, EFIFO, ESOCKET, ESPECIAL (a device), ETOOBIG (then `size` is the file's), or the system's
 * code for any other failure to open or read.
 */
export class UnsafeFileError extends UserError {
  constructor(readonly file: string, readonly reason: string, readonly code: string, readonly size?: number) {
    super(`${file}: ${reason}`);
  }
}

export interface SafeReadOptions {
  /** Largest size accepted, in bytes; checked before a byte is read. */
  maxBytes: number;
  /** What the file is, for the messages: "config file", "checkpoint", "weights file". */
  what: string;
}

// O_NONBLOCK: opening a FIFO must not wait for a writer; a regular file reads the same with or without it.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

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

function openError(file: string, error: unknown, what: string): UnsafeFileError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  if (code === 'ENOENT' || code === 'ENOTDIR') return new UnsafeFileError(file, 'no such file', 'ENOENT');
  if (code === 'EACCES' || code === 'EPERM') return new UnsafeFileError(file, `the ${what} is not readable (permission denied)`, 'EACCES');
  if (code === 'EISDIR') return new UnsafeFileError(file, `is a folder, not a ${what}`, 'EISDIR');
  return new UnsafeFileError(file, `the ${what} cannot be read (${code})`, code);
}

/** The refusal of a stat result that is not a regular file of at most `maxBytes`, or null when it is one. */
function refusal(file: string, stats: Stats, options: SafeReadOptions): UnsafeFileError | null {
  const { what, maxBytes } = options;
  if (stats.isDirectory()) return new UnsafeFileError(file, `is a folder, not a ${what}`, 'EISDIR');
  if (stats.isFIFO()) return new UnsafeFileError(file, `is a pipe (FIFO), not a ${what}: name a regular file`, 'EFIFO');
  if (stats.isSocket()) return new UnsafeFileError(file, `is a socket, not a ${what}: name a regular file`, 'ESOCKET');
  if (!stats.isFile()) return new UnsafeFileError(file, `is a device or other special file, not a ${what}: name a regular file`, 'ESPECIAL');
  if (stats.size > maxBytes) {
    return new UnsafeFileError(file, `the ${what} is ${formatBytes(stats.size)}; the limit is ${formatBytes(maxBytes)}`, 'ETOOBIG', stats.size);
  }
  return null;
}

function grewPast(file: string, options: SafeReadOptions): UnsafeFileError {
  return new UnsafeFileError(file, `the ${options.what} grew past ${formatBytes(options.maxBytes)} while being read`, 'ETOOBIG');
}

/**
 * Opens a regular file of at most `maxBytes` for reading, refusing anything else with an UnsafeFileError; the caller
 * closes the handle. Stat before opening, so that a device is never opened (opening some has effects); fstat after,
 * against a swap. Never blocks on a FIFO.
 */
/** An open regular file, its size, and its identity (device and inode): an atomic rewrite gives the path a new one. */
export async function openRegularFile(file: string, options: SafeReadOptions): Promise<{ handle: FileHandle; size: number; identity: string }> {
  let handle: FileHandle;
  try {
    const refused = refusal(file, await stat(file), options);
    if (refused) throw refused;
    handle = await open(file, OPEN_FLAGS);
  } catch (error) {
    throw error instanceof UnsafeFileError ? error : openError(file, error, options.what);
  }
  try {
    const stats = await handle.stat();
    const refused = refusal(file, stats, options);
    if (refused) throw refused;
    return { handle, size: stats.size, identity: `${stats.dev}:${stats.ino}` };
  } catch (error) {
    await handle.close();
    throw error instanceof UnsafeFileError ? error : openError(file, error, options.what);
  }
}

function openRegularFileSync(file: string, options: SafeReadOptions): { fd: number; size: number } {
  let fd: number;
  try {
    const refused = refusal(file, statSync(file), options);
    if (refused) throw refused;
    fd = openSync(file, OPEN_FLAGS);
  } catch (error) {
    throw error instanceof UnsafeFileError ? error : openError(file, error, options.what);
  }
  try {
    const stats = fstatSync(fd);
    const refused = refusal(file, stats, options);
    if (refused) throw refused;
    return { fd, size: stats.size };
  } catch (error) {
    closeSync(fd);
    throw error instanceof UnsafeFileError ? error : openError(file, error, options.what);
  }
}

/**
 * Checks, without reading it, that a path is a readable regular file of at most `maxBytes` (it is opened, so
 * permissions count) and returns its size; otherwise throws an UnsafeFileError. Never blocks on a FIFO.
 */
export async function checkRegularFile(file: string, options: SafeReadOptions): Promise<number> {
  const { handle, size } = await openRegularFile(file, options);
  await handle.close();
  return size;
}

/**
 * Reads a regular file whole, refusing folders, devices, FIFOs and sockets without blocking on them, and a file
 * over `maxBytes` before reading any of it (a file that grows past the limit while being read is refused too).
 */
export async function readRegularFile(file: string, options: SafeReadOptions): Promise<Buffer> {
  const { handle, size } = await openRegularFile(file, options);
  try {
    const buffer = Buffer.alloc(Math.min(size + 1, options.maxBytes + 1));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > options.maxBytes) throw grewPast(file, options);
    return buffer.subarray(0, filled);
  } catch (error) {
    throw error instanceof UnsafeFileError ? error : openError(file, error, options.what);
  } finally {
    await handle.close();
  }
}

/** readRegularFile, synchronously (for callers that cannot await, such as a worker's crash handler). */
export function readRegularFileSync(file: string, options: SafeReadOptions): Buffer {
  const { fd, size } = openRegularFileSync(file, options);
  try {
    const buffer = Buffer.alloc(Math.min(size + 1, options.maxBytes + 1));
    let filled = 0;
    while (filled < buffer.length) {
      const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > options.maxBytes) throw grewPast(file, options);
    return buffer.subarray(0, filled);
  } catch (error) {
    throw error instanceof UnsafeFileError ? error : openError(file, error, options.what);
  } finally {
    closeSync(fd);
  }
}
