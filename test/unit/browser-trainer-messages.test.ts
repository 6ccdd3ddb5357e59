import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../src/config';
import { prepareData, type PreparedData } from '../../src/engine/data/prepare';
import type { TrainPrepared } from '../../src/protocol/browserTrainer';
import { deserializePreparedData, serializePreparedData, transferablesOf } from '../../src/protocol/trainingTransfer';
import { runIdOf, validateHostToBrowserTrainer } from '../../webview/trainer/messages';

const SOURCES = {
  stream: { yaml: 'model: { kind: gpt, context: 8 }\ndata: { train: t.txt, vocab: byte }', text: 'hello world, hello again. '.repeat(20) },
  lines: { yaml: 'model: { kind: gpt, context: 8 }\ndata: { train: t.txt, vocab: char, sequences: lines }', text: 'ab\ncab\nbca\nc\n'.repeat(10) },
  pairs: { yaml: 'model: { kind: encoder-decoder, context: 8 }\ndata: { train: t.tsv, vocab: word }', text: 'a b\tb a\nc\td e\nd a c\tc\n'.repeat(10) },
};

/** The host's side: the data prepared from the text, and the TrainPrepared carrying it. */
function prepared(kind: keyof typeof SOURCES): { data: PreparedData; message: TrainPrepared } {
  const { config, diagnostics } = parseConfigText(`name: transfer\n${SOURCES[kind].yaml}\n`, 'transfer.lab.yaml');
  assert.ok(config, diagnostics.map((d) => d.message).join('; '));
  const data = prepareData(config, { train: SOURCES[kind].text, val: null });
  return { data, message: { type: 'TrainPrepared', runId: 'r1', config, data: serializePreparedData(data), allowFallbackAdapter: true } };
}

const STREAM = prepared('stream').message;
const LINES = prepared('lines').message;
const PAIRS = prepared('pairs').message;

function plain(data: PreparedData): unknown {
  return { vocab: data.vocab.toJSON(), train: data.train, val: data.val };
}

describe('prepared data as postMessage records', () => {
  for (const kind of ['stream', 'lines', 'pairs'] as const) {
    it(`${kind}: a structured clone deserializes to the data prepared on the host`, () => {
      const { data: original, message } = prepared(kind);
      const received = validateHostToBrowserTrainer(structuredClone(message));
      assert.ok(typeof received !== 'string', String(received));
      assert.equal(received.type, 'TrainPrepared');
      const data = deserializePreparedData((received as TrainPrepared).data);
      assert.deepEqual(plain(data), plain(original));
      assert.equal(data.vocab.size, original.vocab.size);
    });
  }

  it('lists each buffer once for transfer, and the host keeps its own copy', () => {
    const buffers = transferablesOf(PAIRS);
    assert.equal(buffers.length, 8, 'source and target tokens and offsets, for train and val');
    assert.equal(new Set(buffers).size, buffers.length);
    const { data, message } = prepared('stream');
    if (data.train.kind !== 'stream') throw new Error('stream data expected');
    assert.ok(!transferablesOf(message).includes(data.train.tokens.buffer as ArrayBuffer), 'transferring the message leaves the prepared data usable');
  });

  it('rejects offsets that do not span the tokens and ids outside the vocabulary', () => {
    const clone = structuredClone(LINES);
    if (clone.data.train.kind !== 'lines') throw new Error('lines data expected');
    clone.data.train.sequences.offsets[1] = 10_000;
    assert.throws(() => deserializePreparedData(clone.data), /offset 2 goes backwards|do not span/);
    const outside = structuredClone(STREAM);
    if (outside.data.train.kind !== 'stream') throw new Error('stream data expected');
    outside.data.train.tokens[3] = 260;
    assert.throws(() => deserializePreparedData(outside.data), /train data: token 3 has id 260, outside the vocabulary of 260/);
  });
});

describe('validateHostToBrowserTrainer', () => {
  it('accepts StopRun and ResumeRun as fresh objects', () => {
    assert.deepEqual(validateHostToBrowserTrainer({ type: 'StopRun', runId: 'r1' }), { type: 'StopRun', runId: 'r1' });
    assert.deepEqual(validateHostToBrowserTrainer({ type: 'ResumeRun', runId: 'r1', extra: undefined }), { type: 'ResumeRun', runId: 'r1' });
  });

  const rejected: Array<[string, unknown, RegExp]> = [
    ['null', null, /not an object/],
    ['an unknown type', { type: 'DidStep', runId: 'r1' }, /unknown message type "DidStep"/],
    ['a stop without a run id', { type: 'StopRun' }, /needs a run id/],
    ['an extra key', { ...STREAM, outDir: 'x' }, /unexpected keys outDir/],
    ['a fallback flag that is not boolean', { ...STREAM, allowFallbackAdapter: 1 }, /allowFallbackAdapter must be true or false/],
    ['a config without its sections', { ...STREAM, config: { name: 'x', seed: 1 } }, /config lacks the sections model, data, loss/],
    ['tokens as a plain array', { ...STREAM, data: { ...STREAM.data, train: { kind: 'stream', file: 't', tokens: [1, 2] } } }, /data train tokens must be an Int32Array/],
    ['weights as float64', { ...STREAM, resume: { step: 0, weights: [{ name: 'w', shape: [1], data: new Float64Array(1) }], state: {} } }, /resume weights w: data must be a Float32Array/],
  ];
  for (const [name, raw, reason] of rejected) {
    it(`rejects ${name}`, () => {
      const result = validateHostToBrowserTrainer(raw);
      assert.equal(typeof result, 'string');
      assert.match(result as string, reason);
    });
  }

  it('names the run of a rejected request so the worker can answer it', () => {
    assert.equal(runIdOf({ ...STREAM, allowFallbackAdapter: 1 }), 'r1');
    assert.equal(runIdOf({ type: 'TrainPrepared' }), null);
  });
});
