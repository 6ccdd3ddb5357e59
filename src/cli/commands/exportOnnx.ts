import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { exportOnnx } from '../../export/onnx/exportModel';
import { loadTrainedModel } from '../../export/onnx/trainedModel';
import { UserError } from '../../node/configFile';
import { runFile } from '../../node/runFolder';
import type { CliCommand } from '../command';
import { requireRunFolder } from '../runFolderArgument';

export const exportOnnxCommand: CliCommand = {
  name: 'export-onnx',
  usage: 'export-onnx RUN_DIR|CHECKPOINT [--out model.onnx]',
  summary: 'write the trained model as ONNX (opset 17) for onnxruntime',
  options: [['--out FILE', 'where to write the model (default RUN_DIR/model.onnx)']],
  async run(args, { print, version }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
    if (positionals.length !== 1) throw new UserError('losslab export-onnx needs one run folder or checkpoint file');
    await requireRunFolder('export-onnx', positionals[0]);
    const model = await loadTrainedModel(positionals[0]);
    const out = values.out ?? runFile(model.runDir, 'onnx');
    const bytes = exportOnnx(model, version);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, bytes);
    print(`${out}: ${model.config.model.kind}, ${model.weights.size} weights, ${(bytes.length / 1024).toFixed(1)} KiB (from ${model.checkpointFile})`);
    return 0;
  },
};
