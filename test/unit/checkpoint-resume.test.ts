import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DETERMINISTIC_FIELDS } from '../../src/engine/train/metrics';
import { ensureBuilt, runCli, tempDir } from '../support/cli';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const TEXT = 'the quick brown fox jumps over the lazy dog; a slow red hen naps by the barn. '.repeat(60);

/** A config whose steps take long enough (~0.1 s) to interrupt one mid-run. */
function project(schedule = '{ warmup_steps: 3, decay: cosine }'): { dir: string; config: string } {
  const dir = tempDir('losslab-resume-');
  writeFileSync(join(dir, 'story.txt'), TEXT);
  writeFileSync(join(dir, 'resume.lab.yaml'), `name: resume
seed: 7
backend: cpu-reference
model: { kind: gpt, d_model: 64, n_layers: 2, n_heads: 4, context: 32, dropout: 0.1 }
data: { train: story.txt, vocab: char }
optimizer: { lr: 0.003 }
schedule: ${schedule}
training: { steps: 12, batch_size: 8, checkpoint_interval: 4, eval_interval: 4, eval_steps: 2 }
`);
  return { dir, config: join(dir, 'resume.lab.yaml') };
}

type Line = Record<string, number>;
const records = (run: string): Line[] => readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Line);
/** What must equal an uninterrupted run's: every step's deterministic fields and every evaluation, in order. */
const deterministic = (run: string) => records(run).map((r) => ('val_loss' in r ? { step: r.step, val_loss: r.val_loss } : Object.fromEntries(DETERMINISTIC_FIELDS.map((f) => [f, r[f]]))));
const stepCount = (run: string) => (existsSync(join(run, 'metrics.jsonl')) ? records(run).filter((r) => !('val_loss' in r)).length : 0);
const runInfo = (run: string) => JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));

