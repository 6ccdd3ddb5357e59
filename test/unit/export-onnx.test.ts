import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LabConfig, ModelConfig } from '../../src/config/types';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { PAD_ID } from '../../src/engine/data/vocab';
import { decodeSafetensors } from '../../src/engine/io/safetensors';
import { Graph } from '../../src/engine/graph';
import { createModel } from '../../src/engine/nn';
import { Rng } from '../../src/engine/rng';
import { loadWeights, readWeights, type NamedTensor } from '../../src/engine/train/weights';
import { ONNX_OPSET, exportOnnx } from '../../src/export/onnx/exportModel';
import { decodeOnnxModel } from '../../src/export/onnx/onnxProto';
import { readModelInfo } from '../../src/export/onnx/onnxRunner';
import { loadOrtForNode } from '../../src/export/onnx/ortNode';
import { runCli, tempDir } from '../support/cli';

const ort = loadOrtForNode();

const MODEL: ModelConfig = {
  kind: 'gpt', d_model: 16, n_layers: 2, n_encoder_layers: 0, n_decoder_layers: 0, n_heads: 4, d_ff: 40, context: 12,
  dropout: 0, bias: true, tie_embeddings: true, activation: 'gelu',
};

/** A config shell around a model: the export reads only model, data.sequences and name. */
const configOf = (model: ModelConfig): LabConfig => ({ name: 'parity', model, data: { sequences: 'stream' } } as unknown as LabConfig);

/** Weights of a freshly initialised model, perturbed so that LayerNorm gains, biases and ties all matter. */
async function randomWeights(model: ModelConfig, vocabSize: number, seed: number): Promise<Map<string, NamedTensor>> {
  const m = createModel(model, vocabSize, new CpuBackend(), seed);
  const rng = new Rng(seed, 99);
  for (const t of m.params.tensors) {
    const data = (await t.read()) as Float32Array;
    for (let i = 0; i < data.length; i++) data[i] += 0.2 * rng.normal();
    t.backend.write(t.storage, data);
  }
  return readWeights(m.params);
}

type Batch = { kind: 'gpt'; B: number; T: number; idx: Int32Array } | { kind: 'encoder-decoder'; B: number; S: number; T: number; src: Int32Array; tgtIn: Int32Array };

/** The engine's logits (Graph with training false) on the CPU reference backend. */
async function engineLogits(model: ModelConfig, vocabSize: number, weights: ReadonlyMap<string, NamedTensor>, batch: Batch): Promise<Float32Array> {
  const backend = new CpuBackend();
  const m = createModel(model, vocabSize, backend, 0);
  loadWeights(m.params, weights);
  const g = new Graph(backend, false);
  const pad = (ids: Int32Array) => Int32Array.from(ids, (id) => (id === PAD_ID ? 1 : 0));
  const input = batch.kind === 'gpt'
    ? { kind: 'gpt' as const, idx: g.constant([batch.B, batch.T], batch.idx) }
    : {
      kind: 'encoder-decoder' as const,
      src: g.constant([batch.B, batch.S], batch.src), srcPad: g.constant([batch.B, batch.S], pad(batch.src)),
      tgtIn: g.constant([batch.B, batch.T], batch.tgtIn), tgtPad: g.constant([batch.B, batch.T], pad(batch.tgtIn)),
    };
  const logits = (await m.logits(g, input).read()) as Float32Array;
  g.dispose();
  return logits;
}

const int64 = (ids: Int32Array, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), dims);

async function onnxLogits(session: Awaited<ReturnType<typeof ort.InferenceSession.create>>, batch: Batch): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = batch.kind === 'gpt'
    ? { idx: int64(batch.idx, [batch.B, batch.T]) }
    : { src: int64(batch.src, [batch.B, batch.S]), tgt_in: int64(batch.tgtIn, [batch.B, batch.T]) };
  const { logits } = await session.run(feeds);
  return { dims: logits.dims, data: logits.data as Float32Array };
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Token ids in [4, V) with right padding: row b keeps lengths[b] tokens. */
function paddedIds(B: number, T: number, V: number, lengths: number[], rng: Rng): Int32Array {
  const ids = new Int32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < lengths[b]; t++) ids[b * T + t] = 4 + rng.int(V - 4);
  return ids;
}

/** Exports, runs in onnxruntime-web and compares with the engine on every batch (shapes vary: dynamic axes). */
async function assertParity(model: ModelConfig, vocabSize: number, batches: Batch[]): Promise<void> {
  const weights = await randomWeights(model, vocabSize, 7);
  const session = await ort.InferenceSession.create(exportOnnx({ config: configOf(model), weights, vocab: { kind: 'byte' }, vocabSize }, 'test'));
  for (const batch of batches) {
    const expected = await engineLogits(model, vocabSize, weights, batch);
    const got = await onnxLogits(session, batch);
    assert.deepEqual(got.dims, [batch.B, batch.T, vocabSize]);
    const difference = maxAbsDifference(expected, got.data);
    assert.ok(difference <= 1e-4, `max |Δlogit| ${difference} for batch ${JSON.stringify({ B: batch.B, T: batch.T })}`);
  }
  await session.release();
}

