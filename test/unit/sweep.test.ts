import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseYamlConfig } from '../../src/config/parseYaml';
import { LineIndex } from '../../src/config/sourceMap';
import { sweepSpecOf, type SweepSpec } from '../../src/config/sweep';
import { sweepTrials } from '../../src/config/sweepTrials';
import { resumableSweep } from '../../src/node/sweep';
import { readSweep, type SweepSummary } from '../../src/node/sweepFolder';
import { ensureBuilt, runCli, tempDir } from '../support/cli';

const TEXT = 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(30);
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

/** A tiny config with a sweep block, and its data, in a fresh folder. */
function project(sweep: string, training = 'steps: 6, batch_size: 4, eval_interval: 3, eval_steps: 2'): { dir: string; config: string } {
  const dir = tempDir('losslab-sweep-');
  writeFileSync(join(dir, 'story.txt'), TEXT);
  writeFileSync(join(dir, 'tiny.lab.yaml'), `name: tiny
seed: 11
backend: cpu
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
optimizer: { lr: 0.01 }
schedule: { warmup_steps: 2, decay: cosine }
training: { ${training} }
sweep:
${sweep}`);
  return { dir, config: join(dir, 'tiny.lab.yaml') };
}

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
/** metrics.jsonl without the fields that measure time: what two runs of the same config must share bit for bit. */
const deterministic = (file: string) => lines(file).map(({ tokens_per_sec: _rate, time_ms: _time, ...rest }) => rest);

/** The sweeps whose sweep.json has been written (the driver makes the folder first, then renames sweep.json into it). */
function sweepFolders(dir: string): string[] {
  const root = join(dir, '.losslab', 'sweeps', 'tiny');
  return existsSync(root) ? readdirSync(root).map((id) => join(root, id)).filter((folder) => existsSync(join(folder, 'sweep.json'))) : [];
}

function onlySweep(dir: string): SweepSummary & { folder: string } {
  const folders = sweepFolders(dir);
  assert.equal(folders.length, 1);
  return { ...readSweep(folders[0]), folder: folders[0] };
}

const runDir = (dir: string, runDirInSweep: string) => join(dir, runDirInSweep);

const INTERRUPTED_SWEEP = '  parameters:\n    optimizer.lr: [0.003, 0.01, 0.03]\n';
// Long enough that the second trial is still training when the signal lands, even on a loaded machine.
const INTERRUPTED_TRAINING = 'steps: 300, batch_size: 4, eval_interval: 100, eval_steps: 2';

/** The summary of the sweep trained without interruption, and a fresh project of the same sweep to interrupt. */
async function sweepToInterrupt(): Promise<{ whole: { dir: string }; reference: SweepSummary; dir: string; config: string }> {
  const whole = project(INTERRUPTED_SWEEP, INTERRUPTED_TRAINING);
  assert.equal((await runCli(['sweep', whole.config])).code, 0);
  const reference = onlySweep(whole.dir);
  ensureBuilt();
  return { whole, reference, ...project(INTERRUPTED_SWEEP, INTERRUPTED_TRAINING) };
}

