import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LabConfig } from '../../src/config/types';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { prepareData, type DatasetFiles } from '../../src/engine/data/prepare';
import { decodeSafetensors } from '../../src/engine/io/safetensors';
import { DETERMINISTIC_FIELDS, type StepMetrics } from '../../src/engine/train/metrics';
import { Trainer } from '../../src/engine/train/trainer';
import {
  CHECKPOINT_FORMAT, checkpointFiles, fingerprintMismatch, latestCheckpoint, readCheckpoint, runFingerprint, setAsideCheckpointsAfter, writeCheckpoint,
} from '../../src/node/runFolder';
import { tempDir } from '../support/cli';

const STORY = 'the cat sat on the mat and the dog ran to the park. '.repeat(20);
const LINES = Array.from({ length: 40 }, (_, i) => `${i % 13} and ${i % 7} make ${(i % 13) + (i % 7)}`).join('\n');
const PAIRS = Array.from({ length: 30 }, (_, i) => `${'ab'.repeat(1 + (i % 4))}\t${'c'.repeat(1 + (i % 3))}`).join('\n');

function labConfig(overrides: { model?: Partial<LabConfig['model']>; data?: Partial<LabConfig['data']>; optimizer?: Partial<LabConfig['optimizer']>; schedule?: Partial<LabConfig['schedule']>; training?: Partial<LabConfig['training']> } = {}): LabConfig {
  return {
    name: 'ckpt', seed: 9, backend: 'cpu',
    model: { kind: 'gpt', d_model: 8, n_layers: 1, n_encoder_layers: 0, n_decoder_layers: 0, n_heads: 2, d_ff: 16, context: 8, dropout: 0, bias: true, tie_embeddings: true, activation: 'gelu', ...overrides.model },
    data: { train: 'x.txt', val: null, val_fraction: 0.2, vocab: 'char', shuffle: true, sequences: 'stream', format: 'auto', ...overrides.data },
    loss: { label_smoothing: 0, ignore_padding: true },
    optimizer: { name: 'adamw', lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, momentum: 0, nesterov: false, ...overrides.optimizer },
    schedule: { warmup_steps: 2, decay: 'cosine', min_lr: 0, decay_steps: 8, gamma: 0.95, step_size: 100, ...overrides.schedule },
    training: { steps: 8, batch_size: 3, grad_accumulation: 1, grad_clip: 1, eval_interval: 0, eval_steps: 1, checkpoint_interval: 0, ...overrides.training },
  };
}

const cases: { name: string; config: LabConfig; files: DatasetFiles }[] = [
  { name: 'gpt stream · adamw · accumulation · dropout', files: { train: STORY, val: null }, config: labConfig({ model: { dropout: 0.2 }, training: { grad_accumulation: 2 } }) },
  { name: 'gpt lines (epochs) · sgd momentum', files: { train: LINES, val: null }, config: labConfig({ data: { sequences: 'lines', vocab: 'word' }, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, training: { batch_size: 5 } }) },
  { name: 'encoder-decoder · adam · untied', files: { train: PAIRS, val: null }, config: labConfig({
    model: { kind: 'encoder-decoder', n_layers: 0, n_encoder_layers: 1, n_decoder_layers: 1, tie_embeddings: false },
    data: { train: 'pairs.tsv' }, optimizer: { name: 'adam' },
  }) },
];

const trainer = (config: LabConfig, files: DatasetFiles) => new Trainer(config, prepareData(config, files), { backend: new CpuBackend() });
const deterministic = (m: StepMetrics) => DETERMINISTIC_FIELDS.map((f) => m[f]);

async function trainSteps(t: Trainer, n: number): Promise<StepMetrics[]> {
  const out: StepMetrics[] = [];
  for (let i = 0; i < n; i++) out.push((await t.trainStep()).metrics);
  return out;
}

