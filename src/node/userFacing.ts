import { BackendUnavailableError } from '../engine/backends/select';
import { DataError } from '../engine/data/errors';
import { SafetensorsError } from '../engine/io/safetensors';
import { WeightsMismatchError } from '../engine/train/weights';
import { UserError } from './configFile';

/** Turns the engine's input errors into UserErrors, so the CLI prints them without a stack trace. */
export async function userFacing<T>(work: () => Promise<T>, weightsFile?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DataError) {
      const where = error.line > 0 ? `${error.file}:${error.line}:${error.column}` : error.file;
      throw new UserError(`${where}: error: ${error.reason}`);
    }
    if (error instanceof SafetensorsError) throw new UserError(error.message);
    if (error instanceof WeightsMismatchError) throw new UserError(`${weightsFile ?? 'weights'}: does not fit this config's model: ${error.message}`);
    if (error instanceof BackendUnavailableError) throw new UserError(error.message);
    throw error;
  }
}