/** The second trial's run folder, once it has trained a few steps (its run.lock names its process). */
async function secondTrialTraining(dir: string): Promise<string> {
  for (;;) {
    const second = sweepFolders(dir).length === 1 ? readSweep(sweepFolders(dir)[0]).trials[1] : null;
    const folder = second?.run_dir ? join(dir, second.run_dir) : '';
    const metrics = join(folder, 'metrics.jsonl');
    if (folder && existsSync(metrics) && existsSync(join(folder, 'run.lock')) && readFileSync(metrics, 'utf8').split('\n').length > 3) return folder;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether a process is still running (a zombie waiting for its reaper has exited). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

describe('losslab sweep', () => {
  it('trains each trial as an ordinary run whose metrics equal train --set with the same values, bit for bit', async () => {
    const { dir, config } = project('  parameters:\n    optimizer.lr: [0.003, 0.02]\n    schedule.warmup_steps: [0, 3]\n');
    const result = await runCli(['sweep', config, '--parallel', '2']);
    assert.equal(result.code, 0, result.stderr);
    const sweep = onlySweep(dir);
    assert.equal(sweep.status, 'finished');
    assert.deepEqual(sweep.trials.map((t) => [t.status, t.step]), Array(4).fill(['finished', 6]));
    // The table is the last lines of stdout, best first, and names the best.
    const out = result.stdout.trim().split('\n');
    assert.match(out[0], /^trial\s+optimizer\.lr\s+schedule\.warmup_steps\s+val_loss\s+status\s+steps\s+run$/);
    const tableMetrics = out.slice(1, 5).map((row) => Number(row.split(/\s+/)[3]));
    assert.deepEqual(tableMetrics, [...tableMetrics].sort((a, b) => a - b));
    const best = sweep.trials.reduce((a, b) => ((b.metric as number) < (a.metric as number) ? b : a));
    assert.equal(sweep.best?.run_dir, best.run_dir);
    assert.match(out[5], new RegExp(`^best: trial ${best.index + 1} \\(optimizer\\.lr=${best.values['optimizer.lr']}, schedule\\.warmup_steps=${best.values['schedule.warmup_steps']}\\): val_loss ${(best.metric as number).toFixed(4)}, run ${best.run_dir}$`));
    for (const trial of [sweep.trials[1], sweep.trials[2]]) {
      const folder = runDir(dir, trial.run_dir);
      const info = JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8')) as { sweep: unknown; status: string };
      assert.deepEqual(info.sweep, { id: sweep.sweep_id, trial: trial.index, values: trial.values });
      const out = join(dir, `alone-${trial.index}`);
      const alone = await runCli(['train', config, '--out', out, ...Object.entries(trial.values).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`])]);
      assert.equal(alone.code, 0, alone.stderr);
      assert.match(alone.stderr, /the config has a sweep block: this run trains the values written in the config; losslab sweep .* trains its 4 trials/);
      const swept = deterministic(join(folder, 'metrics.jsonl'));
      assert.equal(swept.length, 6 + 2);
      assert.deepEqual(swept, deterministic(join(out, 'metrics.jsonl')));
      assert.equal(trial.metric, swept.filter((r) => 'val_loss' in r).at(-1)?.val_loss);
    }
  });

  it('random: seeded draws from ranges (log and linear) become the trials\' configs; the seed defaults to the config\'s', async () => {
    const block = '  method: random\n  trials: 3\n  parameters:\n    optimizer.lr: { min: 0.001, max: 0.1, scale: log }\n    schedule.warmup_steps: { min: 0, max: 3 }\n';
    const { dir, config } = project(block, 'steps: 4, batch_size: 4, eval_interval: 2, eval_steps: 2');
    const result = await runCli(['sweep', config]);
    assert.equal(result.code, 0, result.stderr);
    const sweep = onlySweep(dir);
    assert.equal(sweep.seed, 11);
    assert.deepEqual(sweep.parameters, { 'optimizer.lr': { min: 0.001, max: 0.1, scale: 'log' }, 'schedule.warmup_steps': { min: 0, max: 3, scale: 'linear' } });
    const text = readFileSync(config, 'utf8');
    const expected = sweepTrials(sweepSpecOf(parseYamlConfig(text, new LineIndex(text)).value) as SweepSpec, 11);
    assert.deepEqual(sweep.trials.map((t) => t.values), expected);
    for (const trial of sweep.trials) {
      assert.equal(trial.status, 'finished');
      const resolved = JSON.parse(readFileSync(join(runDir(dir, trial.run_dir), 'config.json'), 'utf8')) as { optimizer: { lr: number }; schedule: { warmup_steps: number } };
      assert.deepEqual([resolved.optimizer.lr, resolved.schedule.warmup_steps], [trial.values['optimizer.lr'], trial.values['schedule.warmup_steps']]);
    }
    const other = project(block, 'steps: 4, batch_size: 4, eval_interval: 2, eval_steps: 2');
    assert.equal((await runCli(['sweep', other.config, '--seed', '12'])).code, 0);
    assert.notDeepEqual(onlySweep(other.dir).trials.map((t) => t.values), expected);
  });

  it('early stopping keeps the best half at at_step and prunes the rest there', async () => {
    const { dir, config } = project('  metric: loss\n  early_stop: { at_step: 4, keep: 0.5 }\n  parameters:\n    optimizer.lr: [0.0005, 0.002, 0.01, 0.05]\n', 'steps: 8, batch_size: 4, eval_interval: 0');
    const result = await runCli(['sweep', config]);
    assert.equal(result.code, 0, result.stderr);
    const sweep = onlySweep(dir);
    assert.deepEqual(sweep.early_stop, { at_step: 4, keep: 0.5, decided: true });
    const lossAt4 = (trial: SweepSummary['trials'][number]) => lines(join(runDir(dir, trial.run_dir), 'metrics.jsonl')).find((r) => r.step === 4)?.loss as number;
    const pruned = sweep.trials.filter((t) => t.status === 'pruned');
    const kept = sweep.trials.filter((t) => t.status === 'finished');
    assert.equal(pruned.length, 2);
    assert.equal(kept.length, 2);
    for (const t of pruned) {
      assert.equal(t.step, 4);
      assert.equal(t.metric, lossAt4(t));
      assert.equal(lines(join(runDir(dir, t.run_dir), 'metrics.jsonl')).length, 4);
    }
    for (const t of kept) assert.equal(t.step, 8);
    assert.ok(Math.max(...kept.map(lossAt4)) <= Math.min(...pruned.map(lossAt4)), 'the kept trials had the lower loss at step 4');
    // A kept trial stopped at step 4 and resumed from its checkpoint: its metrics equal an uninterrupted train --set.
    const survivor = kept[0];
    const out = join(dir, 'alone');
    const alone = await runCli(['train', config, '--out', out, '--set', `optimizer.lr=${survivor.values['optimizer.lr']}`]);
    assert.equal(alone.code, 0, alone.stderr);
    assert.deepEqual(deterministic(join(runDir(dir, survivor.run_dir), 'metrics.jsonl')), deterministic(join(out, 'metrics.jsonl')));
  });

  it('stops on SIGINT after the running trial\'s step and resumes to the results of an uninterrupted sweep', async () => {
    const { whole, reference, dir, config } = await sweepToInterrupt();
    const child = spawn(process.execPath, [CLI, 'sweep', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await secondTrialTraining(dir);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    const stopped = onlySweep(dir);
    assert.equal(stopped.status, 'stopped');
    assert.deepEqual(stopped.trials.map((t) => t.status), ['finished', 'stopped', 'pending']);
    assert.ok(stopped.trials[1].step > 0 && stopped.trials[1].step < 300, `stopped at step ${stopped.trials[1].step}`);
    assert.match(stderr, /continue: losslab sweep .* --resume /);

    const resumed = await runCli(['sweep', config, '--resume', 'latest']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const done = onlySweep(dir);
    assert.equal(done.status, 'finished');
    assert.equal(done.trials[1].run_dir, stopped.trials[1].run_dir, 'the stopped trial continued in its run folder');
    assert.deepEqual(done.trials.map((t) => [t.status, t.step, t.metric]), reference.trials.map((t) => [t.status, t.step, t.metric]));
    for (const [i, trial] of done.trials.entries()) {
      assert.deepEqual(deterministic(join(dir, trial.run_dir, 'metrics.jsonl')), deterministic(join(whole.dir, reference.trials[i].run_dir, 'metrics.jsonl')));
    }
    const again = await runCli(['sweep', config, '--resume', done.folder]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /the sweep has no trial left to train \(finished\)/);
  });

  it('a sweep killed outright (SIGKILL): its orphaned trial stops itself after its step, and --resume finishes as an uninterrupted sweep', async () => {
    const { whole, reference, dir, config } = await sweepToInterrupt();
    const driver = spawn(process.execPath, [CLI, 'sweep', config], { stdio: ['ignore', 'ignore', 'ignore'] });
    const driverExited = new Promise<NodeJS.Signals | null>((resolve) => driver.on('close', (_code, signal) => resolve(signal)));
    const trialFolder = await secondTrialTraining(dir);
    const trialPid = (JSON.parse(readFileSync(join(trialFolder, 'run.lock'), 'utf8')) as { pid: number }).pid;
    const folder = sweepFolders(dir)[0];
    assert.equal(resumableSweep(folder), null, 'a sweep whose driver is alive is not resumable');
    driver.kill('SIGKILL');
    assert.equal(await driverExited, 'SIGKILL');
    const deadline = Date.now() + 120_000;
    while (processRuns(trialPid)) {
      assert.ok(Date.now() < deadline, `the orphaned trial (process ${trialPid}) still trains`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const info = JSON.parse(readFileSync(join(trialFolder, 'run.json'), 'utf8')) as { status: string; steps_completed: number; message: string | null };
    assert.equal(info.status, 'stopped', info.message ?? '');
    assert.ok(info.steps_completed > 0 && info.steps_completed < 300, `stopped at step ${info.steps_completed}`);
    assert.equal(onlySweep(dir).trials[1].status, 'running', 'the killed sweep could not record the stop');
    const interrupted = resumableSweep(folder);
    assert.deepEqual(interrupted && { done: interrupted.done, interrupted: interrupted.interrupted, configFile: interrupted.configFile }, { done: 1, interrupted: true, configFile: config });

    const resumed = await runCli(['sweep', config, '--resume', 'latest']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const done = onlySweep(dir);
    assert.equal(done.status, 'finished');
    assert.equal(join(dir, done.trials[1].run_dir), trialFolder, 'the stopped trial continued in its run folder');
    assert.deepEqual(done.trials.map((t) => [t.status, t.step, t.metric]), reference.trials.map((t) => [t.status, t.step, t.metric]));
    for (const [i, trial] of done.trials.entries()) {
      assert.deepEqual(deterministic(join(dir, trial.run_dir, 'metrics.jsonl')), deterministic(join(whole.dir, reference.trials[i].run_dir, 'metrics.jsonl')));
    }
  });

  it('refuses bad sweeps before anything trains, each problem located or the trial named', async () => {
    const unknown = project('  parameters:\n    optimizer.lrr: [0.01]\n    schedule.warmup_steps: []\n');
    const refused = await runCli(['sweep', unknown.config]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /tiny\.lab\.yaml:11:5: error: sweep\.parameters\.optimizer\.lrr: unknown config key optimizer\.lrr; did you mean "optimizer\.lr"\?/);
    assert.match(refused.stderr, /tiny\.lab\.yaml:12:28: error: sweep\.parameters\.schedule\.warmup_steps: empty list: give schedule\.warmup_steps at least one value to try\./);

    const outOfRange = project('  parameters:\n    optimizer.lr: [0.01, 20]\n');
    assert.match((await runCli(['sweep', outOfRange.config])).stderr, /tiny\.lab\.yaml:11:26: error: sweep\.parameters\.optimizer\.lr\.1: must be a number > 0 and ≤ 10, got 20\./);

    const badTrial = project('  parameters:\n    optimizer.lr: [0.01, 0.02]\n    model.n_heads: [2, 3]\n');
    const named = await runCli(['sweep', badTrial.config]);
    assert.equal(named.code, 2);
    assert.match(named.stderr, /^trial 2 \(optimizer\.lr=0\.01, model\.n_heads=3\) is not a valid config:\n {2}.*tiny\.lab\.yaml:\d+:\d+: error: model\.n_heads: d_model \(16\) must be divisible by n_heads \(3\).*\(set by the override model\.n_heads=3\)/m);
    assert.match(named.stderr, /^trial 4 \(optimizer\.lr=0\.02, model\.n_heads=3\) is not a valid config/m);
    assert.doesNotMatch(named.stderr, /^trial [13] /m);
    for (const { dir } of [unknown, outOfRange, badTrial]) assert.equal(existsSync(join(dir, '.losslab')), false, 'nothing was written');

    // Parallel trials must fit in memory together: with room for two, three at once are refused, saying two fit.
    const wide = project('  parallel: 3\n  parameters:\n    optimizer.lr: [0.001, 0.002, 0.003]\n');
    const estimate = /estimated peak memory: ([\d.]+) MiB/.exec((await runCli(['validate', wide.config])).stdout);
    assert.ok(estimate, 'validate prints the estimate');
    const room = `${Math.floor(Number(estimate[1]) * 2.5)}M`;
    const tooMany = await runCli(['sweep', wide.config, '--max-memory', room]);
    assert.equal(tooMany.code, 2);
    assert.match(tooMany.stderr, /tiny\.lab\.yaml:10:3: error: sweep\.parallel: 3 trials training at once would need about .* together .*, more than the .* allowed \(--max-memory .*\); parallel 2 fits\. Nothing was trained\./);
    assert.match((await runCli(['sweep', wide.config, '--parallel', '3', '--max-memory', room])).stderr, /^--parallel 3: 3 trials training at once/m);
    assert.equal(existsSync(join(wide.dir, '.losslab', 'sweeps')), false);
  });
});
