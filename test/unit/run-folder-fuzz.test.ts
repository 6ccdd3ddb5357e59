import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/node/configFile';
import { RunFolderError, loadRun, loadRunHistory, readGradNorms, readMetrics, readRunInfo, readRunRecord } from '../../src/node/runFolder';
import { ensureBuilt, runCli, tempDir, type CliResult } from '../support/cli';
import { seededRandom } from '../support/seededRandom';

/**
 * A seeded fuzz over run folders: one real run, copied and damaged in every way a crash, a careless edit or a hostile
 * hand can, then read by every reader in process and by a seeded sample of the CLI commands that read run folders.
 * A reader answers with the records or a RunFolderError / UserError naming the file (and line) and what is wrong.
 */

const SEED = 0x0f01de5;
const CLI_SAMPLE = 24;
const CASE_TIMEOUT_MS = 30_000;
const MAX_RSS_BYTES = 600 * 1024 ** 2;
const XSS = '<img src=x onerror=alert(1)>';

const dir = tempDir('losslab-run-folder-fuzz-');
const BASE = join(dir, 'base');
const CONFIG = join(dir, 'tiny.lab.yaml');
after(() => rmSync(dir, { recursive: true, force: true }));

const random = seededRandom(SEED);
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

before(async () => {
  writeFileSync(join(dir, 'story.txt'), 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(30));
  writeFileSync(CONFIG, `name: tiny
seed: 5
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
optimizer: { lr: 0.01 }
schedule: { warmup_steps: 1, decay: cosine }
training: { steps: 4, batch_size: 4, eval_interval: 2, eval_steps: 1, checkpoint_interval: 2 }
`);
  const trained = await runCli(['train', CONFIG, '--out', BASE, '--quiet']);
  assert.equal(trained.code, 0, trained.stderr);
  writeFileSync(join(dir, 'preload.cjs'), `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOSSLAB_FUZZ_RSS, String(process.resourceUsage().maxRSS * 1024)));\n`);
});

type Expect = 'ok' | 'error' | 'either';
interface Mutant {
  kind: string;
  label: string;
  /** The damaged file, relative to the run folder. */
  file: string;
  expect: Expect;
  /** The line a records reader must name. */
  line?: number;
  /** Whether a report of the mutant must show an injected tag escaped. */
  xss?: boolean;
  apply(folder: string): void;
}

const mutants: Mutant[] = [];
const add = (kind: string, label: string, file: string, expect: Expect, apply: (folder: string) => void, extra: Partial<Mutant> = {}) =>
  mutants.push({ kind, label, file, expect, apply, ...extra });

const text = (folder: string, file: string) => readFileSync(join(folder, file), 'utf8');
const jsonLines = (folder: string, file: string) => text(folder, file).trim().split('\n');
const writeLines = (folder: string, file: string, lines: string[]) => writeFileSync(join(folder, file), lines.map((l) => `${l}\n`).join(''));

/** What each run.json field accepts, as the checked reader's schema says; anything else must be refused. */
const FIELD_RULES: Record<string, (value: unknown) => boolean> = {};
const isText = (max: number) => (v: unknown) => typeof v === 'string' && v.length <= max;
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
for (const field of ['config_file', 'started_at']) FIELD_RULES[field] = isText(field === 'started_at' ? 64 : 4096);
for (const field of ['id', 'name']) FIELD_RULES[field] = isText(200);
for (const field of ['steps_completed', 'total_steps', 'parameters', 'vocab_size']) FIELD_RULES[field] = isCount;
for (const field of ['final_loss', 'final_val_loss', 'tokens_per_sec']) FIELD_RULES[field] = (v) => v === null || typeof v === 'number';
FIELD_RULES.finished_at = (v) => v === null || isText(64)(v);
FIELD_RULES.message = (v) => v === null || isText(4096)(v);
FIELD_RULES['backend.description'] = isText(4096);
FIELD_RULES['backend.name'] = isText(64);
FIELD_RULES['versions.node'] = isText(64);
FIELD_RULES['backend.adapter'] = (v) => v === null;
FIELD_RULES.gpu_failure = (v) => v === null;
for (const field of ['status', 'backend', 'versions', 'resumes']) FIELD_RULES[field] = () => false;
// Older run.json files lack the end-of-run fields; a reader takes them as null.
const OPTIONAL = new Set(['backend.adapter', 'gpu_failure', 'resumes', 'finished_at', 'final_loss', 'final_val_loss', 'tokens_per_sec', 'message']);
const VALUES: Record<string, unknown> = {
  'a number': 3, 'a negative number': -1, 'a fraction': 1.5, 'a string': 'x', 'a boolean': true, null: null, 'an array': [1],
  'nested junk': { junk: { a: [1, { b: null }], c: '\u0000' } }, 'a 100 000-character string': 'y'.repeat(100_000), 'an HTML payload': XSS,
};

