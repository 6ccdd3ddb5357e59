import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportOnnx } from '../../export/onnx/exportModel';
import { OnnxTokenModel } from '../../export/onnx/onnxRunner';
import { loadOrtForNode } from '../../export/onnx/ortNode';
import { generate } from '../../export/onnx/sampling';
import { loadTrainedModel } from '../../export/onnx/trainedModel';
import { UserError } from '../../node/configFile';
import type { CliCommand } from '../command';

/** A number option: `integer` ones must be whole; every one must be ≥ `min`. */
function numberOption(name: string, text: string | undefined, fallback: number, min: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UserError(`--${name} ${text}: expected ${integer ? 'a whole number' : 'a number'} ≥ ${min}`);
  }
  return value;
}

async function modifiedMs(file: string): Promise<number | null> {
  return stat(file).then((s) => s.mtimeMs, () => null);
}

/** RUN_DIR/model.onnx when it is newer than the checkpoint; otherwise an export in memory (the run folder is left as it is). */
async function onnxBytes(runDir: string, version: string): Promise<Uint8Array> {
  const model = await loadTrainedModel(runDir);
  const exportedAt = await modifiedMs(join(model.runDir, 'model.onnx'));
  const trainedAt = (await modifiedMs(model.checkpointFile)) ?? Infinity;
  return exportedAt !== null && exportedAt >= trainedAt ? readFile(join(model.runDir, 'model.onnx')) : exportOnnx(model, version);
}

export const generateCommand: CliCommand = {
  name: 'generate',
  usage: 'generate RUN_DIR [--prompt TEXT] [--max-tokens N] [--temperature T] [--top-k K] [--seed S]',
  summary: 'continue the prompt (gpt) or translate it (encoder-decoder) with the exported ONNX model',
  options: [
    ['--prompt TEXT', 'the text to continue or translate (a stream-trained gpt needs one)'],
    ['--max-tokens N', 'tokens to generate at most (default 200 for gpt, the context for encoder-decoder)'],
    ['--temperature T', '0 is greedy (default 1 for gpt, 0 for encoder-decoder)'],
    ['--top-k K', 'sample among the K likeliest tokens only (default 0: all)'],
    ['--seed S', 'the sampling seed (default 1)'],
  ],
  async run(args, { print, version }) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true, options: {
        prompt: { type: 'string' }, 'max-tokens': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' }, seed: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UserError('losslab generate needs one run folder');
    const bytes = await onnxBytes(positionals[0], version);
    const model = await OnnxTokenModel.load(loadOrtForNode(), bytes);
    const { kind, sequences, vocab } = model.info;
    const options = {
      maxTokens: numberOption('max-tokens', values['max-tokens'], kind === 'gpt' ? 200 : model.context, 1, true),
      temperature: numberOption('temperature', values.temperature, kind === 'gpt' ? 1 : 0, 0, false),
      topK: numberOption('top-k', values['top-k'], 0, 0, true),
      seed: numberOption('seed', values.seed, 1, 0, true),
      sequences,
    };
    const prompt = values.prompt ?? '';
    if (kind === 'gpt' && sequences === 'stream' && vocab.encode(prompt).length === 0) {
      await model.release();
      throw new UserError(`${positionals[0]}: this gpt was trained on a stream of text and needs a prompt to continue (--prompt TEXT)`);
    }
    try {
      print((await generate(model, vocab, prompt, options)).text);
    } finally {
      await model.release();
    }
    return 0;
  },
};
