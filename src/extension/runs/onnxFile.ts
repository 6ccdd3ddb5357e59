import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportOnnx } from '../../export/onnx/exportModel';
import { loadTrainedModel } from '../../export/onnx/trainedModel';
import { runFile } from '../../node/runFolder';

/** What an export wrote. */
export interface OnnxExport {
  file: string;
  bytes: number;
  /** The checkpoint the weights came from. */
  checkpoint: string;
}

/** Writes the run's newest weights (final, else the latest step checkpoint) as ONNX to `out` (default RUN/model.onnx). */
export async function writeRunOnnx(runFolder: string, version: string, out = runFile(runFolder, 'onnx')): Promise<OnnxExport> {
  const model = await loadTrainedModel(runFolder);
  const bytes = exportOnnx(model, version);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, bytes);
  return { file: out, bytes: bytes.length, checkpoint: model.checkpointFile };
}