function setField(folder: string, path: string, value: unknown, remove: boolean): void {
  const info = JSON.parse(text(folder, 'run.json'));
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce((at, key) => at[key], info);
  if (remove) delete parent[keys.at(-1) as string];
  else parent[keys.at(-1) as string] = value;
  writeFileSync(join(folder, 'run.json'), JSON.stringify(info));
}

for (const field of Object.keys(FIELD_RULES)) {
  for (const [name, value] of Object.entries(VALUES)) {
    const xss = value === XSS && FIELD_RULES[field](value);
    add('run.json field', `run.json ${field} is ${name}`, 'run.json', FIELD_RULES[field](value) ? 'ok' : 'error', (f) => setField(f, field, value, false), { xss });
  }
  add('run.json field', `run.json ${field} deleted`, 'run.json', OPTIONAL.has(field) ? 'ok' : 'error', (f) => setField(f, field, null, true));
}

const INFO_WHOLE: Record<string, (folder: string) => string | Buffer> = {
  '[1,2,3]': () => '[1,2,3]', null: () => 'null', 'a string': () => '"run"', empty: () => '', 'binary bytes': () => randomBytes(700),
  '5 MB of JSON': (f) => JSON.stringify({ ...JSON.parse(text(f, 'run.json')), padding: 'z'.repeat(5 * 1024 ** 2) }),
  'nested 100 000 deep': () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'a byte-order mark first': (f) => `\ufeff${text(f, 'run.json')}`,
};
for (const [name, content] of Object.entries(INFO_WHOLE)) add('run.json whole', `run.json is ${name}`, 'run.json', 'error', (f) => writeFileSync(join(f, 'run.json'), content(f)));
for (let i = 0; i < 6; i++) {
  const at = Math.floor(random() * 700);
  add('run.json whole', `run.json truncated at byte ${at}`, 'run.json', 'error', (f) => writeFileSync(join(f, 'run.json'), readFileSync(join(f, 'run.json')).subarray(0, at)));
}

