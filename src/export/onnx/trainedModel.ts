import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CpuBackend } from '../../engine/backends/cpu';
import { vocabularyFromJSON, type VocabularyJSON } from '../../engine/data/vocab';
import { createModel } from '../../engine/nn';
import { WeightsMismatchError, loadWeights, type NamedTensor } from '../../engine/train/weights';
import { UserError } from '../../node/configFile';
import { RUN_FILES, checkResolvedConfig, decodeChecksummed, runFile } from '../../node/runFolder';
import { MAX_WEIGHTS_BYTES, UnsafeFileError, readRegularFile } from '../../node/safeFile';
import type { ExportSource } from './exportModel';

/** A trained model read from a run folder (Node only): what an export needs, and where it came from. */
export interface TrainedModel extends ExportSource {
  /** The run folder the config and vocabulary came from. */
  runDir: string;
  checkpointFile: string;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    throw new UserError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such run folder or checkpoint' : String(error)}`);
  }
}

/** checkpoints/final.safetensors, or else the latest step-N checkpoint of an unfinished run. */
async function latestCheckpoint(runDir: string): Promise<string> {
  const folder = runFile(runDir, 'checkpoints');
  const names = await readdir(folder).catch(() => [] as string[]);
  if (names.includes(basename(RUN_FILES.finalCheckpoint))) return runFile(runDir, 'finalCheckpoint');
  const steps = names.filter((n) => /^step-\d+\.safetensors$/.test(n)).sort();
  if (steps.length === 0) throw new UserError(`${runDir}: the run has no checkpoint yet (checkpoints/final.safetensors)`);
  return join(folder, steps[steps.length - 1]);
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = (await readRegularFile(file, { maxBytes: MAX_WEIGHTS_BYTES, what: 'JSON file' })).toString('utf8');
  } catch (error) {
    if (error instanceof UnsafeFileError && error.code === 'ENOENT') throw new UserError(`${file}: missing; ${what}`);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Reads the model of a run: `path` is a run folder (its final checkpoint, or the latest step-N one) or a checkpoint
 * inside a run folder's checkpoints/. The model's config comes from the run's config.json; the vocabulary from the
 * checkpoint's metadata or vocab.json. The checkpoint must carry its checksum (Loss Lab wrote it) and match it. Only
 * the model's own weights are taken (optimizer state is skipped), each checked against the shape the config implies.
 */
export async function loadTrainedModel(path: string): Promise<TrainedModel> {
  const checkpointFile = (await isDirectory(path)) ? await latestCheckpoint(path) : path;
  const parent = dirname(checkpointFile);
  const runDir = basename(parent) === RUN_FILES.checkpoints ? dirname(parent) : parent;
  const bytes = await readRegularFile(checkpointFile, { maxBytes: MAX_WEIGHTS_BYTES, what: 'checkpoint' });
  const decoded = decodeChecksummed(bytes, checkpointFile, 'required');
  const config = checkResolvedConfig(await readJson(runFile(runDir, 'config'), 'the run folder\'s resolved config says how the model is built'), runFile(runDir, 'config'));
  const vocab = (decoded.metadata.vocab !== undefined
    ? JSON.parse(decoded.metadata.vocab)
    : await readJson(runFile(runDir, 'vocab'), 'the vocabulary is needed to export the model')) as VocabularyJSON;
  let vocabSize: number;
  try {
    vocabSize = vocabularyFromJSON(vocab).size;
  } catch (error) {
    throw new UserError(`${checkpointFile}: ${(error as Error).message}`);
  }
  // Builds the config's model only to learn its parameter names and shapes, and checks the weights strictly against them.
  const model = createModel(config.model, vocabSize, new CpuBackend(), 0);
  const weights = new Map<string, NamedTensor>();
  for (const [name] of model.params.entries()) {
    const t = decoded.tensors.get(name);
    if (t && t.dtype === 'F32') weights.set(name, { shape: t.shape, data: t.data });
  }
  try {
    loadWeights(model.params, weights);
  } catch (error) {
    if (error instanceof WeightsMismatchError) throw new UserError(`${checkpointFile}: does not fit the run's config: ${error.message}`);
    throw error;
  }
  const step = Number(decoded.metadata.step);
  return { config, weights, vocab, vocabSize, runDir, checkpointFile, step: Number.isInteger(step) ? step : undefined };
}
