import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { checkpointFiles, checkpointSteps, latestCheckpoint } from '../../src/node/runFolder';
import { ensureBuilt, runCli, tempDir } from '../support/cli';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const KILLS = 16;

/** 1.3 M parameters: a checkpoint is 16 MB (weights + Adam moments), so its write takes measurable time. */
const CONFIG = `name: kill
seed: 2
backend: cpu-reference
model: { kind: gpt, d_model: 192, n_layers: 3, n_heads: 4, context: 16 }
data: { train: story.txt, vocab: char }
schedule: { decay: constant }
training: { steps: 100000, batch_size: 1, checkpoint_interval: 1, eval_interval: 0 }
`;

/** Runs the CLI and SIGKILLs it as soon as `ready(pid, startedMs)` holds (checked as fast as the event loop allows). */
async function killWhen(args: string[], ready: (pid: number, startedMs: number) => boolean): Promise<void> {
  ensureBuilt();
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  while (child.exitCode === null && Date.now() - started < 60_000) {
    if (ready(child.pid as number, started)) break;
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(child.exitCode, null, `the CLI ended before it was killed: ${args.join(' ')}`);
  child.kill('SIGKILL');
  await exited;
}

it('SIGKILL during checkpoint writes, again and again: the newest complete checkpoint always loads and the run resumes', async (t) => {
  const dir = tempDir('losslab-kill-');
  writeFileSync(join(dir, 'story.txt'), 'all work and no play makes jack a dull boy. '.repeat(50));
  const config = join(dir, 'kill.lab.yaml');
  writeFileSync(config, CONFIG);
  const run = join(dir, 'run');
  const folder = join(run, 'checkpoints');
  await killWhen(['train', config, '--out', run, '--quiet'], () => existsSync(checkpointFiles(run, 1).weights));
  let previous = latestCheckpoint(run);
  assert.ok(previous, 'the first checkpoint is complete');
  const names = [...previous.weights.keys()];
  let duringWrite = 0;
  let betweenFiles = 0;
  for (let i = 0; i < KILLS; i++) {
    const from = previous.step;
    // Even rounds: kill while a file is being written (its temporary file exists); odd: after the state file, before the weights.
    const stateOnly = (started: number) => {
      const { weights, state } = checkpointFiles(run, from + 1);
      return existsSync(state) && !existsSync(weights) && statSync(state).mtimeMs >= started - 1000;
    };
    await killWhen(['train', config, '--resume', run, '--quiet'], (pid, started) =>
      i % 2 === 0 ? readdirSync(folder).some((n) => n.endsWith(`.${pid}.tmp`)) : stateOnly(started));
    const leftovers = readdirSync(folder);
    if (leftovers.some((n) => n.endsWith('.tmp'))) duringWrite++;
    const newest = checkpointSteps(run)[0];
    if (existsSync(checkpointFiles(run, newest + 1).state)) betweenFiles++;
    const skipped: string[] = [];
    const latest = latestCheckpoint(run, skipped);
    assert.ok(latest, `kill ${i + 1}: no loadable checkpoint; left ${leftovers.join(', ')}; skipped ${skipped.join('; ')}`);
    assert.ok(latest.step >= from, `kill ${i + 1}: the newest complete checkpoint went back from ${from} to ${latest.step}`);
    assert.deepEqual([...latest.weights.keys()], names);
    assert.equal(latest.state.optimizerStep, latest.step);
    assert.ok([...latest.weights.values()].every((w) => w.data.every(Number.isFinite)));
    // Keeps the disk use down: only the newest complete checkpoint (and whatever the kill left) stays.
    for (const step of checkpointSteps(run).filter((s) => s < latest.step)) {
      for (const file of Object.values(checkpointFiles(run, step))) rmSync(file, { force: true });
    }
    previous = latest;
  }
  t.diagnostic(`${KILLS} kills: ${duringWrite} left a half-written temporary file, ${betweenFiles} a state file without its weights file`);
  assert.ok(duringWrite >= KILLS / 4, `at least ${KILLS / 4} kills landed during a file write (got ${duringWrite})`);
  assert.ok(betweenFiles >= KILLS / 4, `at least ${KILLS / 4} kills landed between the two files (got ${betweenFiles})`);

  const finish = await runCli(['train', config, '--resume', run, '--steps', String(previous.step + 1), '--quiet']);
  assert.equal(finish.code, 0, finish.stderr);
  assert.deepEqual(readdirSync(folder).filter((n) => n.endsWith('.tmp')), [], 'the resume removed the temporary files');
  rmSync(dir, { recursive: true, force: true });
});