describe('checkpoints', () => {
  for (const c of cases) {
    it(`a run continued from a checkpoint file equals the uninterrupted run: ${c.name}`, async () => {
      const whole = await trainSteps(trainer(c.config, c.files), 8);
      const first = trainer(c.config, c.files);
      await trainSteps(first, 3);
      const dir = tempDir('losslab-ckpt-');
      const fingerprint = runFingerprint(c.config, c.files);
      writeCheckpoint(dir, { weights: await first.weights(), state: await first.state(), fingerprint });
      const loaded = readCheckpoint(dir, 3);
      assert.equal(fingerprintMismatch(loaded.fingerprint, fingerprint), null);
      const second = trainer(c.config, c.files);
      second.restore(loaded.weights, loaded.state);
      assert.equal(second.step, 3);
      const rest = await trainSteps(second, 5);
      assert.deepEqual(rest.map(deterministic), whole.slice(3).map(deterministic));
      assert.notDeepEqual(rest.map(deterministic), whole.slice(0, 5).map(deterministic), 'a restored run does not start over');
    });
  }

  it('holds state-dict names only in the weights file, optimizer state and positions in the state file', async () => {
    const config = labConfig();
    const t = trainer(config, { train: STORY, val: null });
    await trainSteps(t, 2);
    const dir = tempDir('losslab-ckpt-');
    const file = writeCheckpoint(dir, { weights: await t.weights(), state: await t.state(), fingerprint: runFingerprint(config, { train: STORY, val: null }), metadata: { config: 'ckpt' } });
    assert.equal(file, join(dir, 'checkpoints', 'step-000002.safetensors'));
    assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['step-000002.safetensors', 'step-000002.state.safetensors']);
    const weights = decodeSafetensors(readFileSync(file), 'w');
    const state = decodeSafetensors(readFileSync(checkpointFiles(dir, 2).state), 's');
    const names = t.model.params.entries().map(([name]) => name);
    assert.deepEqual([...weights.tensors.keys()], names);
    assert.ok(names.includes('lm_head.weight') && names.includes('transformer.wte.weight'), 'tied weights under both names');
    const unique = t.model.params.tensors.map((p) => p.name);
    assert.deepEqual([...state.tensors.keys()], unique.flatMap((n) => [`${n}.exp_avg`, `${n}.exp_avg_sq`]));
    assert.deepEqual(state.tensors.get('transformer.wte.weight.exp_avg')?.shape, weights.tensors.get('transformer.wte.weight')?.shape);
    assert.ok(state.tensors.get('transformer.wte.weight.exp_avg_sq')?.data.some((v) => v > 0), 'moments are the trained ones');
    for (const meta of [weights.metadata, state.metadata]) {
      assert.equal(meta.format, CHECKPOINT_FORMAT);
      assert.equal(meta.step, '2');
      assert.match(meta.config_hash, /^[0-9a-f]{64}$/);
    }
    assert.equal(weights.metadata.checkpoint_id, state.metadata.checkpoint_id);
    assert.equal(weights.metadata.config, 'ckpt');
    assert.equal(state.metadata.optimizer_step, '2');
    assert.deepEqual(JSON.parse(state.metadata.sampler), (await t.state()).sampler);
    assert.equal(JSON.parse(state.metadata.rng).next_step, 3);
    assert.match(state.metadata.data_hash, /^[0-9a-f]{64}$/);
  });

  it('the newest complete checkpoint is found past torn, half-written and mismatched ones; later files are set aside, saying so', async () => {
    const config = labConfig();
    const files = { train: STORY, val: null };
    const t = trainer(config, files);
    const dir = tempDir('losslab-ckpt-');
    const fingerprint = runFingerprint(config, files);
    for (let step = 1; step <= 5; step++) {
      await t.trainStep();
      writeCheckpoint(dir, { weights: await t.weights(), state: await t.state(), fingerprint });
    }
    truncateSync(checkpointFiles(dir, 5).weights, 1000);
    rmSync(checkpointFiles(dir, 4).weights);
    writeFileSync(checkpointFiles(dir, 3).state, readFileSync(checkpointFiles(dir, 2).state));
    writeFileSync(`${checkpointFiles(dir, 2).weights}.123.tmp`, 'partial');
    const skipped: string[] = [];
    assert.equal(latestCheckpoint(dir, skipped)?.step, 2);
    assert.equal(skipped.length, 2, skipped.join('\n'));
    assert.match(skipped[0], /step-000005\.safetensors/);
    assert.match(skipped[1], /step-000003\.state\.safetensors: holds step 2, expected 3/);
    const notices = setAsideCheckpointsAfter(dir, 2);
    assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), [
      'step-000001.safetensors', 'step-000001.state.safetensors', 'step-000002.safetensors', 'step-000002.state.safetensors',
      'step-000003.safetensors.discarded', 'step-000003.state.safetensors.discarded', 'step-000004.state.safetensors.discarded',
      'step-000005.safetensors.discarded', 'step-000005.state.safetensors.discarded',
    ]);
    assert.equal(notices.length, 6, notices.join('\n'));
    assert.match(notices[0], /^removed .*step-000002\.safetensors\.123\.tmp: an unfinished write's temporary file$/);
    assert.match(notices[1], /^moved .*step-000003\.safetensors aside to .*step-000003\.safetensors\.discarded: it is newer than the checkpoint of step 2/);
    writeCheckpoint(dir, { weights: await t.weights(), state: await t.state(), fingerprint });
    setAsideCheckpointsAfter(dir, 2);
    assert.ok(readdirSync(join(dir, 'checkpoints')).includes('step-000005.safetensors.discarded.1'), 'an earlier set-aside file is not overwritten');
  });

  it('a state file from another write of the same step (a kill between the two renames) does not pair up', async () => {
    const config = labConfig();
    const files = { train: STORY, val: null };
    const t = trainer(config, files);
    await t.trainStep();
    const [dir, other] = [tempDir('losslab-ckpt-'), tempDir('losslab-ckpt-')];
    const input = { weights: await t.weights(), state: await t.state(), fingerprint: runFingerprint(config, files) };
    writeCheckpoint(dir, input);
    writeCheckpoint(other, input);
    assert.equal(readCheckpoint(dir, 1).step, 1);
    writeFileSync(checkpointFiles(dir, 1).state, readFileSync(checkpointFiles(other, 1).state));
    assert.throws(() => readCheckpoint(dir, 1), /another write of this step/);
    assert.equal(latestCheckpoint(dir), null);
  });

  it('the fingerprint ignores name, backend, data paths, step count and intervals, and names what changed', () => {
    const files = { train: STORY, val: null };
    const base = runFingerprint(labConfig({ schedule: { decay: 'constant' } }), files);
    const same = labConfig({ schedule: { decay: 'constant', decay_steps: 50 }, data: { train: 'elsewhere/x.txt' }, training: { steps: 50, eval_interval: 5, checkpoint_interval: 3 } });
    assert.equal(fingerprintMismatch(base, runFingerprint({ ...same, name: 'other', backend: 'webgpu' }, files)), null);
    const lr = fingerprintMismatch(base, runFingerprint(labConfig({ schedule: { decay: 'constant' }, optimizer: { lr: 0.02 } }), files));
    assert.match(lr ?? '', /config changed since the checkpoint \(optimizer\.lr: 0\.01 then, 0\.02 now\)/);
    const cosine = runFingerprint(labConfig(), files);
    assert.match(fingerprintMismatch(cosine, runFingerprint(labConfig({ schedule: { decay_steps: 50 } }), files)) ?? '', /schedule\.decay_steps: 8 then, 50 now/);
    assert.match(fingerprintMismatch(base, runFingerprint(labConfig({ schedule: { decay: 'constant' } }), { train: `${STORY}!`, val: null })) ?? '', /dataset files changed/);
  });

  it('optimizer state that does not fit is refused with every problem named', async () => {
    const t = trainer(labConfig(), { train: STORY, val: null });
    const state = await t.state();
    const broken = new Map(state.optimizerState);
    broken.delete('transformer.wte.weight.exp_avg');
    broken.set('transformer.wpe.weight.exp_avg', { shape: [1], data: new Float32Array(1) });
    broken.set('extra.momentum_buffer', { shape: [1], data: new Float32Array(1) });
    const weights = await t.weights();
    assert.throws(() => t.restore(weights, { ...state, optimizerState: broken }),
      /missing transformer\.wte\.weight\.exp_avg; transformer\.wpe\.weight\.exp_avg has 1 values, expected 64; unexpected extra\.momentum_buffer/);
  });
});
