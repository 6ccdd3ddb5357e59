import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunInfo } from '../../src/protocol/runInfo';
import { readLastRun, summarizeRun, timeAgo } from '../../src/extension/language/runSummary';
import { tempDir } from '../support/cli';

const NOW = new Date('2026-01-10T12:00:00Z');

function run(overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    id: '20260110-115700-abcd', name: 'story', config_file: 'story.lab.yaml', status: 'finished',
    backend: { name: 'cpu', description: 'CPU', reason: 'chosen in the config' }, versions: { losslab: '0.1.0', node: 'v20' },
    started_at: '2026-01-10T11:55:00Z', finished_at: '2026-01-10T11:57:00Z', steps_completed: 200, total_steps: 200,
    parameters: 1000, vocab_size: 40, final_loss: 1.2344, final_val_loss: 1.5, tokens_per_sec: 5000, message: null,
    ...overrides,
  };
}

test('the lens title: status, loss and age, as in "last run: finished · loss 1.234 · 3 min ago"', () => {
  assert.deepEqual(summarizeRun(run(), NOW), {
    title: 'last run: finished · loss 1.234 · 3 min ago',
    tooltip: 'Run 20260110-115700-abcd (cpu) · 200/200 steps · loss 1.2344 · val loss 1.5000',
  });
  assert.equal(summarizeRun(run({ status: 'stopped', steps_completed: 57 }), NOW).title, 'last run: stopped at step 57/200 · loss 1.234 · 3 min ago');
  assert.equal(summarizeRun(run({ status: 'paused', steps_completed: 6, finished_at: null, final_loss: Infinity }), NOW).title, 'last run: paused at step 6/200 · 5 min ago');
  assert.equal(summarizeRun(run({ status: 'running', finished_at: null, final_loss: null }), NOW).title, 'last run: running · started 5 min ago');
  const failed = summarizeRun(run({ status: 'failed', message: 'the worker ran out of memory' }), NOW);
  assert.equal(failed.title, 'last run: failed · 3 min ago');
  assert.match(failed.tooltip, / · the worker ran out of memory$/);
});

test('ages are coarse and never negative', () => {
  const at = (seconds: number) => timeAgo(new Date(NOW.getTime() - seconds * 1000).toISOString(), NOW);
  assert.deepEqual([at(-30), at(0), at(59), at(60), at(3599), at(3600), at(86399), at(86400 * 3)], ['just now', 'just now', 'just now', '1 min ago', '59 min ago', '1 h ago', '23 h ago', '3 d ago']);
  assert.equal(timeAgo('not a date', NOW), '');
});

test('readLastRun: the newest readable run.json beside the config, or in the runFolder setting', () => {
  const dir = tempDir('losslab-lens-');
  try {
    const configFile = join(dir, 'story.lab.yaml');
    const runs = join(dir, '.losslab', 'runs', 'story');
    assert.equal(readLastRun(configFile, 'story'), undefined, 'no runs yet');
    const write = (folder: string, id: string, body: string) => {
      mkdirSync(join(folder, id), { recursive: true });
      writeFileSync(join(folder, id, 'run.json'), body);
    };
    write(runs, '20260110-100000-aaaa', JSON.stringify(run({ id: '20260110-100000-aaaa', final_loss: 2 })));
    write(runs, '20260110-110000-bbbb', JSON.stringify(run({ id: '20260110-110000-bbbb', final_loss: 1 })));
    assert.equal(readLastRun(configFile, 'story')?.id, '20260110-110000-bbbb');
    // A newer run being created (no run.json yet) or a damaged one is skipped.
    mkdirSync(join(runs, '20260110-120000-cccc'));
    write(runs, '20260110-115000-dddd', '{"status": "finished", "id": 5');
    write(runs, '20260110-115500-eeee', JSON.stringify({ ...run(), status: 'exploded' }));
    assert.equal(readLastRun(configFile, 'story')?.id, '20260110-110000-bbbb');
    // Missing optional fields of an older run.json read as null.
    const older: Partial<RunInfo> = run({ id: '20260110-130000-ffff' });
    delete older.final_val_loss;
    write(runs, '20260110-130000-ffff', JSON.stringify(older));
    assert.deepEqual([readLastRun(configFile, 'story')?.id, readLastRun(configFile, 'story')?.final_val_loss], ['20260110-130000-ffff', null]);
    // Another config name has its own runs; a custom run folder (relative to the config) is read instead when set.
    assert.equal(readLastRun(configFile, 'other'), undefined);
    write(join(dir, 'out', 'story'), '20260101-000000-9999', JSON.stringify(run({ id: '20260101-000000-9999' })));
    assert.equal(readLastRun(configFile, 'story', 'out')?.id, '20260101-000000-9999');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