// metrics.jsonl holds six lines: steps 1 and 2, the evaluation at 2, steps 3 and 4, the evaluation at 4.
const replaceLine = (file: string, line: number, content: (old: string) => string | null) => (f: string) => {
  const lines = jsonLines(f, file);
  const replaced = content(lines[line - 1]);
  writeLines(f, file, replaced === null ? lines.filter((_, i) => i !== line - 1) : lines.map((l, i) => (i === line - 1 ? replaced : l)));
};
const setKey = (key: string, value: unknown) => (old: string) => JSON.stringify({ ...JSON.parse(old), [key]: value });
for (const [file, kind] of [['metrics.jsonl', 'metrics.jsonl'], ['grad_norms.jsonl', 'grad_norms.jsonl']] as const) {
  const line = 2 + Math.floor(random() * 2);
  add(kind, `${file} line ${line} deleted`, file, 'ok', replaceLine(file, line, () => null));
  add(kind, `${file} line ${line} duplicated`, file, 'ok', replaceLine(file, line, (old) => `${old}\n${old}`));
  add(kind, `${file} line ${line} cut mid-line`, file, 'error', replaceLine(file, line, (old) => old.slice(0, 25)), { line });
  add(kind, `${file} line ${line} is null`, file, 'error', replaceLine(file, line, () => 'null'), { line });
  add(kind, `${file} line ${line} is an array`, file, 'error', replaceLine(file, line, () => '[1,2]'), { line });
  add(kind, `${file} line ${line} is binary junk`, file, 'error', replaceLine(file, line, () => randomBytes(80).toString('latin1').replace(/[\n\r]/g, '')), { line });
  add(kind, `${file} line ${line} has extra keys`, file, 'ok', replaceLine(file, line, setKey('extra', { deep: [XSS] })));
  add(kind, `${file} line ${line} is 9 MB`, file, 'error', replaceLine(file, line, (old) => `${old.slice(0, -1)},"pad":"${'p'.repeat(9 * 1024 ** 2)}"}`), { line });
  add(kind, `${file} last line torn`, file, 'ok', (f) => writeFileSync(join(f, file), `${text(f, file)}{"step":5,"lo`));
  add(kind, `${file} last line torn after junk-free lines only`, file, 'ok', (f) => writeFileSync(join(f, file), text(f, file).slice(0, -7)));
  add(kind, `${file} empty`, file, 'ok', (f) => writeFileSync(join(f, file), ''));
  add(kind, `${file} with CRLF line ends`, file, 'either', (f) => writeFileSync(join(f, file), text(f, file).replace(/\n/g, '\r\n')));
  add(kind, `${file} binary bytes ending in a newline`, file, 'error', (f) => writeFileSync(join(f, file), Buffer.concat([randomBytes(2000).map((b) => (b === 10 ? 32 : b)), Buffer.from('\n')])), { line: 1 });
  add(kind, `${file} step 0`, file, 'error', replaceLine(file, 1, setKey('step', 0)), { line: 1 });
}
for (const [key, value] of [['loss', 'x'], ['loss', null], ['tokens', -1], ['step', 1.5], ['lr', [1]], ['time_ms', { a: 1 }], ['grad_norm', true]] as const) {
  add('metrics.jsonl', `metrics.jsonl step ${key} is ${JSON.stringify(value)}`, 'metrics.jsonl', 'error', replaceLine('metrics.jsonl', 4, setKey(key, value)), { line: 4 });
}
add('metrics.jsonl', 'metrics.jsonl val_loss is a string', 'metrics.jsonl', 'error', replaceLine('metrics.jsonl', 3, setKey('val_loss', 'low')), { line: 3 });
add('metrics.jsonl', 'metrics.jsonl step key deleted', 'metrics.jsonl', 'error', replaceLine('metrics.jsonl', 5, (old) => JSON.stringify({ ...JSON.parse(old), step: undefined })), { line: 5 });
add('grad_norms.jsonl', 'grad_norms.jsonl a norm is a string', 'grad_norms.jsonl', 'error', replaceLine('grad_norms.jsonl', 2, (old) => old.replace(/:(\d[^,}]*)/g, ':"$1"')), { line: 2 });
add('grad_norms.jsonl', 'grad_norms.jsonl norms is an array', 'grad_norms.jsonl', 'error', replaceLine('grad_norms.jsonl', 3, setKey('norms', [1])), { line: 3 });
add('grad_norms.jsonl', 'grad_norms.jsonl a parameter named with HTML', 'grad_norms.jsonl', 'ok', replaceLine('grad_norms.jsonl', 1, setKey('norms', { [XSS]: 1 })), { xss: true });

const setConfig = (change: (config: Record<string, unknown>) => unknown) => (f: string) =>
  writeFileSync(join(f, 'config.json'), JSON.stringify(change(JSON.parse(text(f, 'config.json')))));
