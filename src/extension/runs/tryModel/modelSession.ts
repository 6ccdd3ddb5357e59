import { stat } from 'node:fs/promises';
import { OnnxTokenModel } from '../../../export/onnx/onnxRunner';
import { loadOrtForNode } from '../../../export/onnx/ortNode';
import { generate, type Generation } from '../../../export/onnx/sampling';
import { runFile } from '../../../node/runFolder';
import { MAX_WEIGHTS_BYTES, readRegularFile } from '../../../node/safeFile';
import type { DidLoadModel, GenerateText } from '../../../protocol/tryModel';
import { writeRunOnnx } from '../onnxFile';

/** Partial text goes to the panel at most this often while tokens arrive. */
const PARTIAL_EVERY_MS = 100;

async function modifiedMs(file: string): Promise<number | null> {
  return stat(file).then((s) => s.mtimeMs, () => null);
}

/**
 * A run's exported model in onnxruntime-web (wasm) in the extension host: RUN/model.onnx, exported first when it is
 * missing or older than the run's newest checkpoint.
 */
export class TryModelSession {
  private busy = false;

  private constructor(private readonly model: OnnxTokenModel, readonly description: DidLoadModel) {}

  static async open(runFolder: string, runId: string, version: string): Promise<TryModelSession> {
    const file = runFile(runFolder, 'onnx');
    const exportedAt = await modifiedMs(file);
    const checkpoints = [runFile(runFolder, 'finalCheckpoint'), runFile(runFolder, 'info')];
    const trainedAt = Math.max(...(await Promise.all(checkpoints.map(modifiedMs))).map((t) => t ?? 0));
    if (exportedAt === null || exportedAt < trainedAt) await writeRunOnnx(runFolder, version, file);
    const model = await OnnxTokenModel.load(loadOrtForNode(), await readRegularFile(file, { maxBytes: MAX_WEIGHTS_BYTES, what: 'ONNX model' }));
    const { kind, context, name, step, sequences } = model.info;
    return new TryModelSession(model, {
      type: 'DidLoadModel', runId, name, kind, context, step,
      needsPrompt: kind === 'gpt' && sequences === 'stream',
      defaults: { maxTokens: kind === 'gpt' ? 200 : context, temperature: kind === 'gpt' ? 1 : 0, topK: 0 },
    });
  }

  /** Runs one request; `onPartial` sees the text so far. One request at a time: a second one while busy is refused. */
  async generate(request: GenerateText, onPartial: (text: string, tokens: number) => void): Promise<Generation> {
    if (this.busy) throw new Error('the model is still generating; wait for it to finish');
    this.busy = true;
    try {
      const { vocab, sequences } = this.model.info;
      if (this.description.needsPrompt && vocab.encode(request.prompt).length === 0) {
        throw new Error('this gpt was trained on a stream of text: give it a prompt (in its training characters or words) to continue');
      }
      const ids: number[] = [];
      let last = performance.now();
      return await generate(this.model, vocab, request.prompt, {
        maxTokens: request.maxTokens, temperature: request.temperature, topK: request.topK, seed: request.seed, sequences,
        onToken: (id) => {
          ids.push(id);
          if (performance.now() - last < PARTIAL_EVERY_MS) return;
          last = performance.now();
          onPartial(this.description.kind === 'gpt' ? request.prompt + vocab.decode(ids) : vocab.decode(ids), ids.length);
        },
      });
    } finally {
      this.busy = false;
    }
  }

  dispose(): Promise<void> {
    return this.model.release();
  }
}
