import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { Rng } from '../../src/engine/rng';
import { DETERMINISTIC_FIELDS, type EvalMetrics, type StepMetrics } from '../../src/engine/train/metrics';
import { lockState, readMetrics, readRunInfo } from '../../src/node/runFolder';
import { startSession } from '../../src/node/session';
import { ensureBuilt, tempDir } from '../support/cli';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const STEPS = 120;
/** The first attempt at this step is non-finite (LOSSLAB_TEST_NONFINITE): the CLI stops there, the reference skips it. */
const NON_FINITE_STEP = 9;
const SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGINT'] as const;
const EXIT_CODES: Record<string, number> = { SIGTERM: 143, SIGINT: 130 };

const CONFIG = `name: kills
seed: 3
backend: cpu
model: { kind: gpt, d_model: 48, n_layers: 2, n_heads: 4, context: 32, dropout: 0.1 }
data: { train: story.txt, vocab: char }
schedule: { warmup_steps: 5, decay: cosine }
training: { steps: ${STEPS}, batch_size: 8, checkpoint_interval: 3, eval_interval: 10, eval_steps: 1 }
`;

function project(): { dir: string; config: string } {
  const dir = tempDir('losslab-kills-');
  writeFileSync(join(dir, 'story.txt'), 'the quick brown fox jumps over the lazy dog; a slow red hen naps by the barn. '.repeat(60));
  writeFileSync(join(dir, 'kills.lab.yaml'), CONFIG);
  return { dir, config: join(dir, 'kills.lab.yaml') };
}

const deterministicSteps = (steps: StepMetrics[]) => steps.map((s) => Object.fromEntries(DETERMINISTIC_FIELDS.map((f) => [f, s[f]])));
const stepNumbers = (run: string) => readMetrics(run).steps.map((s) => s.step);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const resumesRecorded = (run: string): number => (existsSync(join(run, 'run.json')) ? (JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).resumes?.length ?? 0) : -1);
const lockHolder = (run: string): number | null => {
  try {
    return JSON.parse(readFileSync(join(run, 'run.lock'), 'utf8')).pid;
  } catch {
    return null;
  }
};

/** The uninterrupted run: the same fault in this process, where the pause is resumed at once (the extension's Resume). */
async function reference(config: string, dir: string): Promise<{ steps: StepMetrics[]; evals: EvalMetrics[]; skipped: number[] }> {
  const skipped: number[] = [];
  process.env.LOSSLAB_TEST_NONFINITE = String(NON_FINITE_STEP);
  try {
    const session = await startSession({ configFile: config, outDir: join(dir, 'whole'), version: 'test' }, {
      onNonFinite: (report) => {
        skipped.push(report.step);
        session.run.resume();
      },
    });
    assert.equal(await session.done, 'finished');
  } finally {
    delete process.env.LOSSLAB_TEST_NONFINITE;
  }
  return { ...readMetrics(join(dir, 'whole')), skipped };
}

/**
 * Runs the CLI; once it holds the run's lock, has recorded its start and metrics.jsonl holds `atStep` steps, waits
 * `delayMs` and sends `signal`. Counting steps, not time, lands every signal mid-run however fast the machine is.
 */
async function trainAndSignal(args: string[], run: string, signal: NodeJS.Signals | null, atStep: number, delayMs: number, env: NodeJS.ProcessEnv = {}) {
  const resumesBefore = resumesRecorded(run);
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
  let sent = false;
  if (signal) {
    const started = Date.now();
    const ready = () => lockHolder(run) === child.pid && resumesRecorded(run) > resumesBefore && stepNumbers(run).length >= atStep;
    while (child.exitCode === null && Date.now() - started < 60_000 && !ready()) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, delayMs));
    if (child.exitCode === null) sent = child.kill(signal);
  }
  return { ...(await exited), sent, stderr };
}

