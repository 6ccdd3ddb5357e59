import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RunFolderError, claimNewRunFolder, lockState, markRunFailed, readGradNorms, readMetrics, readRunInfo, truncateRecords } from '../../src/node/runFolder';
import { RunLockedError, acquireRunLock } from '../../src/node/runFolder/lock';
import type { StoredRunInfo } from '../../src/node/runFolder';
import { ensureBuilt, runCli, tempDir } from '../support/cli';

/** A run.json as the writer leaves it while training. */
function runInfo(overrides: Partial<StoredRunInfo> = {}): StoredRunInfo {
  return {
    id: 'r1', name: 'tiny', config_file: '/x/tiny.lab.yaml', status: 'running',
    backend: { name: 'cpu-reference', description: 'TypeScript reference', reason: 'asked for' },
    versions: { losslab: '0.0.0', node: process.version }, started_at: '2026-01-01T00:00:00.000Z', finished_at: null,
    steps_completed: 0, total_steps: 10, parameters: 100, vocab_size: 20, final_loss: null, final_val_loss: null,
    tokens_per_sec: null, message: null, gpu_failure: null, ...overrides,
  };
}

const step = (n: number, loss = 3 - n / 10) => ({ step: n, loss, lr: 0.01, grad_norm: 1, grad_norm_clipped: 1, tokens: 64, tokens_per_sec: 1000, time_ms: 64 });