const V = 260;

describe('ONNX export parity with the engine (onnxruntime-web, wasm)', () => {
  const rng = new Rng(3);
  const gptBatches = (): Batch[] => [
    { kind: 'gpt', B: 3, T: 12, idx: paddedIds(3, 12, V, [12, 7, 1], rng) },
    { kind: 'gpt', B: 1, T: 5, idx: paddedIds(1, 5, V, [5], rng) },
  ];
  const seq2seqBatches = (): Batch[] => [
    // Row 2's source is all padding: the engine gives its queries zero attention output, and so must the graph.
    { kind: 'encoder-decoder', B: 3, S: 9, T: 7, src: paddedIds(3, 9, V, [9, 4, 0], rng), tgtIn: paddedIds(3, 7, V, [7, 3, 1], rng) },
    { kind: 'encoder-decoder', B: 2, S: 3, T: 12, src: paddedIds(2, 3, V, [3, 2], rng), tgtIn: paddedIds(2, 12, V, [12, 5], rng) },
  ];

  it('gpt: biases, tied lm_head, exact GELU', async () => {
    await assertParity(MODEL, V, gptBatches());
  });

  it('gpt: no biases, separate lm_head, tanh GELU and ReLU', async () => {
    await assertParity({ ...MODEL, bias: false, tie_embeddings: false, activation: 'gelu_tanh' }, V, gptBatches());
    await assertParity({ ...MODEL, n_layers: 1, activation: 'relu' }, V, gptBatches());
  });

  it('encoder-decoder with padded sources and targets: biases, separate generator', async () => {
    const model: ModelConfig = { ...MODEL, kind: 'encoder-decoder', n_layers: 0, n_encoder_layers: 2, n_decoder_layers: 2, tie_embeddings: false, activation: 'relu' };
    await assertParity(model, V, seq2seqBatches());
  });

  it('encoder-decoder: no biases, tied generator, exact GELU', async () => {
    const model: ModelConfig = { ...MODEL, kind: 'encoder-decoder', n_layers: 0, n_encoder_layers: 1, n_decoder_layers: 2, bias: false, activation: 'gelu' };
    await assertParity(model, V, seq2seqBatches());
  });

  it('writes opset 17 with named dynamic axes, state-dict initializers and Loss Lab metadata', async () => {
    const weights = await randomWeights(MODEL, V, 1);
    const bytes = exportOnnx({ config: configOf(MODEL), weights, vocab: { kind: 'byte' }, vocabSize: V, step: 42 }, '9.9.9');
    const model = decodeOnnxModel(bytes);
    assert.equal(model.opsetVersion, ONNX_OPSET);
    assert.ok(ONNX_OPSET >= 17);
    assert.equal(model.producerName, 'losslab');
    assert.equal(model.producerVersion, '9.9.9');
    assert.deepEqual(model.graph.input.map((i) => [i.name, i.shape]), [['idx', ['batch', 'time']]]);
    assert.deepEqual(model.graph.output.map((o) => [o.name, o.shape]), [['logits', ['batch', 'time', V]]]);
    const ops = new Set(model.graph.node.map((n) => n.opType));
    for (const op of ['Erf', 'LayerNormalization', 'MatMul', 'Softmax', 'Where', 'Gather']) assert.ok(ops.has(op), `uses ${op}`);
    // Tied lm_head.weight is stored once, under transformer.wte.weight.
    assert.deepEqual(model.graph.initializer.map((t) => t.name).sort(), [...weights.keys()].filter((n) => n !== 'lm_head.weight').sort());
    const wte = model.graph.initializer.find((t) => t.name === 'transformer.wte.weight');
    assert.deepEqual(wte?.dims, [V, 16]);
    assert.equal(new DataView(wte!.rawData.buffer, wte!.rawData.byteOffset).getFloat32(4, true), weights.get('transformer.wte.weight')!.data[1]);
    const info = readModelInfo(model.metadata);
    assert.equal(info.kind, 'gpt');
    assert.equal(info.context, 12);
    assert.equal(info.step, 42);
    assert.equal(info.vocab.size, V);
    assert.equal(model.metadata.model_kind, 'gpt');
    assert.equal(model.metadata.context, '12');
    assert.deepEqual(JSON.parse(model.metadata.vocab), { kind: 'byte' });
  });

  it('refuses weights the config does not use', async () => {
    const weights = await randomWeights(MODEL, V, 1);
    weights.set('transformer.h.9.ln_1.weight', { shape: [16], data: new Float32Array(16) });
    assert.throws(() => exportOnnx({ config: configOf(MODEL), weights, vocab: { kind: 'byte' }, vocabSize: V }, 'test'), /transformer\.h\.9\.ln_1\.weight/);
  });
});