add('config.json', 'config.json is [1]', 'config.json', 'error', setConfig(() => [1]));
add('config.json', 'config.json is {}', 'config.json', 'error', setConfig(() => ({})));
add('config.json', 'config.json lacks model', 'config.json', 'error', setConfig(({ model: _m, ...rest }) => rest));
add('config.json', 'config.json name is a number', 'config.json', 'error', setConfig((c) => ({ ...c, name: 7 })));
add('config.json', 'config.json name is HTML', 'config.json', 'ok', setConfig((c) => ({ ...c, name: XSS })), { xss: true });
for (const [section, key, value] of [['model', 'd_model', 'x'], ['model', 'd_model', -16], ['model', 'kind', 'rnn'], ['model', 'n_heads', 0], ['data', 'vocab', null], ['training', 'steps', 'x']] as const) {
  add('config.json', `config.json ${section}.${key} is ${JSON.stringify(value)}`, 'config.json', 'either', setConfig((c) => ({ ...c, [section]: { ...(c[section] as object), [key]: value } })));
}
add('config.json', 'config.json binary bytes', 'config.json', 'error', (f) => writeFileSync(join(f, 'config.json'), randomBytes(500)));
add('config.json', 'config.json truncated', 'config.json', 'error', (f) => writeFileSync(join(f, 'config.json'), text(f, 'config.json').slice(0, 300)));

const damage = (file: string, how: (bytes: Buffer) => Buffer) => (f: string) => writeFileSync(join(f, file), how(readFileSync(join(f, file))));
for (const file of ['checkpoints/final.safetensors', 'checkpoints/step-000004.safetensors', 'checkpoints/step-000004.state.safetensors']) {
  const cut = Math.floor(random() * 4000);
  add('checkpoint', `${file} truncated at byte ${cut}`, file, 'ok', damage(file, (b) => b.subarray(0, cut)));
  add('checkpoint', `${file} one bit flipped in its tensors`, file, 'ok', damage(file, (b) => {
    const at = b.length - 1 - Math.floor(random() * 1000);
    b[at] ^= 1 << Math.floor(random() * 8);
    return b;
  }));
  add('checkpoint', `${file} one bit flipped in its header`, file, 'ok', damage(file, (b) => ((b[8 + Math.floor(random() * 60)] ^= 4), b)));
}

