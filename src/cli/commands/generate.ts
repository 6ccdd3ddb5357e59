import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exportOnnx } from '../../export/onnx/exportModel';
import { OnnxTokenModel } from '../../export/onnx/onnxRunner';
import { loadOrtForNode } from '../../export/onnx/ortNode';
import { generate } from '../../export/onnx/sampling';
import { loadTrainedModel } from '../../export/onnx/trainedModel';
import { UserError } from '../../node/configFile';
import { runFile } from '../../node/runFolder';
import { MAX_WEIGHTS_BYTES, readRegularFile } from '../../node/safeFile';
import type { CliCommand } from '../command';
import { requireRunFolder } from '../runFolderArgument';

/** More tokens than this would keep the command busy for minutes; a lab sample needs a few hundred. */
const MAX_GENERATED_TOKENS = 10_000;

/** A number option: `integer` ones must be whole; every one must lie in [min, max]. */
function numberOption(name: string, text: string | undefined, [min, max]: [number, number], integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UserError(`--${name} ${text}: expected ${integer ? 'a whole number' : 'a number'} ${range}`);
  }
  return value;
}

async function modifiedMs(file: string): Promise<number | null> {
  return stat(file).then((s) => s.mtimeMs, () => null);
}

/**
 * RUN_DIR/model.onnx when it is newer than the checkpoint; otherwise an export in memory (the run folder is left as
 * it is). `file` names the file the bytes came from, null for an export in memory.
 */
async function onnxBytes(runDir: string, version: string): Promise<{ bytes: Uint8Array; file: string | null }> {
  const model = await loadTrainedModel(runDir);
  const file = runFile(model.runDir, 'onnx');
  const exportedAt = await modifiedMs(file);
  const trainedAt = (await modifiedMs(model.checkpointFile)) ?? Infinity;
  if (exportedAt === null || exportedAt < trainedAt) return { bytes: exportOnnx(model, version), file: null };
  return { bytes: await readRegularFile(file, { maxBytes: MAX_WEIGHTS_BYTES, what: 'ONNX model' }), file };
}

/** Loads the ONNX model; a model.onnx that onnxruntime refuses is the user's to re-export. */
async function loadModel(source: { bytes: Uint8Array; file: string | null }): Promise<OnnxTokenModel> {
  try {
    return await OnnxTokenModel.load(loadOrtForNode(), source.bytes);
  } catch (error) {
    if (source.file === null) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UserError(`${source.file}: not a model this command can run (${reason}); delete it or export it again with losslab export-onnx`);
  }
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
    await requireRunFolder('generate', positionals[0]);
    const maxTokens = numberOption('max-tokens', values['max-tokens'], [1, MAX_GENERATED_TOKENS], true);
    const temperature = numberOption('temperature', values.temperature, [0, 1e6], false);
    const topK = numberOption('top-k', values['top-k'], [0, Infinity], true);
    const seed = numberOption('seed', values.seed, [0, 2 ** 32 - 1], true);
    const model = await loadModel(await onnxBytes(positionals[0], version));
    const { kind, sequences, vocab } = model.info;
    const options = {
      maxTokens: maxTokens ?? (kind === 'gpt' ? 200 : model.context),
      temperature: temperature ?? (kind === 'gpt' ? 1 : 0),
      topK: topK ?? 0,
      seed: seed ?? 1,
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