const PAIRS = ['the cat sleeps\tko neko nemu', 'a big dog runs\tun inu ookii hashiru', 'the dog sleeps\tko inu nemu', 'a cat runs\tun neko hashiru'];

/** Trains a tiny run through the CLI and returns its folder. */
async function trainRun(kind: 'gpt' | 'encoder-decoder'): Promise<string> {
  const dir = tempDir();
  const data = kind === 'gpt' ? 'lines.txt' : 'pairs.tsv';
  writeFileSync(join(dir, 'lines.txt'), ['12+7=19', '3+30=33', '45+5=50', '8+8=16', '60+1=61'].join('\n').repeat(4));
  writeFileSync(join(dir, 'pairs.tsv'), `${PAIRS.join('\n')}\n`.repeat(5));
  const model = kind === 'gpt'
    ? '{ kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, d_ff: 32, context: 16 }'
    : '{ kind: encoder-decoder, d_model: 16, n_encoder_layers: 1, n_decoder_layers: 1, n_heads: 2, d_ff: 32, context: 16 }';
  const sequences = kind === 'gpt' ? ', sequences: lines' : '';
  writeFileSync(join(dir, 'tiny.lab.yaml'), `name: tiny\nseed: 5\nbackend: cpu-reference\nmodel: ${model}
data: { train: ${data}, vocab: ${kind === 'gpt' ? 'char' : 'word'}${sequences} }
optimizer: { lr: 0.01 }
training: { steps: 4, batch_size: 4, eval_interval: 0 }
`);
  const run = join(dir, 'run');
  const result = await runCli(['train', join(dir, 'tiny.lab.yaml'), '--out', run, '--quiet']);
  assert.equal(result.code, 0, result.stderr);
  return run;
}

describe('losslab export-onnx', () => {
  for (const kind of ['gpt', 'encoder-decoder'] as const) {
    it(`exports a trained ${kind} run whose logits match the engine on the final checkpoint`, async () => {
      const run = await trainRun(kind);
      const result = await runCli(['export-onnx', run]);
      assert.equal(result.code, 0, result.stderr);
      const file = join(run, 'model.onnx');
      assert.ok(existsSync(file));
      assert.match(result.stdout, /model\.onnx/);
      const bytes = readFileSync(file);
      const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as LabConfig;
      const info = readModelInfo(decodeOnnxModel(bytes).metadata);
      assert.equal(info.kind, kind);
      assert.equal(info.step, 4);
      assert.deepEqual(info.vocab.toJSON(), JSON.parse(readFileSync(join(run, 'vocab.json'), 'utf8')));
      const checkpoint = decodeSafetensors(readFileSync(join(run, 'checkpoints', 'final.safetensors')), 'final');
      const weights = new Map([...checkpoint.tensors].map(([name, t]) => [name, { shape: t.shape, data: t.data as Float32Array }]));
      const vocabSize = info.vocab.size;
      const ids = (text: string, T: number) => {
        const row = new Int32Array(T);
        info.vocab.encode(text).slice(0, T).forEach((id, i) => (row[i] = id));
        return row;
      };
      const batch: Batch = kind === 'gpt'
        ? { kind, B: 2, T: 8, idx: Int32Array.from([...ids('12+7=19', 8), ...ids('3+3', 8)]) }
        : { kind, B: 2, S: 5, T: 4, src: Int32Array.from([...ids('the cat sleeps', 5), ...ids('a big dog runs', 5)]), tgtIn: Int32Array.from([1, ...ids('ko neko', 3), 1, ...ids('un', 3)]) };
      const session = await ort.InferenceSession.create(bytes);
      const got = await onnxLogits(session, batch);
      const difference = maxAbsDifference(await engineLogits(config.model, vocabSize, weights, batch), got.data);
      assert.ok(difference <= 1e-4, `max |Δlogit| ${difference}`);
      await session.release();
    });
  }

  it('exports a named checkpoint to --out (the same bytes as from the run folder), and explains a folder that is not a run', async () => {
    const run = await trainRun('gpt');
    const out = tempDir();
    const fromCheckpoint = await runCli(['export-onnx', join(run, 'checkpoints', 'final.safetensors'), '--out', join(out, 'a.onnx')]);
    assert.equal(fromCheckpoint.code, 0, fromCheckpoint.stderr);
    const fromRun = await runCli(['export-onnx', run, '--out', join(out, 'b.onnx')]);
    assert.equal(fromRun.code, 0, fromRun.stderr);
    assert.ok(readFileSync(join(out, 'a.onnx')).equals(readFileSync(join(out, 'b.onnx'))));
    assert.equal(existsSync(join(run, 'model.onnx')), false);
    const missing = await runCli(['export-onnx', join(run, 'nowhere')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nowhere: no such run folder or checkpoint/);
    const notRun = await runCli(['export-onnx', tempDir()]);
    assert.equal(notRun.code, 2);
    assert.match(notRun.stderr, /not a run folder \(it has no run\.json and no checkpoints\/\)/);
  });
});
