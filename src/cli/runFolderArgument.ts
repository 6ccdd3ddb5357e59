import { stat } from 'node:fs/promises';
import { UserError } from '../node/configFile';
import { runFile } from '../node/runFolder';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Refuses a folder that holds neither run.json nor checkpoints/: it is not a run, and "no checkpoint yet" would
 * mislead. A checkpoint file or a missing path is left to the model loader, which names those.
 */
export async function requireRunFolder(command: string, path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info?.isDirectory()) return;
  if (await exists(runFile(path, 'info')) || await exists(runFile(path, 'checkpoints'))) return;
  throw new UserError(`${path}: not a run folder (it has no run.json and no checkpoints/): losslab ${command} needs a folder that losslab train made, .losslab/runs/<config name>/<run id>/ beside the config`);
}
