import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { decodeSafetensors, encodeSafetensors, safetensorsDataSection, type Tensor } from '../../src/engine/io/safetensors';
import { writeRunOnnx } from '../../src/extension/runs/onnxFile';
import { CHECKSUM_KEY, CheckpointError, checkpointFiles, latestCheckpoint, readCheckpoint, verifyChecksum } from '../../src/node/runFolder';
import { runCli, tempDir } from '../support/cli';

const TEXT = 'the quick brown fox jumps over the lazy dog; a slow red hen naps by the barn. '.repeat(30);
const MISMATCH = /checksum mismatch: the tensor data was changed or corrupted after it was written/;

/** A finished 8-step run with checkpoints at steps 2, 4, 6 and 8 plus final.safetensors; tests work on copies. */
let dir: string;
let config: string;
let finished: string;

function copyOfRun(): string {
  const copy = join(tempDir('losslab-checksum-copy-'), 'run');
  cpSync(finished, copy, { recursive: true });
  return copy;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Flips the lowest bit of one byte in the middle of the file's tensor data. */
function flipBit(file: string): void {
  const bytes = readFileSync(file);
  const dataStart = bytes.length - safetensorsDataSection(bytes).length;
  bytes[dataStart + Math.floor((bytes.length - dataStart) / 2)] ^= 1;
  writeFileSync(file, bytes);
}

const metricsLines = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
const deterministic = (run: string) => metricsLines(run).map((m) => [m.step, m.loss, m.lr, m.grad_norm, m.val_loss]);

before(async () => {
  dir = tempDir('losslab-checksum-');
  writeFileSync(join(dir, 'story.txt'), TEXT);
  config = join(dir, 'sum.lab.yaml');
  writeFileSync(config, `name: sum
seed: 3
backend: cpu
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, d_ff: 32, context: 16 }
data: { train: story.txt, vocab: char }
schedule: { warmup_steps: 2, decay: cosine }
training: { steps: 8, batch_size: 4, checkpoint_interval: 2, eval_interval: 4, eval_steps: 1 }
`);
  finished = join(dir, 'run');
  const result = await runCli(['train', config, '--out', finished, '--quiet']);
  assert.equal(result.code, 0, result.stderr);
});

describe('checkpoint checksums', () => {
  it('every weights, optimizer-state and final file carries the sha256 of its data section', () => {
    const names = readdirSync(join(finished, 'checkpoints')).sort();
    assert.deepEqual(names, ['final.safetensors', ...[2, 4, 6, 8].flatMap((s) => [`step-00000${s}.safetensors`, `step-00000${s}.state.safetensors`])]);
    for (const name of names) {
      const bytes = readFileSync(join(finished, 'checkpoints', name));
      const { metadata } = decodeSafetensors(bytes, name);
      assert.match(metadata[CHECKSUM_KEY], /^[0-9a-f]{64}$/, name);
      assert.equal(metadata[CHECKSUM_KEY], sha256(safetensorsDataSection(bytes)), name);
    }
  });

  it('one flipped bit in the tensor data is refused by resume, export-onnx, generate, Try Model and --init-from', async () => {
    const run = copyOfRun();
    const { weights, state } = checkpointFiles(run, 8);
    flipBit(state);
    assert.throws(() => readCheckpoint(run, 8), (e: Error) => e instanceof CheckpointError && e.message.startsWith(`${state}: `) && MISMATCH.test(e.message));
    flipBit(state);
    assert.equal(readCheckpoint(run, 8).step, 8, 'flipped back, the checkpoint loads again');
    flipBit(weights);
    assert.throws(() => readCheckpoint(run, 8), (e: Error) => e.message.startsWith(`${weights}: `) && MISMATCH.test(e.message));
    const exported = await runCli(['export-onnx', weights, '--out', join(run, 'a.onnx')]);
    assert.equal(exported.code, 2, exported.stderr);
    assert.match(exported.stderr, new RegExp(`step-000008\\.safetensors: ${MISMATCH.source}`));
    const final = join(run, 'checkpoints', 'final.safetensors');
    flipBit(final);
    for (const args of [['export-onnx', run, '--out', join(run, 'b.onnx')], ['generate', run, '--prompt', 'the', '--max-tokens', '5'], ['train', config, '--out', join(run, 'x'), '--init-from', final]]) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args[0]}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`final\\.safetensors: ${MISMATCH.source}`), args[0]);
      assert.doesNotMatch(result.stderr, /internal error/);
    }
    assert.ok(!existsSync(join(run, 'x', 'metrics.jsonl')), '--init-from refused before any step');
    await assert.rejects(writeRunOnnx(run, 'test'), (e: Error) => MISMATCH.test(e.message) && e.message.includes('final.safetensors'));
  });

  it('a truncated checkpoint file is named as truncated', async () => {
    const run = copyOfRun();
    const { weights } = checkpointFiles(run, 8);
    truncateSync(weights, readFileSync(weights).length - 100);
    assert.throws(() => readCheckpoint(run, 8), (e: Error) => e.message.startsWith(`${weights}: `) && /the file is truncated/.test(e.message));
    truncateSync(weights, 20);
    assert.throws(() => readCheckpoint(run, 8), (e: Error) => e.message.startsWith(`${weights}: `) && /exceeds file size .*\(the file is truncated\)/.test(e.message));
    const exported = await runCli(['export-onnx', weights, '--out', join(run, 'a.onnx')]);
    assert.equal(exported.code, 2, exported.stderr);
    assert.match(exported.stderr, /step-000008\.safetensors: .*truncated/);
  });

  it('a run folder\'s checkpoint must carry a checksum; weights from elsewhere (--init-from) need not', async () => {
    const run = copyOfRun();
    const { weights } = checkpointFiles(run, 8);
    const decoded = decodeSafetensors(readFileSync(weights), weights);
    const metadata = { ...decoded.metadata };
    delete metadata[CHECKSUM_KEY];
    const tensors: Record<string, Tensor> = Object.fromEntries([...decoded.tensors].map(([n, t]) => [n, { dtype: 'F32', shape: t.shape, data: t.data as Float32Array }]));
    writeFileSync(weights, encodeSafetensors(tensors, metadata));
    assert.throws(() => readCheckpoint(run, 8), (e: Error) => e.message.startsWith(`${weights}: has no ${CHECKSUM_KEY} checksum`));
    const foreign = join(dir, 'foreign.safetensors');
    writeFileSync(foreign, encodeSafetensors(tensors));
    const trained = await runCli(['train', config, '--out', join(tempDir('losslab-checksum-init-'), 'run'), '--init-from', foreign, '--steps', '2', '--quiet']);
    assert.equal(trained.code, 0, trained.stderr);
  });

  it('resume passes over a corrupt newest checkpoint, says so, keeps it aside, and re-does the steps exactly', async () => {
    const run = copyOfRun();
    const { weights } = checkpointFiles(run, 8);
    flipBit(weights);
    const skipped: string[] = [];
    assert.equal(latestCheckpoint(run, skipped)?.step, 6);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0], new RegExp(`^${weights.replace(/[.]/g, '\\.')}: ${MISMATCH.source}`));
    const resumed = await runCli(['train', config, '--resume', run]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`step-000008\\.safetensors: ${MISMATCH.source}`), 'says which checkpoint it passed over and why');
    assert.match(resumed.stderr, /moved .*step-000008\.safetensors aside to .*step-000008\.safetensors\.discarded/, 'says what it set aside');
    const aside = join(run, 'checkpoints', 'step-000008.safetensors.discarded');
    assert.ok(existsSync(aside), 'the corrupt file is kept aside, not deleted');
    const asideBytes = readFileSync(aside);
    assert.throws(() => verifyChecksum(asideBytes, decodeSafetensors(asideBytes, aside), aside, 'required'), MISMATCH, 'moved, not rewritten');
    assert.equal(readCheckpoint(run, 8).step, 8, 'the re-done step 8 has a good checkpoint again');
    assert.deepEqual(deterministic(run), deterministic(finished), 'metrics equal the uninterrupted run');
  });
});
