import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RunFolderError, RunLockedError } from '../../src/node/runFolder';
import {
  SweepWriter, latestSweep, listSweeps, readSweep, relativeToBase, sweepsFolder, trialRunFolder, type SweepSummary,
} from '../../src/node/sweepFolder';
import { tempDir } from '../support/cli';

function summary(id: string, base: string): SweepSummary {
  const folder = join(sweepsFolder(join(base, 'tiny.lab.yaml'), 'tiny'), id);
  return {
    version: 1, sweep_id: id, config: 'tiny.lab.yaml', config_name: 'tiny', method: 'grid', metric: 'val_loss',
    parameters: { 'optimizer.lr': [0.001, 0.01], 'schedule.warmup_steps': [0, 5] }, seed: 1, status: 'running',
    started: '2026-01-01T00:00:00.000Z', finished: null, parallel: 1, early_stop: null, message: null, overrides: { 'training.steps': 10 },
    trials: [
      { index: 0, run_id: 'r0', run_dir: relativeToBase(folder, join(base, '.losslab', 'runs', 'tiny', 'r0')), values: { 'optimizer.lr': 0.001, 'schedule.warmup_steps': 0 }, metric: 2.5, status: 'finished', step: 10 },
      { index: 1, run_id: '', run_dir: '', values: { 'optimizer.lr': 0.001, 'schedule.warmup_steps': 5 }, metric: null, status: 'pending', step: 0 },
    ],
    best: { run_dir: '.losslab/runs/tiny/r0', run_id: 'r0', values: { 'optimizer.lr': 0.001, 'schedule.warmup_steps': 0 }, metric: 2.5 },
  };
}

describe('sweep folder', () => {
  it('writes sweep.json under .losslab/sweeps/<name>/<id>/ and reads it back, run_dir relative to the config folder', () => {
    const base = tempDir('losslab-sweep-folder-');
    const folder = join(sweepsFolder(join(base, 'tiny.lab.yaml'), 'tiny'), '20260101-000000-aaaa');
    const writer = SweepWriter.create(folder, summary('20260101-000000-aaaa', base));
    writer.release();
    const read = readSweep(folder);
    assert.equal(read.trials[0].run_dir, '.losslab/runs/tiny/r0');
    assert.equal(trialRunFolder(folder, read.trials[0]), join(base, '.losslab', 'runs', 'tiny', 'r0'));
    assert.equal(trialRunFolder(folder, read.trials[1]), null);
    assert.deepEqual(read, summary('20260101-000000-aaaa', base));
    assert.equal(latestSweep(join(base, 'tiny.lab.yaml'), 'tiny'), folder);
    assert.deepEqual(listSweeps(join(base, 'tiny.lab.yaml'), 'tiny'), [folder]);
  });

  it('lets one process drive a sweep: a second writer is refused, naming the first; create refuses a used folder', () => {
    const base = tempDir('losslab-sweep-lock-');
    const folder = join(base, '.losslab', 'sweeps', 'tiny', 's1');
    const writer = SweepWriter.create(folder, summary('s1', base));
    assert.throws(() => SweepWriter.open(folder), (e: unknown) => e instanceof RunLockedError && /being written by process \d+/.test(e.message));
    writer.release();
    assert.throws(() => SweepWriter.create(folder, summary('s1', base)), /already holds a sweep; continue it with sweep --resume/);
    SweepWriter.open(folder).release();
  });

  it('refuses bad files with the file, the line or the field, and what is wrong', () => {
    const base = tempDir('losslab-sweep-bad-');
    const folder = join(base, 's');
    mkdirSync(folder);
    const file = join(folder, 'sweep.json');
    assert.throws(() => readSweep(folder), (e: unknown) => e instanceof RunFolderError && e.message === `${file}: is missing: this is not a sweep folder`);
    writeFileSync(file, '{\n  "version": 1,\n  "trials": [\n');
    assert.throws(() => readSweep(folder), (e: unknown) => e instanceof RunFolderError && e.line === 4 && /is not valid JSON/.test(e.message));
    const good = summary('s', base) as unknown as { trials: Array<Record<string, unknown>> };
    good.trials[1].status = 'done';
    writeFileSync(file, JSON.stringify(good));
    assert.throws(() => readSweep(folder), /sweep\.json: is not a valid sweep\.json: field trials\.1\.status must be equal to one of the allowed values \(it is "done"\)/);
    writeFileSync(file, JSON.stringify({ ...summary('s', base), version: 2 }));
    assert.throws(() => readSweep(folder), /written by a newer Loss Lab \(format version 2/);
    writeFileSync(file, JSON.stringify({ ...summary('s', base), extra: 1 }));
    assert.equal('extra' in readSweep(folder), false);
    assert.match(readFileSync(file, 'utf8'), /extra/);
  });
});
