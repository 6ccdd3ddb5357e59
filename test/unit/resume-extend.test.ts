import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DETERMINISTIC_FIELDS, type StepMetrics } from '../../src/engine/train/metrics';
import { lockState, readMetrics, readRunInfo } from '../../src/node/runFolder';
import { ensureBuilt, runCli, tempDir } from '../support/cli';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

function project(decay: string, steps = 12): { dir: string; config: string } {
  const dir = tempDir('losslab-extend-');
  writeFileSync(join(dir, 'story.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(40));
  writeFileSync(join(dir, 'extend.lab.yaml'), `name: extend
seed: 5
backend: cpu
model: { kind: gpt, d_model: 32, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
schedule: { warmup_steps: 3, decay: ${decay}, min_lr: 0.0002 }
training: { steps: ${steps}, batch_size: 4, checkpoint_interval: 4, eval_interval: 0 }
`);
  return { dir, config: join(dir, 'extend.lab.yaml') };
}

const deterministic = (steps: StepMetrics[]) => steps.map((s) => Object.fromEntries(DETERMINISTIC_FIELDS.map((f) => [f, s[f]])));

describe('extending a finished run', () => {
  for (const decay of ['cosine', 'linear']) {
    it(`${decay}: the refusal prints a command that works; decay_steps stays from the run, and the lr stays at min_lr past it`, async () => {
      const { dir, config } = project(decay);
      const run = join(dir, 'run');
      assert.equal((await runCli(['train', config, '--out', run, '--quiet'])).code, 0);
      const refused = await runCli(['train', config, '--resume', run]);
      assert.equal(refused.code, 2);
      const advice = /e\.g\. losslab (.*)$/m.exec(refused.stderr);
      assert.ok(advice, refused.stderr);
      assert.deepEqual(advice[1].split(' '), ['train', config, '--resume', run, '--steps', '24']);

      const extended = await runCli(advice[1].split(' '));
      assert.equal(extended.code, 0, extended.stderr);
      assert.match(extended.stderr, new RegExp(`schedule: decay_steps stays at 12 from the run, so the ${decay} decay ends there and the lr stays at min_lr \\(0\\.0002\\) past step 12`));
      const steps = readMetrics(run).steps;
      assert.deepEqual(steps.map((s) => s.step), Array.from({ length: 24 }, (_, i) => i + 1));
      assert.ok(steps.slice(12).every((s) => s.lr === 0.0002), 'past step 12 the lr is min_lr');
      // Equal to one run of 24 steps that decays over the first 12.
      const whole = join(dir, 'whole');
      assert.equal((await runCli(['train', config, '--out', whole, '--steps', '24', '--set', 'schedule.decay_steps=12', '--quiet'])).code, 0);
      assert.deepEqual(deterministic(steps), deterministic(readMetrics(whole).steps));
    });
  }
});

describe('losslab train and a second stop signal', () => {
  // Steps run synchronously, so the second signal is handled at the next turn of the event loop: after the clean
  // stop when that is already under way, else at once. Either way the run is consistent and resumes.
  it('ends the process with 143; the run reads stopped or interrupted, steps_completed equal to the metric lines, and resumes', async () => {
    ensureBuilt();
    const { dir, config } = project('constant', 100_000);
    const run = join(dir, 'run');
    const child = spawn(process.execPath, [CLI, 'train', config, '--out', run], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    while (!(existsSync(join(run, 'metrics.jsonl')) && readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').length > 5)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGTERM');
    // A second signal sent before the first is handled would merge with it: wait for the first one's answer.
    while (!stderr.includes('SIGTERM: stopping')) await new Promise((r) => setTimeout(r, 1));
    child.kill('SIGTERM');
    assert.equal(await exited, 143, stderr);
    const info = readRunInfo(run);
    assert.equal(info.status, lockState(run) === 'stale' ? 'interrupted' : 'stopped');
    assert.equal(info.steps_completed, readMetrics(run).steps.length);
    const resumed = await runCli(['train', config, '--resume', run, '--steps', String(info.steps_completed + 8), '--quiet']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(readRunInfo(run).status, 'finished');
    assert.deepEqual(readMetrics(run).steps.map((s) => s.step), Array.from({ length: info.steps_completed + 8 }, (_, i) => i + 1));
  });
});