/** A run folder with run.json, `steps` metric lines (an eval after step 2) and their gradient norms. */
function runFolder(steps: number, info: Partial<StoredRunInfo> = {}): string {
  const folder = join(tempDir('losslab-run-folder-'), 'run');
  mkdirSync(folder);
  writeFileSync(join(folder, 'run.json'), JSON.stringify(runInfo(info)));
  const lines: object[] = [];
  for (let n = 1; n <= steps; n++) {
    lines.push(step(n));
    if (n === 2) lines.push({ step: 2, val_loss: 2.5 });
  }
  writeFileSync(join(folder, 'metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  writeFileSync(join(folder, 'grad_norms.jsonl'), Array.from({ length: steps }, (_, i) => `${JSON.stringify({ step: i + 1, norms: { w: i } })}\n`).join(''));
  return folder;
}

/** The pid of a process that has exited (and been reaped), so nothing runs under it. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

function writeLock(folder: string, owner: { pid: number; start: string | null; host?: string }): void {
  writeFileSync(join(folder, 'run.lock'), JSON.stringify({ host: hostname(), token: 'feedc0de', since: '2026-01-01T00:00:00.000Z', ...owner }));
}

/** This process's start time as run.lock records it (field 22 of /proc/self/stat). */
function ownStart(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

describe('run.lock', () => {
  it('refuses a second writer while the first holds the folder, naming its pid', () => {
    const folder = runFolder(0);
    const lock = acquireRunLock(folder);
    assert.equal(lockState(folder), 'live');
    assert.throws(() => acquireRunLock(folder), (error: unknown) => {
      assert.ok(error instanceof RunLockedError);
      assert.match(error.message, new RegExp(`is being written by process ${process.pid} \\(since `));
      assert.ok(error.message.startsWith(folder));
      return true;
    });
    lock.release();
    assert.equal(existsSync(join(folder, 'run.lock')), false);
    acquireRunLock(folder).release();
  });

  it('takes over a lock left by a process that has exited, and says whose it was', async () => {
    const folder = runFolder(0);
    const pid = await deadPid();
    writeLock(folder, { pid, start: '12345' });
    assert.equal(lockState(folder), 'stale');
    const notices: string[] = [];
    const lock = acquireRunLock(folder, (message) => notices.push(message));
    assert.equal(notices.length, 1);
    assert.match(notices[0], new RegExp(`took over the lock left by process ${pid} .*no longer running`));
    assert.equal(JSON.parse(readFileSync(join(folder, 'run.lock'), 'utf8')).pid, process.pid);
    lock.release();
  });

  it('counts a live pid whose process started at another time as a recycled pid: stale', () => {
    const folder = runFolder(0);
    writeLock(folder, { pid: process.pid, start: String(Number(ownStart()) + 1) });
    assert.equal(lockState(folder), 'stale');
    writeLock(folder, { pid: process.pid, start: ownStart() });
    assert.equal(lockState(folder), 'live');
    writeLock(folder, { pid: process.pid, start: '1' });
    const notices: string[] = [];
    acquireRunLock(folder, (message) => notices.push(message)).release();
    assert.match(notices[0], new RegExp(`process ${process.pid}`));
  });

  it('treats a lock held on another host as live, and an unreadable one as stale', () => {
    const folder = runFolder(0);
    writeLock(folder, { pid: 1, start: null, host: 'elsewhere.example' });
    assert.equal(lockState(folder), 'live');
    assert.throws(() => acquireRunLock(folder), /process \d+ on elsewhere\.example/);
    writeFileSync(join(folder, 'run.lock'), '\u0000garbage');
    assert.equal(lockState(folder), 'stale');
    const notices: string[] = [];
    acquireRunLock(folder, (message) => notices.push(message)).release();
    assert.match(notices[0], /replaced an unreadable run\.lock/);
  });

  it('reads a FIFO or /dev/zero planted as run.lock as unreadable without blocking, and refuses a folder there', () => {
    for (const plant of ['fifo', 'zero']) {
      const folder = runFolder(2);
      if (plant === 'fifo') execFileSync('mkfifo', [join(folder, 'run.lock')]);
      else symlinkSync('/dev/zero', join(folder, 'run.lock'));
      assert.equal(lockState(folder), 'stale', plant);
      assert.equal(readRunInfo(folder).status, 'interrupted', plant);
      const notices: string[] = [];
      acquireRunLock(folder, (message) => notices.push(message)).release();
      assert.match(notices[0], /replaced an unreadable run\.lock/, plant);
    }
    const folder = runFolder(0);
    mkdirSync(join(folder, 'run.lock'));
    assert.throws(() => acquireRunLock(folder), (error: unknown) => error instanceof RunFolderError && /run\.lock: is a folder, not a run lock/.test(error.message));
  });
});

describe('claimNewRunFolder', () => {
  it('refuses a folder that already holds a run.json or a metrics.jsonl, and leaves no lock behind', () => {
    for (const file of ['run.json', 'metrics.jsonl']) {
      const folder = join(tempDir(), 'run');
      mkdirSync(folder);
      writeFileSync(join(folder, file), '');
      assert.throws(() => claimNewRunFolder(folder), (error: unknown) => {
        assert.ok(error instanceof RunFolderError);
        assert.match(error.message, /already holds a run: continue it with --resume, or choose another folder/);
        return true;
      });
      assert.equal(existsSync(join(folder, 'run.lock')), false, file);
    }
  });

  it('creates a missing folder and holds it until released', () => {
    const folder = join(tempDir(), 'a', 'b');
    const lock = claimNewRunFolder(folder);
    assert.equal(lockState(folder), 'live');
    assert.throws(() => claimNewRunFolder(folder), RunLockedError);
    lock.release();
    assert.equal(lockState(folder), 'none');
  });
});

describe('readRunInfo liveness', () => {
  it('shows a running run with no lock as interrupted, with the progress its metrics hold', () => {
    const folder = runFolder(4);
    const info = readRunInfo(folder);
    assert.equal(info.status, 'interrupted');
    assert.equal(info.steps_completed, 4);
    assert.equal(info.final_loss, step(4).loss);
    assert.equal(info.final_val_loss, 2.5);
    assert.match(info.message ?? '', /ended without closing it/);
  });

  it('shows it as interrupted behind a stale lock, and as running behind a live one', async () => {
    const folder = runFolder(3);
    writeLock(folder, { pid: await deadPid(), start: null });
    assert.equal(readRunInfo(folder).status, 'interrupted');
    assert.equal(readRunInfo(folder).steps_completed, 3);
    writeLock(folder, { pid: process.pid, start: ownStart() });
    const live = readRunInfo(folder);
    assert.equal(live.status, 'running');
    assert.equal(live.steps_completed, 0, 'a live run reads as its writer last saved it');
  });

  it('leaves a run that ended as it is', () => {
    const folder = runFolder(2, { status: 'stopped', steps_completed: 2, final_loss: 1 });
    assert.deepEqual([readRunInfo(folder).status, readRunInfo(folder).final_loss], ['stopped', 1]);
  });
});

describe('markRunFailed and truncateRecords', () => {
  it('markRunFailed records the failure with the progress metrics hold, and releases this process\'s lock', () => {
    const folder = runFolder(5);
    writeLock(folder, { pid: process.pid, start: ownStart() });
    const failed = markRunFailed(folder, 'the worker thread crashed', runInfo());
    assert.equal(failed.info.status, 'failed');
    assert.equal(failed.info.steps_completed, 5);
    assert.equal(failed.info.final_loss, step(5).loss);
    assert.equal(failed.info.message, 'the worker thread crashed; the metrics of steps 1–5 are kept');
    assert.equal(failed.steps.length, 5);
    assert.equal(existsSync(join(folder, 'run.lock')), false);
    const stored = JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8'));
    assert.equal(stored.status, 'failed');
    assert.ok(stored.finished_at);
    assert.equal(readRunInfo(folder).status, 'failed');
  });

  it('markRunFailed falls back to what it knows when run.json is unreadable, and keeps another process\'s lock', () => {
    const folder = runFolder(2);
    writeFileSync(join(folder, 'run.json'), '[1,2,3]');
    writeLock(folder, { pid: 1, start: null, host: 'elsewhere.example' });
    const failed = markRunFailed(folder, 'lost', runInfo({ id: 'known' }));
    assert.equal(failed.info.id, 'known');
    assert.equal(failed.info.steps_completed, 2);
    assert.equal(existsSync(join(folder, 'run.lock')), true);
  });

  it('truncateRecords drops the steps after a checkpoint and a torn last line, keeping evaluations in order', () => {
    const folder = runFolder(5);
    writeFileSync(join(folder, 'metrics.jsonl'), `${readFileSync(join(folder, 'metrics.jsonl'), 'utf8')}{"step": 6, "lo`);
    truncateRecords(folder, 3);
    const metrics = readMetrics(folder);
    assert.deepEqual(metrics.steps.map((s) => s.step), [1, 2, 3]);
    assert.deepEqual(metrics.evals, [{ step: 2, val_loss: 2.5 }]);
    const text = readFileSync(join(folder, 'metrics.jsonl'), 'utf8');
    assert.ok(text.endsWith('\n') && text.indexOf('"val_loss"') > text.indexOf('"step":2'), text);
    assert.deepEqual(readGradNorms(folder).map((r) => r.step), [1, 2, 3]);
  });
});

const TEXT = 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(30);
const STEPS = 6;

function project(steps = STEPS): { dir: string; config: string } {
  const dir = tempDir('losslab-run-folder-cli-');
  writeFileSync(join(dir, 'story.txt'), TEXT);
  writeFileSync(join(dir, 'tiny.lab.yaml'), `name: tiny
seed: 11
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
optimizer: { lr: 0.01 }
schedule: { warmup_steps: 2, decay: cosine }
training: { steps: ${steps}, batch_size: 4, eval_interval: 3, eval_steps: 2 }
`);
  return { dir, config: join(dir, 'tiny.lab.yaml') };
}

const stepLines = (folder: string) => readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => !('val_loss' in r));

describe('losslab train and the run folder', () => {
  it('refuses --out into a folder that holds a run, pointing at --resume', async () => {
    const { dir, config } = project();
    const out = join(dir, 'run');
    assert.equal((await runCli(['train', config, '--out', out, '--quiet'])).code, 0);
    const second = await runCli(['train', config, '--out', out, '--quiet']);
    assert.equal(second.code, 2, second.stderr);
    assert.match(second.stderr, /already holds a run: continue it with --resume/);
    assert.deepEqual(stepLines(out).map((s) => s.step), [1, 2, 3, 4, 5, 6]);
    assert.equal(existsSync(join(out, 'run.lock')), false);
  });

  it('lets exactly one of two trainings started at once into the same folder', async () => {
    const { dir, config } = project();
    const out = join(dir, 'run');
    const results = await Promise.all([runCli(['train', config, '--out', out, '--quiet']), runCli(['train', config, '--out', out, '--quiet'])]);
    const codes = results.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 2], results.map((r) => r.stderr).join('\n'));
    const refused = results.find((r) => r.code === 2) as { stderr: string };
    assert.match(refused.stderr, /is being written by process \d+|already holds a run/);
    assert.deepEqual(stepLines(out).map((s) => s.step), [1, 2, 3, 4, 5, 6]);
    assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).steps_completed, STEPS);
  });

  it('shows a killed training as interrupted, with steps_completed equal to its metric lines', async () => {
    const { dir, config } = project(2000);
    const out = join(dir, 'run');
    ensureBuilt();
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli.js'), 'train', config, '--out', out, '--quiet'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (readMetrics(out).steps.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(readRunInfo(out).status, 'running');
    child.kill('SIGKILL');
    await exited;
    const info = readRunInfo(out);
    assert.equal(info.status, 'interrupted');
    const { steps } = readMetrics(out);
    assert.deepEqual(steps.map((s) => s.step), Array.from({ length: steps.length }, (_, i) => i + 1));
    assert.equal(info.steps_completed, steps.length);
    assert.equal(info.final_loss, steps.at(-1)?.loss);
    assert.equal(lockState(out), 'stale');
  });
});
