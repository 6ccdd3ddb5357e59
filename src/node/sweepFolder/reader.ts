import { RunFolderError, lockFileState } from '../runFolder';
import { UnsafeFileError, readRegularFileSync } from '../safeFile';
import { checkSweepSummary, type SweepSummary, type SweepTrial } from './checks';
import { listSweepIds, resolveFromBase, sweepFile, sweepsFolder } from './layout';
import { join } from 'node:path';

/** A sweep.json of 100 000 trials is a few tens of MB; anything larger is not one Loss Lab wrote. */
const MAX_SUMMARY_BYTES = 64 * 1024 ** 2;

/**
 * A sweep folder's sweep.json, checked: a missing, unreadable, torn or tampered file is a RunFolderError naming the
 * file, the line (for JSON syntax) or the field, and what is wrong.
 */
export function readSweep(folder: string): SweepSummary {
  const file = sweepFile(folder, 'summary');
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(file, { maxBytes: MAX_SUMMARY_BYTES, what: 'sweep summary' });
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    throw new RunFolderError(file, null, error.code === 'ENOENT' ? 'is missing: this is not a sweep folder' : error.reason, error.code);
  }
  const source = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    // A torn file ends mid-value: the error is at its end.
    const position = /position (\d+)/.exec(String(error));
    const line = source.slice(0, position ? Number(position[1]) : source.length).split('\n').length;
    throw new RunFolderError(file, line, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return checkSweepSummary(value, file);
}

/** The sweep folders of a config, oldest first (the folder names sort by start time). */
export function listSweeps(configFile: string, configName: string): string[] {
  const root = sweepsFolder(configFile, configName);
  return listSweepIds(root).map((id) => join(root, id));
}

/** The newest sweep folder of a config, or null when it has none. */
export function latestSweep(configFile: string, configName: string): string | null {
  return listSweeps(configFile, configName).at(-1) ?? null;
}

/** Whether a live process holds the sweep's sweep.lock, i.e. a driver is training it now. */
export function sweepDriverAlive(folder: string): boolean {
  return lockFileState(sweepFile(folder, 'lock')) === 'live';
}

/** The absolute folder of a trial's run, or null before the trial's run folder exists. */
export function trialRunFolder(sweepFolder: string, trial: Pick<SweepTrial, 'run_dir'>): string | null {
  return trial.run_dir ? resolveFromBase(sweepFolder, trial.run_dir) : null;
}
