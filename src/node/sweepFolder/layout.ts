import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The files of a sweep folder; nothing outside this module spells these names. */
export const SWEEP_FILES = {
  summary: 'sweep.json',
  lock: 'sweep.lock',
} as const;

/** The path of one of a sweep folder's files. */
export function sweepFile(folder: string, key: keyof typeof SWEEP_FILES): string {
  return join(folder, SWEEP_FILES[key]);
}

/** The folder of a config's sweeps: `.losslab/sweeps/<config name>/` beside the config file (as runs are in `.losslab/runs/`). */
export function sweepsFolder(configFile: string, configName: string): string {
  return join(dirname(resolve(configFile)), '.losslab', 'sweeps', configName);
}

/**
 * The folder that holds `.losslab` for a sweep folder `<base>/.losslab/sweeps/<name>/<id>`: sweep.json's `config`
 * and every trial's `run_dir` are relative to it.
 */
export function sweepBase(sweepFolder: string): string {
  return resolve(sweepFolder, '..', '..', '..', '..');
}

/** A path as sweep.json holds it: relative to the sweep's base, with forward slashes on every platform. */
export function relativeToBase(sweepFolder: string, path: string): string {
  return relative(sweepBase(sweepFolder), resolve(path)).split('\\').join('/');
}

/** The absolute path of a path sweep.json holds (a trial's `run_dir`, the `config`). */
export function resolveFromBase(sweepFolder: string, stored: string): string {
  return resolve(sweepBase(sweepFolder), stored);
}

/** Sweep ids (folder names) of a config's sweeps folder, oldest first; none when it does not exist. */
export function listSweepIds(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