it('SIGKILL, SIGTERM and SIGINT at seeded random moments, and a non-finite stop: resumed to the end, the metrics equal an uninterrupted run\'s', async (t) => {
  ensureBuilt();
  const { dir, config } = project();
  const whole = await reference(config, dir);
  assert.deepEqual(whole.skipped, [NON_FINITE_STEP], 'the reference skipped the injected step once');
  assert.deepEqual(whole.steps.map((s) => s.step), range(STEPS));

  const run = join(dir, 'run');
  // The non-finite stop: the CLI stops by itself, run.json and the CLI both say stopped, and the advice is a command.
  const first = await trainAndSignal(['train', config, '--out', run], run, null, 0, 0, { LOSSLAB_TEST_NONFINITE: String(NON_FINITE_STEP) });
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, new RegExp(`step ${NON_FINITE_STEP}: the loss is NaN; the update was skipped and the run stopped`));
  const stoppedInfo = readRunInfo(run);
  assert.equal(stoppedInfo.status, 'stopped');
  assert.equal(stoppedInfo.steps_completed, NON_FINITE_STEP - 1);
  assert.match(stoppedInfo.message ?? '', /the run stopped$/);
  assert.deepEqual(stepNumbers(run), range(NON_FINITE_STEP - 1));
  const advice = /^continue: losslab (.*)$/m.exec(first.stderr);
  assert.ok(advice, `the CLI says how to continue: ${first.stderr}`);
  assert.deepEqual(advice[1].split(' '), ['train', config, '--resume', run]);

  const rng = new Rng(20261207, 1);
  const counts: Record<string, { sent: number; landed: number }> = Object.fromEntries(SIGNALS.map((s) => [s, { sent: 0, landed: 0 }]));
  let finished = false;
  // Three of each signal, each at a seeded step 1–8 past where the resumed run starts and a seeded moment within it.
  for (let round = 0; round < 3 * SIGNALS.length && !finished; round++) {
    const signal = SIGNALS[round % SIGNALS.length];
    const result = await trainAndSignal(['train', config, '--resume', run, '--quiet'], run, signal, stepNumbers(run).length + 1 + rng.int(8), rng.int(30));
    const info = readRunInfo(run);
    const steps = stepNumbers(run);
    assert.deepEqual(steps, range(steps.length), `round ${round} (${signal}): every step once, in order`);
    if (result.code === 0) {
      finished = true;
      assert.equal(info.status, 'finished', `exit 0 but run.json reads ${info.status} (lock ${lockState(run)}): ${readFileSync(join(run, 'run.json'), 'utf8')}`);
      break;
    }
    counts[signal].sent++;
    if (signal === 'SIGKILL') {
      assert.equal(result.signal, 'SIGKILL');
      counts[signal].landed++;
      assert.equal(info.status, 'interrupted', `round ${round}: a killed run reads as interrupted`);
      assert.equal(info.steps_completed, steps.length);
      assert.equal(lockState(run), 'stale');
    } else {
      assert.equal(result.code, EXIT_CODES[signal], `round ${round} (${signal}): ${result.stderr}`);
      counts[signal].landed++;
      assert.equal(info.status, 'stopped', `round ${round} (${signal})`);
      assert.equal(info.steps_completed, steps.length, `round ${round} (${signal}): steps_completed equals the metric lines`);
      assert.equal(lockState(run), 'none', 'a clean stop releases the lock');
    }
  }
  if (!finished) {
    const last = await trainAndSignal(['train', config, '--resume', run, '--quiet'], run, null, 0, 0);
    assert.equal(last.code, 0, last.stderr);
  }
  t.diagnostic(`stops: 1 non-finite; ${SIGNALS.map((s) => `${s} ${counts[s].landed}`).join(', ')}`);
  const resumed = readMetrics(run);
  assert.deepEqual(resumed.steps.map((s) => s.step), range(STEPS), 'no step lost or duplicated');
  assert.deepEqual(deterministicSteps(resumed.steps), deterministicSteps(whole.steps));
  assert.deepEqual(resumed.evals, whole.evals);
  assert.equal(readRunInfo(run).status, 'finished');
  for (const signal of SIGNALS) assert.ok(counts[signal].landed >= 3, `at least three ${signal} landed mid-run (got ${counts[signal].landed})`);
});