/** Starts `losslab train` and sends `signal` once metrics.jsonl holds `afterSteps` steps; resolves with the exit. */
async function interrupt(args: string[], run: string, afterSteps: number, signal: NodeJS.Signals): Promise<{ code: number | null; stepsAtSignal: number }> {
  ensureBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stepsAtSignal = 0;
  for (let waited = 0; waited < 60_000 && child.exitCode === null; waited += 2) {
    stepsAtSignal = stepCount(run);
    if (stepsAtSignal >= afterSteps) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill(signal);
  return { code: await exited, stepsAtSignal };
}

describe('losslab train --resume', () => {
  it('after SIGKILL, continues from the newest checkpoint; metrics equal the uninterrupted run, none duplicated', async () => {
    const { dir, config } = project();
    assert.equal((await runCli(['train', config, '--out', join(dir, 'whole'), '--quiet'])).code, 0);
    const run = join(dir, 'run');
    const killed = await interrupt(['train', config, '--out', run, '--quiet'], run, 6, 'SIGKILL');
    assert.equal(killed.code, null, 'killed by the signal');
    const stepsBefore = stepCount(run);
    assert.ok(stepsBefore >= 6 && stepsBefore < 12, `killed mid-run (after ${stepsBefore} steps)`);
    assert.equal(runInfo(run).status, 'running', 'run.json of a crashed run still says running');
    const resumed = await runCli(['train', config, '--resume', run]);
    assert.equal(resumed.code, 0, resumed.stderr);
    // The newest complete checkpoint: step 4, or step 8 when the kill came after its write.
    const from = runInfo(run).resumes[0].from_step;
    assert.ok(from === Math.floor(stepsBefore / 4) * 4 || from === 4, `resumed from step ${from} after ${stepsBefore} steps`);
    assert.match(resumed.stderr, new RegExp(`resuming from the checkpoint of step ${from}`));
    assert.deepEqual(deterministic(run), deterministic(join(dir, 'whole')));
    assert.deepEqual(records(run).filter((r) => !('val_loss' in r)).map((r) => r.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual(records(run).filter((r) => 'val_loss' in r).map((r) => r.step), [4, 8, 12]);
    const norms = readFileSync(join(run, 'grad_norms.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    assert.deepEqual(norms, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const info = runInfo(run);
    assert.equal(info.status, 'finished');
    assert.equal(info.steps_completed, 12);
    assert.equal(info.resumes.length, 1);
    assert.equal(info.resumes[0].backend, 'cpu-reference');
    assert.deepEqual(readdirSync(join(run, 'checkpoints')).filter((n) => !n.startsWith('step-') && n !== 'final.safetensors'), [], 'no leftovers');
  });

  it('after Ctrl-C, continues from the checkpoint written at the stop; the same folder, resumes recorded', async () => {
    const { dir, config } = project();
    assert.equal((await runCli(['train', config, '--out', join(dir, 'whole'), '--quiet'])).code, 0);
    const run = join(dir, 'run');
    const stopped = await interrupt(['train', config, '--out', run, '--quiet'], run, 5, 'SIGINT');
    assert.equal(stopped.code, 130);
    const info = runInfo(run);
    assert.equal(info.status, 'stopped');
    assert.ok(info.steps_completed >= 5 && info.steps_completed < 12, `stopped mid-run at ${info.steps_completed}`);
    const stopStep = String(info.steps_completed).padStart(6, '0');
    assert.ok(existsSync(join(run, 'checkpoints', `step-${stopStep}.state.safetensors`)), 'the stop wrote a checkpoint');
    const resumed = await runCli(['train', config, '--resume', run, '--quiet', '--metrics', join(dir, 'tail.jsonl')]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(deterministic(run), deterministic(join(dir, 'whole')));
    const tail = readFileSync(join(dir, 'tail.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(tail[0].step, info.steps_completed + 1, '--metrics gets this session\'s lines');
    assert.equal(runInfo(run).resumes[0].from_step, info.steps_completed);
    assert.equal(runInfo(run).id, info.id);
  });

  it('extends a finished run with --steps when the schedule does not depend on the step count', async () => {
    const { dir, config } = project('{ warmup_steps: 3, decay: constant }');
    assert.equal((await runCli(['train', config, '--out', join(dir, 'long'), '--steps', '16', '--quiet'])).code, 0);
    const run = join(dir, 'run');
    assert.equal((await runCli(['train', config, '--out', run, '--quiet'])).code, 0);
    const again = await runCli(['train', config, '--resume', run, '--quiet']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already trained 12 of 12 steps; raise training\.steps/);
    assert.equal((await runCli(['train', config, '--resume', run, '--steps', '16', '--quiet'])).code, 0);
    assert.deepEqual(deterministic(run), deterministic(join(dir, 'long')));
  });

  it('refuses a changed config or dataset, a folder without checkpoints, and options of a new run', async () => {
    const { dir, config } = project();
    const run = join(dir, 'run');
    assert.equal((await runCli(['train', config, '--out', run, '--steps', '12', '--quiet'])).code, 0);
    const lr = await runCli(['train', config, '--resume', run, '--set', 'optimizer.lr=0.01', '--steps', '20']);
    assert.equal(lr.code, 2);
    assert.match(lr.stderr, /cannot resume: the config changed since the checkpoint \(.*optimizer\.lr: 0\.003 then, 0\.01 now/);
    writeFileSync(join(dir, 'story.txt'), `${TEXT}more`);
    const data = await runCli(['train', config, '--resume', run, '--steps', '20']);
    assert.equal(data.code, 2);
    assert.match(data.stderr, /the dataset files changed since the checkpoint/);
    const mixed = await runCli(['train', config, '--resume', run, '--out', join(dir, 'x'), '--init-from', 'w.safetensors']);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /cannot be combined with --out, --init-from/);
    const empty = await runCli(['train', config, '--resume', dir]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /not a run folder to resume/);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runInfo(run) }));
    const none = await runCli(['train', config, '--resume', dir]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no complete checkpoint to resume from/);
  });
});