const SPECIAL: Record<string, (path: string) => void> = {
  'a folder': (p) => mkdirSync(p), 'a FIFO': (p) => execFileSync('mkfifo', [p]), 'a link to /dev/zero': (p) => symlinkSync('/dev/zero', p),
  'a dangling link': (p) => symlinkSync(`${p}.gone`, p), 'a link to a good copy': (p) => (cpSync(p.replace(/^.*?\/m\d+\/run\//, `${BASE}/`), `${p}.copy`), symlinkSync(`${p}.copy`, p)),
};
for (const file of ['run.json', 'metrics.jsonl', 'grad_norms.jsonl', 'config.json', 'vocab.json', 'checkpoints/final.safetensors']) {
  for (const [name, plant] of Object.entries(SPECIAL)) {
    // A missing metrics or gradient-norms file is a run that has not finished a step; a missing run.json is not a run.
    const expect: Expect = name === 'a link to a good copy' ? 'ok' : name === 'a dangling link' ? 'either' : 'error';
    add('special file', `${file} is ${name}`, file, expect, (f) => (rmSync(join(f, file)), plant(join(f, file))));
  }
}
const running = (f: string) => setField(f, 'status', 'running', false);
const LOCKS: Record<string, (path: string) => void> = {
  ...SPECIAL, 'binary junk': (p) => writeFileSync(p, randomBytes(300)),
  "a dead process's lock": (p) => writeFileSync(p, JSON.stringify({ pid: 2 ** 22 + 17, host: 'x', start: null, token: 't', since: 'then' })),
};
for (const [name, plant] of Object.entries(LOCKS)) {
  if (name === 'a link to a good copy') continue;
  add('run.lock', `a running run's run.lock is ${name}`, 'run.lock', 'ok', (f) => (running(f), plant(join(f, 'run.lock'))));
}

/** What each reader reads of a run folder (a running run's readers also read its metrics and lock). */
const READERS: Record<string, { files: string[]; read: (folder: string) => unknown }> = {
  readRunInfo: { files: ['run.json'], read: readRunInfo },
  loadRun: { files: ['run.json', 'metrics.jsonl'], read: loadRun },
  readRunRecord: { files: ['run.json', 'metrics.jsonl', 'config.json'], read: readRunRecord },
  readMetrics: { files: ['metrics.jsonl'], read: readMetrics },
  readGradNorms: { files: ['grad_norms.jsonl'], read: readGradNorms },
  loadRunHistory: {
    files: ['run.json', 'metrics.jsonl'],
    read: async (folder) => {
      const problems: RunFolderError[] = [];
      const runs = await loadRunHistory(join(folder, '..'), (problem) => problems.push(problem));
      if (problems.length > 0) throw problems[0];
      assert.equal(runs.length, 1);
    },
  },
};

/** The problems with one answer: an unexpected exception, a refusal that does not name the file, line or what is wrong. */
function judge(mutant: Mutant, folder: string, reader: string, error: unknown): string[] {
  const reads = READERS[reader].files.includes(mutant.file);
  const expect = reads ? mutant.expect : 'ok';
  const where = `${mutant.label} → ${reader}`;
  if (error === null) return expect === 'error' ? [`${where}: accepted it`] : [];
  if (!(error instanceof UserError)) return [`${where}: threw ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`];
  const found: string[] = [];
  if (expect === 'ok') found.push(`${where}: refused a readable run: ${error.message}`);
  const named = mutant.line === undefined ? basename(mutant.file) : `${basename(mutant.file)}:${mutant.line}`;
  if (!error.message.includes(folder) || !error.message.includes(named)) found.push(`${where}: the message does not name ${named}: ${error.message}`);
  const reason = error instanceof RunFolderError ? error.reason : error.message.slice(error.message.indexOf(': ') + 2);
  if (reason.trim().length < 10) found.push(`${where}: the message does not say what is wrong: ${error.message}`);
  return found;
}

/** A tally of outcomes by mutation kind, for the summary line. */
function tally(counts: Map<string, Record<string, number>>, kind: string, outcome: string): void {
  const row = counts.get(kind) ?? {};
  row[outcome] = (row[outcome] ?? 0) + 1;
  counts.set(kind, row);
}
const summary = (counts: Map<string, Record<string, number>>) => [...counts].map(([kind, row]) => `${kind} ${JSON.stringify(row)}`).join('; ');

const folderOf = (index: number) => join(dir, `m${index}`, 'run');

/** The built CLI, killed outright at the case timeout: a process blocked in a system call cannot hear SIGTERM. */
function runLosslab(args: string[], rssFile: string): Promise<CliResult> {
  ensureBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli.js'), ...args], {
      cwd: dir, timeout: CASE_TIMEOUT_MS, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: `--require ${join(dir, 'preload.cjs')}`, LOSSLAB_FUZZ_RSS: rssFile, LOSSLAB_DEBUG: '' },
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('run folder readers under damaged and hostile run folders', () => {
  it('answer every mutant with its records or a refusal naming the file, line and what is wrong', async (t) => {
    const counts = new Map<string, Record<string, number>>();
    const failures: string[] = [];
    for (const [index, mutant] of mutants.entries()) {
      const folder = folderOf(index);
      cpSync(BASE, folder, { recursive: true });
      mutant.apply(folder);
      for (const reader of Object.keys(READERS)) {
        let error: unknown = null;
        try {
          await READERS[reader].read(folder);
        } catch (caught) {
          error = caught;
        }
        const found = judge(mutant, folder, reader, error);
        failures.push(...found);
        tally(counts, mutant.kind, found.length > 0 ? 'wrong' : error === null ? 'read' : 'refused');
      }
    }
    const line = `${mutants.length} mutants × ${Object.keys(READERS).length} readers: ${summary(counts)}`;
    t.diagnostic(line);
    console.log(`run-folder fuzz, in process: ${line}`);
    assert.ok(mutants.length >= 250, `expected at least 250 mutants, got ${mutants.length}`);
    assert.deepEqual(failures, []);
  });

  it('a sample of CLI commands on the mutants: no internal error, no hang, bounded memory, escaped HTML', async (t) => {
    const commands: Record<string, (folder: string, out: string) => string[]> = {
      report: (f, out) => ['report', f, '--out', `${out}.html`],
      'export-metrics': (f, out) => ['export-metrics', f, '--out', `${out}.csv`],
      'export-onnx': (f, out) => ['export-onnx', f, '--out', `${out}.onnx`],
      generate: (f) => ['generate', f, '--prompt', 'a', '--max-tokens', '3'],
      'train --resume': (f) => ['train', CONFIG, '--resume', f, '--steps', '6', '--quiet'],
    };
    const names = Object.keys(commands);
    const cases: { index: number; command: string }[] = [];
    // Damaged checkpoints and resolved configs matter to the commands that load a model: each such mutant gets one.
    const modelCommands = ['export-onnx', 'train --resume', 'generate'];
    mutants.forEach((mutant, index) => {
      if (mutant.xss) cases.push({ index, command: 'report' });
      else if (/^(checkpoints|config\.json)/.test(mutant.file)) {
        // A resume writes config.json and checkpoints: a special file planted there must not make it wait.
        cases.push({ index, command: mutant.kind === 'special file' ? 'train --resume' : modelCommands[index % modelCommands.length] });
      }
    });
    for (let n = 0; n < CLI_SAMPLE; n++) cases.push({ index: Math.floor(random() * mutants.length), command: names[n % names.length] });
    // One command per mutant: train --resume rewrites the folder another command would be reading.
    const seen = new Set<number>();
    const unique = cases.filter(({ index }) => !seen.has(index) && seen.add(index));
    const counts = new Map<string, Record<string, number>>();
    const failures: string[] = [];
    let peak = 0;
    let next = 0;
    const worker = async () => {
      while (next < unique.length) {
        const { index, command } = unique[next++];
        const mutant = mutants[index];
        const out = join(dir, `out-${index}`);
        const rssFile = `${out}.rss`;
        const result = await runLosslab(commands[command](folderOf(index), out), rssFile);
        const where = `${mutant.label} → losslab ${command}`;
        const said = result.stderr.trim().split('\n').slice(-2).join(' | ');
        const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : 0;
        peak = Math.max(peak, rss);
        if (result.code === null) failures.push(`${where}: killed by ${result.signal} (a hang?)`);
        if (result.code === 70) failures.push(`${where}: internal error: ${said}`);
        if (rss > MAX_RSS_BYTES) failures.push(`${where}: peak memory ${(rss / 1024 ** 2).toFixed(0)} MiB`);
        if (result.code !== 0 && result.code !== null && !result.stderr.includes(basename(mutant.file))) failures.push(`${where}: the message does not name ${mutant.file}: ${said}`);
        if ((command === 'report' || command === 'export-metrics') && mutant.expect === 'ok' && result.code !== 0) failures.push(`${where}: refused a readable run: ${said}`);
        if (command === 'report' && result.code === 0 && readFileSync(`${out}.html`, 'utf8').includes('<img src=x')) failures.push(`${where}: the report holds the raw <img> payload`);
        tally(counts, command, result.code === 0 ? 'ok' : `exit ${result.code ?? result.signal}`);
      }
    };
    await Promise.all([worker(), worker()]);
    const line = `${unique.length} CLI cases: ${summary(counts)}; peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB`;
    t.diagnostic(line);
    console.log(`run-folder fuzz, CLI: ${line}`);
    assert.ok(unique.filter(({ command }) => command === 'report').length >= 10);
    assert.deepEqual(failures, []);
  });
});
