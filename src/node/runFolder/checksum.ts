import { createHash } from 'node:crypto';
import {
  SafetensorsError, decodeSafetensors, encodeSafetensors, safetensorsDataSection, type DecodedSafetensors, type Tensor,
} from '../../engine/io/safetensors';
import { UserError } from '../userError';
import { MAX_WEIGHTS_BYTES, readRegularFileSync } from '../safeFile';

/** The metadata key of a checkpoint file's checksum: the sha256 (hex) of its whole data section, every tensor byte. */
export const CHECKSUM_KEY = 'tensor_sha256';

/** A checkpoint file that is missing, torn, corrupted, or whose two files do not belong together; names the file. */
export class CheckpointError extends UserError {}

/**
 * Whether a load refuses a file without a checksum. `required`: files Loss Lab wrote into a run folder (resume,
 * export-onnx, generate, Try Model). `if-present`: weights that may come from elsewhere (--init-from, e.g. PyTorch's).
 */
export type ChecksumRequirement = 'required' | 'if-present';

/** A safetensors file whose metadata carries the checksum of its data section (metadata values stay strings). */
export function encodeChecksummed(tensors: Record<string, Tensor>, metadata: Record<string, string>): Uint8Array {
  return encodeSafetensors(tensors, (data) => ({ ...metadata, [CHECKSUM_KEY]: sha256(data) }));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Throws a CheckpointError naming `file` unless its tensor bytes match its checksum (or it has none and may lack one). */
export function verifyChecksum(bytes: Uint8Array, decoded: DecodedSafetensors, file: string, requirement: ChecksumRequirement): void {
  const expected = decoded.metadata[CHECKSUM_KEY];
  if (expected === undefined) {
    if (requirement === 'if-present') return;
    throw new CheckpointError(`${file}: has no ${CHECKSUM_KEY} checksum in its metadata, so its tensor data cannot be verified ` +
      '(written by an older Loss Lab, or not by Loss Lab); a run folder\'s checkpoints must carry one');
  }
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    const shown = JSON.stringify(expected.slice(0, 80));
    throw new CheckpointError(`${file}: metadata ${CHECKSUM_KEY} is ${shown}, not a sha256 hex digest: the header was changed or corrupted`);
  }
  const actual = sha256(safetensorsDataSection(bytes));
  if (actual !== expected) {
    throw new CheckpointError(`${file}: checksum mismatch: the tensor data was changed or corrupted after it was written ` +
      `(${CHECKSUM_KEY} ${expected.slice(0, 12)}…, the data hashes to ${actual.slice(0, 12)}…)`);
  }
}

/** Decodes and verifies a checkpoint file's bytes; every failure is a CheckpointError naming the file and what is wrong. */
export function decodeChecksummed(bytes: Uint8Array, file: string, requirement: ChecksumRequirement): DecodedSafetensors {
  let decoded: DecodedSafetensors;
  try {
    decoded = decodeSafetensors(bytes, file);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new CheckpointError(`${error.message}${truncationHint(error.reason)}`);
    throw error;
  }
  verifyChecksum(bytes, decoded, file, requirement);
  return decoded;
}

/**
 * Reads (a regular file within MAX_WEIGHTS_BYTES only: Adam's two moments weigh as much as tied weights), decodes and
 * verifies one checkpoint file.
 */
export function readChecksummedFile(file: string, requirement: ChecksumRequirement): DecodedSafetensors {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFileSync(file, { maxBytes: MAX_WEIGHTS_BYTES, what: 'checkpoint' });
  } catch (error) {
    if (error instanceof UserError) throw new CheckpointError(error.message);
    throw error;
  }
  return decodeChecksummed(bytes, file, requirement);
}

/** A decoder reason that means the file ends early, said plainly for a checkpoint (a kill or a full disk mid-copy). */
function truncationHint(reason: string): string {
  return /exceeds file size|too short|truncated/.test(reason) && !/the file is truncated/.test(reason) ? ' (the file is truncated)' : '';
}
