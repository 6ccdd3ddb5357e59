import { existsSync, mkdirSync } from 'node:fs';
import { acquireLockFile, RunFolderError, writeFileAtomic, type RunLock } from '../runFolder';
import type { SweepSummary } from './checks';
import { sweepFile } from './layout';

/**
 * The one process driving a sweep: holds its sweep.lock (another process's `sweep --resume` of it is refused,
 * naming this one; a dead driver's lock is taken over) and rewrites sweep.json atomically after every change.
 */
export class SweepWriter {
  private constructor(readonly folder: string, private readonly lock: RunLock) {}

  /** Creates the folder of a new sweep and writes its first sweep.json; a folder that already holds one is refused. */
  static create(folder: string, summary: SweepSummary, onNotice?: (message: string) => void): SweepWriter {
    mkdirSync(folder, { recursive: true });
    const lock = acquireLockFile(folder, sweepFile(folder, 'lock'), onNotice);
    if (existsSync(sweepFile(folder, 'summary'))) {
      lock.release();
      throw new RunFolderError(folder, null, 'already holds a sweep; continue it with sweep --resume');
    }
    const writer = new SweepWriter(folder, lock);
    writer.write(summary);
    return writer;
  }

  /** Takes an existing sweep folder to continue it. */
  static open(folder: string, onNotice?: (message: string) => void): SweepWriter {
    return new SweepWriter(folder, acquireLockFile(folder, sweepFile(folder, 'lock'), onNotice));
  }

  write(summary: SweepSummary): void {
    writeFileAtomic(sweepFile(this.folder, 'summary'), `${JSON.stringify(summary, null, 2)}\n`);
  }

  release(): void {
    this.lock.release();
  }
}
