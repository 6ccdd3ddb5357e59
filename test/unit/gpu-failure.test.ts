// A WebGPU run whose device is lost mid-run (a real device, destroyed after a step): the run pauses with every
// completed step kept, and resumes on the CPU from its last checkpoint as if nothing had happened.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { WebGpuBackend } from '../../src/engine/backends/webgpu';
import { Trainer } from '../../src/engine/train/trainer';
import { readCheckpoint } from '../../src/node/runFolder';
import { loadConfigFile } from '../../src/node/configFile';
import { readDatasetFiles } from '../../src/node/dataFiles';
import { prepareData } from '../../src/engine/data/prepare';
import { resumeSession, startSession } from '../../src/node/session';
import type { StoredRunInfo } from '../../src/node/runFolder';
import { probeWebGpu } from '../support/backends';
import { tempDir } from '../support/cli';

const probe = probeWebGpu();
const skip = !probe.available && process.env.LOSSLAB_REQUIRE_WEBGPU !== '1' ? `no WebGPU adapter here: ${probe.reason}` : false;
const TEXT = 'the quick brown fox jumps over the lazy dog; a slow red hen naps by the barn. '.repeat(40);

function project(): { dir: string; config: string } {
  const dir = tempDir('losslab-gpu-failure-');
  writeFileSync(join(dir, 'story.txt'), TEXT);
  writeFileSync(join(dir, 'lost.lab.yaml'), `name: lost
seed: 5
backend: webgpu
model: { kind: gpt, d_model: 32, n_layers: 2, n_heads: 4, context: 16 }
data: { train: story.txt, vocab: char }
optimizer: { lr: 0.003 }
schedule: { warmup_steps: 2, decay: cosine }
training: { steps: 9, batch_size: 4, checkpoint_interval: 2, eval_interval: 4, eval_steps: 2 }
`);
  return { dir, config: join(dir, 'lost.lab.yaml') };
}

type Line = { step: number; loss?: number; val_loss?: number };
const lines = (run: string): Line[] => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
const info = (run: string): StoredRunInfo => JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as StoredRunInfo;

/** Steps `from + 1 … steps` on the CPU reference backend, straight from the checkpoint of `from` (no session). */
async function cpuLossesFrom(config: string, run: string, from: number): Promise<number[]> {
  const loaded = await loadConfigFile(config, { backend: 'cpu-reference' });
  const data = prepareData(loaded.config, await readDatasetFiles(loaded.config));
  const trainer = new Trainer(loaded.config, data, { backend: new CpuBackend() });
  const checkpoint = readCheckpoint(run, from);
  trainer.restore(checkpoint.weights, checkpoint.state);
  const losses: number[] = [];
  while (trainer.step < trainer.totalSteps) losses.push((await trainer.trainStep()).metrics.loss);
  return losses;
}

describe('a WebGPU device lost mid-run', { skip }, () => {
  it('pauses the run (steps kept, checkpoint named), then resumes on the CPU with the losses of an uninterrupted CPU run', async () => {
    const { dir, config } = project();
    const run = join(dir, 'run');
    let backend: WebGpuBackend | null = null;
    const session = await startSession({ configFile: config, outDir: run, version: 'test' }, {
      onStep: (metrics) => {
        if (metrics.step === 5) backend?.device.destroy();
      },
    });
    assert.ok(session.trainer.backend instanceof WebGpuBackend, `trains on WebGPU: ${session.trainer.backend.description}`);
    backend = session.trainer.backend;
    assert.equal(await session.done, 'paused');

    const paused = info(run);
    assert.equal(paused.status, 'paused');
    assert.deepEqual(paused.gpu_failure, { kind: 'device-lost', step: 5, checkpoint_step: 4 });
    assert.equal(paused.message, 'The WebGPU device was lost during step 6, so the run paused (steps 1–5 are kept): resume on the CPU from checkpoint step 4.');
    assert.equal(paused.steps_completed, 5);
    assert.equal(paused.finished_at, null);
    const adapter = paused.backend.adapter;
    assert.ok(adapter, 'run.json names the adapter');
    assert.equal(adapter.isFallbackAdapter, backend.adapter.isFallbackAdapter);
    assert.equal(adapter.vendor, backend.adapter.vendor);
    assert.equal(adapter.architecture, backend.adapter.architecture);
    const before = lines(run);
    assert.deepEqual(before.map((l) => [l.step, 'val_loss' in l]), [[1, false], [2, false], [3, false], [4, false], [4, true], [5, false]]);
    assert.ok(before.every((l) => Number.isFinite(l.loss ?? l.val_loss)));
    const saved = readdirSync(join(run, 'checkpoints')).sort();
    assert.deepEqual(saved, ['step-000002.safetensors', 'step-000002.state.safetensors', 'step-000004.safetensors', 'step-000004.state.safetensors']);
    const gpuStep5 = before[5].loss as number;

    const resumed = await resumeSession({ runDir: run, backend: 'cpu-reference', withoutGpu: 'the GPU failed', version: 'test' });
    assert.equal(resumed.trainer.backend.name, 'cpu-reference');
    assert.equal(await resumed.done, 'finished');
    const done = info(run);
    assert.equal(done.status, 'finished');
    assert.equal(done.gpu_failure, null);
    assert.equal(done.message, null);
    assert.equal(done.backend.adapter, null);
    assert.deepEqual(done.resumes?.map((r) => [r.from_step, r.backend]), [[4, 'cpu-reference']]);
    assert.ok(existsSync(join(run, 'checkpoints', 'final.safetensors')));

    const after = lines(run);
    assert.deepEqual(after.filter((l) => !('val_loss' in l)).map((l) => l.step), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'no step lost or duplicated');
    assert.deepEqual(after.filter((l) => 'val_loss' in l).map((l) => l.step), [4, 8, 9]);
    const resumedLosses = after.filter((l) => !('val_loss' in l) && l.step > 4).map((l) => l.loss as number);
    const reference = await cpuLossesFrom(config, run, 4);
    assert.equal(resumedLosses.length, reference.length);
    resumedLosses.forEach((loss, i) => assert.ok(Math.abs(loss - reference[i]) <= 1e-4, `step ${i + 5}: ${loss} vs ${reference[i]}`));
    assert.ok(Math.abs(resumedLosses[0] - gpuStep5) <= 1e-4, `step 5 on the CPU (${resumedLosses[0]}) equals step 5 on the GPU (${gpuStep5})`);
  });
});
