import { dirname, join, resolve } from 'node:path';
import type { BackendChoice } from '../../config/types';
import { loadConfigFile } from '../../node/configFile';
import { newRunId } from '../../node/runFolder';
import type { StartRunRequest } from './workerClient';

/** The settings that shape a StartRun (losslab.defaultBackend, losslab.runFolder). */
export interface TrainingSettings {
  defaultBackend: BackendChoice;
  /** Empty: runs go beside the config. Otherwise `<runFolder>/<config name>/<run id>`, relative to the config's folder. */
  runFolder: string;
}

/**
 * Builds a StartRun from a Train and the settings: `backend` only when the setting is not `auto` (the worker applies
 * it where the config says `auto`), `outDir` only when losslab.runFolder is set.
 */
export async function startRunRequest(configFile: string, overrides: Record<string, unknown>, settings: TrainingSettings): Promise<StartRunRequest> {
  const request: StartRunRequest = { configFile, overrides };
  if (settings.defaultBackend !== 'auto') request.backend = settings.defaultBackend;
  const runFolder = settings.runFolder.trim();
  if (runFolder) {
    const name = await configName(configFile, overrides);
    // A config that does not load gets no outDir: the worker reports its problems, located.
    if (name) request.outDir = join(resolve(dirname(configFile), runFolder), name, newRunId());
  }
  return request;
}

async function configName(configFile: string, overrides: Record<string, unknown>): Promise<string | null> {
  try {
    return (await loadConfigFile(configFile, overrides)).config.name;
  } catch {
    return null;
  }
}
