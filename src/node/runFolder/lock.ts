import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { readRegularFileSync } from '../safeFile';
import { RunFolderError } from './checks';
import { runFile } from './layout';

/** What run.lock holds: who writes the folder, so another process can tell a live writer from a dead one. */
interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux), so a recycled pid is not taken for the writer. */
  start: string | null;
  token: string;
  since: string;
}

/** A run folder held for writing by this process; `release` lets the next writer in. */
export interface RunLock {
  readonly folder: string;
  release(): void;
}

/** The folder is being written by a live process: another writer must wait or choose another folder. */
export class RunLockedError extends RunFolderError {}

function processStart(pid: number): string | null {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the command name, which may itself hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A run.lock is one short JSON line; anything larger, or not a regular file, is not one Loss Lab wrote. */
const MAX_LOCK_BYTES = 4096;

function readOwner(file: string): LockOwner | null {
  try {
    // A FIFO or /dev/zero planted as run.lock must read as unreadable, not block or fill memory.
    const value = JSON.parse(readRegularFileSync(file, { maxBytes: MAX_LOCK_BYTES, what: 'run lock' }).toString('utf8')) as Partial<LockOwner>;
    return Number.isInteger(value.pid) && typeof value.token === 'string' && typeof value.host === 'string' ? value as LockOwner : null;
  } catch {
    return null;
  }
}

/** Whether the lock's owner is gone: same host and its pid dead or recycled. A lock from another host counts as live. */
export function ownerGone(owner: LockOwner | null): boolean {
  if (owner === null) return true;
  if (owner.host !== hostname()) return false;
  if (!processAlive(owner.pid)) return true;
  return owner.start !== null && processStart(owner.pid) !== owner.start;
}

/** The folder's writer as run.lock names it: 'live', 'stale' (its process is gone) or 'none'. */
export function lockState(folder: string): 'live' | 'stale' | 'none' {
  return lockFileState(runFile(folder, 'lock'));
}

/** A lock file's writer (run.lock, sweep.lock): 'live', 'stale' (its process is gone) or 'none'. */
export function lockFileState(file: string): 'live' | 'stale' | 'none' {
  if (!existsSync(file)) return 'none';
  return ownerGone(readOwner(file)) ? 'stale' : 'live';
}

/** Whether run.lock names this process: a writer thread of this process held it (and may have died holding it). */
export function lockHeldByThisProcess(folder: string): boolean {
  const owner = readOwner(runFile(folder, 'lock'));
  return owner !== null && owner.pid === process.pid && owner.host === hostname();
}

/** Throws the RunLockedError `acquireRunLock` would, without taking the lock: a resume checks this before loading anything. */
export function refuseIfLocked(folder: string): void {
  const owner = readOwner(runFile(folder, 'lock'));
  if (owner !== null && !ownerGone(owner)) throw lockedBy(folder, owner);
}

function lockedBy(folder: string, owner: LockOwner): RunLockedError {
  return new RunLockedError(folder, null, `is being written by ${describeOwner(owner)}: wait until it ends or stop it`);
}

function describeOwner(owner: LockOwner): string {
  return `process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`} (since ${owner.since})`;
}

/**
 * Takes the folder's run.lock for this process. A live writer's lock is a RunLockedError; a dead writer's (stale)
 * lock is taken over, and `onTakeover` hears which process had left it.
 */
export function acquireRunLock(folder: string, onTakeover: (message: string) => void = () => {}): RunLock {
  return acquireLockFile(folder, runFile(folder, 'lock'), onTakeover);
}

/** acquireRunLock for another folder's lock file (a sweep's sweep.lock): one writer process at a time. */
export function acquireLockFile(folder: string, file: string, onTakeover: (message: string) => void = () => {}): RunLock {
  const mine: LockOwner = { pid: process.pid, host: hostname(), start: processStart(process.pid), token: randomBytes(8).toString('hex'), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, `${JSON.stringify(mine)}\n`);
      } finally {
        closeSync(fd);
      }
      return { folder, release: () => releaseIfMine(file, mine.token) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new RunFolderError(file, null, `cannot create the run lock (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const owner = readOwner(file);
    if (owner === null && isFolder(file)) throw new RunFolderError(file, null, 'is a folder, not a run lock: remove it, or use another folder');
    if (!ownerGone(owner)) {
      throw lockedBy(folder, owner as LockOwner);
    }
    // Rename, not delete: of two processes taking over the same stale lock, only one rename succeeds.
    const aside = `${file}.stale-${process.pid}-${mine.token}`;
    try {
      renameSync(file, aside);
    } catch {
      continue;
    }
    if (readOwner(aside)?.token !== owner?.token) {
      // A live writer's fresh lock was moved aside between the read and the rename: give it back (link fails if taken).
      try {
        linkSync(aside, file);
      } catch {
        // Someone else holds the folder now; the next attempt reports them.
      }
      rmSync(aside, { force: true });
      continue;
    }
    rmSync(aside, { force: true });
    onTakeover(owner ? `${folder}: took over the lock left by ${describeOwner(owner)}, which is no longer running` : `${folder}: replaced an unreadable ${basename(file)}`);
  }
  throw new RunLockedError(folder, null, `its ${basename(file)} keeps changing hands: another process is taking it; try again`);
}

function isFolder(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function releaseIfMine(file: string, token: string): void {
  if (readOwner(file)?.token === token) rmSync(file, { force: true });
}
