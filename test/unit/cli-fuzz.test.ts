import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir, type CliResult } from '../support/cli';
import { seededRandom } from '../support/seededRandom';

/**
 * Every command against hostile arguments and files, run as the built CLI: never an internal error (exit 70), never
 * a hang, memory bounded, and a refusal names the file or argument it is about.
 */

const SEED = 0x5eed_b0b;
const RANDOM_CASES_PER_COMMAND = 5;
const CASE_TIMEOUT_MS = 20_000;
const MAX_RSS_BYTES = 600 * 1024 ** 2;
const PARALLEL = 2;
const TEXT = 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(30);

const dir = tempDir('losslab-cli-fuzz-');
const server = createServer();
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const path = (name: string) => join(dir, name);

function config(name: string, train: string): string {
  const file = path(`${name}.lab.yaml`);
  writeFileSync(file, `name: ${name}
seed: 3
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: ${JSON.stringify(train)}, vocab: char }
optimizer: { lr: 0.01 }
schedule: { warmup_steps: 1, decay: cosine }
training: { steps: 2, batch_size: 4, eval_interval: 2, eval_steps: 1, checkpoint_interval: 1 }
`);
  return file;
}

/** Paths that are not the regular file a command wants, by what they are. */
const HOSTILE: Record<string, string> = {
  missing: path('nope'),
  folder: path('folder'),
  fifo: path('fifo'),
  device: '/dev/zero',
  socket: path('socket'),
  junk: path('junk.bin'),
  huge: path('huge.bin'),
  empty: path('empty.bin'),
  'link to a fifo': path('fifo-link'),
};
/** The hostile paths that stand in for a run's own files (the others behave like one of these there). */
const IN_RUN = ['folder', 'fifo', 'device', 'junk', 'huge', 'empty'];

const VALID = path('valid.lab.yaml');
const RUN = path('run');
const INIT = path('init.safetensors');

before(async () => {
  writeFileSync(path('story.txt'), TEXT);
  config('valid', 'story.txt');
  mkdirSync(HOSTILE.folder);
  execFileSync('mkfifo', [HOSTILE.fifo]);
  await new Promise<void>((resolve) => server.listen(HOSTILE.socket, resolve));
  const random = seededRandom(SEED);
  writeFileSync(HOSTILE.junk, Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256)));
  writeFileSync(HOSTILE.huge, '');
  truncateSync(HOSTILE.huge, 64 * 1024 ** 3);
  writeFileSync(HOSTILE.empty, '');
  symlinkSync(HOSTILE.fifo, HOSTILE['link to a fifo']);
  const trained = await runCli(['train', VALID, '--out', RUN, '--save-init', INIT, '--quiet']);
  assert.equal(trained.code, 0, trained.stderr);
  // Each hostile path also stands in for a run's final checkpoint, its model.onnx and its config.json.
  for (const what of IN_RUN) {
    const target = HOSTILE[what];
    for (const file of ['checkpoints/final.safetensors', 'model.onnx', 'config.json']) {
      const copy = join(dir, 'runs', slug(`${what} as ${file}`));
      cpSync(RUN, copy, { recursive: true });
      rmSync(join(copy, file), { force: true });
      symlinkSync(target, join(copy, file));
      // generate reads model.onnx only when it is newer than the checkpoint.
      if (file === 'model.onnx') utimesSync(join(copy, 'checkpoints', 'final.safetensors'), new Date(2000, 0), new Date(2000, 0));
    }
  }
  writeFileSync(join(dir, 'preload.cjs'), `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOSSLAB_FUZZ_RSS, String(process.resourceUsage().maxRSS * 1024)));\n`);
});

function slug(text: string): string {
  return text.replace(/[^a-z0-9]+/gi, '-');
}

interface FuzzCase {
  label: string;
  args: string[];
  /** Words of which at least one must appear in stderr when the command refuses. */
  names: string[];
  /** Whether exit 0 is an acceptable answer (a random case may well be a valid command). */
  mayPass?: boolean;
}

const COMMANDS = ['train', 'validate', 'schedule', 'export-onnx', 'generate', 'export-metrics', 'report', 'find-lr', 'export-torch'];

function fixedCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (label: string, args: string[], ...names: string[]) => cases.push({ label, args, names });
  for (const [what, target] of Object.entries(HOSTILE)) {
    const dataConfig = config(slug(`data ${what}`).toLowerCase(), target);
    add(`validate: config is ${what}`, ['validate', target], target);
    // validate checks a data file without reading it, so junk bytes pass there and fail in train.
    cases.push({ label: `validate: data.train is ${what}`, args: ['validate', dataConfig], names: ['data.train'], mayPass: what === 'junk' });
    add(`schedule: config is ${what}`, ['schedule', target], target);
    add(`train: config is ${what}`, ['train', target, '--quiet'], target);
    add(`train: data.train is ${what}`, ['train', dataConfig, '--quiet', '--out', path(slug(`out data ${what}`))], target);
    add(`train: --init-from ${what}`, ['train', VALID, '--quiet', '--out', path(slug(`out init ${what}`)), '--init-from', target], target);
    add(`train: --resume ${what}`, ['train', VALID, '--quiet', '--resume', target], target);
    add(`find-lr: config is ${what}`, ['find-lr', target], target);
    add(`find-lr: data.train is ${what}`, ['find-lr', dataConfig, '--steps', '2'], target);
    add(`export-torch: config is ${what}`, ['export-torch', target], target);
    add(`export-torch: data.train is ${what}`, ['export-torch', dataConfig, '--out', path(slug(`torch data ${what}`))], target);
    add(`export-torch: --init-from ${what}`, ['export-torch', VALID, '--out', path(slug(`torch init ${what}`)), '--init-from', target], target);
    add(`export-onnx: path is ${what}`, ['export-onnx', target], target);
    add(`generate: path is ${what}`, ['generate', target, '--prompt', 'a'], target);
    add(`export-metrics: run is ${what}`, ['export-metrics', target], target);
    add(`report: run is ${what}`, ['report', target], target);
    for (const file of IN_RUN.includes(what) ? ['checkpoints/final.safetensors', 'model.onnx', 'config.json'] : []) {
      const run = join(dir, 'runs', slug(`${what} as ${file}`));
      const named = file.split('/').pop() as string;
      if (file !== 'model.onnx') add(`export-onnx: ${file} is ${what}`, ['export-onnx', run, '--out', path(slug(`onnx ${what} ${file}`))], named);
      add(`generate: ${file} is ${what}`, ['generate', run, '--prompt', 'a', '--max-tokens', '3'], named);
    }
  }
  add('train: no config', ['train'], 'config');
  add('train: --steps without a value', ['train', VALID, '--steps'], '--steps');
  add('train: --steps 0', ['train', VALID, '--steps', '0'], '--steps');
  add('train: --steps 1e99', ['train', VALID, '--steps', '1e99'], 'training.steps');
  add('train: --backend gpu', ['train', VALID, '--backend', 'gpu'], '--backend');
  add('train: --set without =', ['train', VALID, '--set', 'optimizer.lr'], '--set');
  add('train: --set a wrong type', ['train', VALID, '--set', 'training.steps=abc'], 'training.steps');
  add('train: --out into a file', ['train', VALID, '--quiet', '--out', path('story.txt')], 'story.txt');
  add('train: unknown flag', ['train', VALID, '--bogus'], '--bogus');
  add('validate: two configs', ['validate', VALID, VALID], VALID);
  add('schedule: --steps -1', ['schedule', VALID, '--steps', '-1'], '--steps');
  add('schedule: --steps 2.5', ['schedule', VALID, '--steps', '2.5'], '--steps');
  add('export-onnx: --out into a folder', ['export-onnx', RUN, '--out', HOSTILE.folder], HOSTILE.folder);
  add('export-onnx: no run', ['export-onnx'], 'export-onnx');
  add('generate: a folder that is not a run', ['generate', dir, '--prompt', 'a'], 'not a run folder');
  add('generate: --max-tokens 0', ['generate', RUN, '--max-tokens', '0'], '--max-tokens');
  add('generate: --max-tokens 1e12', ['generate', RUN, '--max-tokens', '1e12'], '--max-tokens');
  add('generate: --temperature -1', ['generate', RUN, '--temperature', '-1'], '--temperature');
  add('generate: --temperature NaN', ['generate', RUN, '--temperature', 'NaN'], '--temperature');
  add('generate: --top-k 1.5', ['generate', RUN, '--top-k', '1.5'], '--top-k');
  add('generate: --seed -3', ['generate', RUN, '--seed', '-3'], '--seed');
  add('export-metrics: --format xml', ['export-metrics', RUN, '--format', 'xml'], '--format');
  add('export-metrics: --out into a folder', ['export-metrics', RUN, '--out', HOSTILE.folder], HOSTILE.folder);
  add('report: --out into a folder', ['report', RUN, '--out', HOSTILE.folder], HOSTILE.folder);
  add('find-lr: --start 0', ['find-lr', VALID, '--start', '0'], 'start 0');
  add('find-lr: --steps 1e9', ['find-lr', VALID, '--steps', '1e9'], 'steps');
  add('export-torch: --out into a file', ['export-torch', VALID, '--out', path('story.txt')], 'story.txt');
  add('an unknown command', ['frobnicate'], 'frobnicate');
  return cases;
}

const FLAGS: Record<string, string[]> = {
  train: ['--steps', '--set', '--backend', '--out', '--metrics', '--init-from', '--save-init', '--dump-batches', '--resume', '--quiet', '--verbose'],
  validate: [],
  schedule: ['--steps', '--set'],
  'export-onnx': ['--out'],
  generate: ['--prompt', '--max-tokens', '--temperature', '--top-k', '--seed'],
  'export-metrics': ['--format', '--out'],
  report: ['--out'],
  'find-lr': ['--start', '--end', '--steps'],
  'export-torch': ['--out', '--init-from', '--steps', '--set'],
};
/** Commands whose work grows with a number: the fuzzed words come after these, so a bad value still overrides them. */
const BUDGET: Record<string, string[]> = { train: ['--steps', '1', '--quiet'], 'find-lr': ['--steps', '2'], generate: ['--max-tokens', '3'] };
const VALUES = ['0', '-1', '1', '2', '2.5', '1e309', 'NaN', 'abc', '', ' 3', '0x10', '99999999999999999999', 'training.steps=0', 'optimizer.lr=-1', '__proto__.x=1', 'csv', 'cpu', 'gpu'];
const OUTPUT_FLAGS = ['--out', '--save-init', '--dump-batches', '--metrics'];
const JUNK_WORDS = ['--bogus', '-x', '--', '--steps=', '--=', '-', '--help=1'];

function randomCases(): FuzzCase[] {
  const random = seededRandom(SEED + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const paths = [...Object.values(HOSTILE), VALID, RUN, dir];
  const cases: FuzzCase[] = [];
  for (const command of COMMANDS) {
    for (let n = 0; n < RANDOM_CASES_PER_COMMAND; n++) {
      const words: string[] = [];
      const count = 1 + Math.floor(random() * 5);
      for (let i = 0; i < count; i++) {
        const roll = random();
        if (roll < 0.35) words.push(pick(paths));
        else if (roll < 0.8 && FLAGS[command].length > 0) words.push(pick(FLAGS[command]), random() < 0.5 ? pick(VALUES) : pick(paths));
        else words.push(pick(JUNK_WORDS));
      }
      const args = [command, ...(BUDGET[command] ?? []), ...words];
      // Outputs go to fresh paths (writing into a FIFO waits for a reader, as it should); the fixed cases try folders.
      const safeArgs = args.map((word, i) => (OUTPUT_FLAGS.includes(args[i - 1]) ? path(`out-${command}-${n}-${i}`) : word));
      if (safeArgs.includes('--resume')) continue;
      cases.push({ label: `${command} #${n}: ${JSON.stringify(safeArgs.slice(1))}`, args: safeArgs, names: [command, ...words.filter((w) => w !== '')], mayPass: true });
    }
  }
  return cases;
}

interface Outcome {
  fuzz: FuzzCase;
  result: CliResult;
  rss: number | null;
  ms: number;
}

async function runCase(fuzz: FuzzCase, index: number): Promise<Outcome> {
  const rssFile = join(dir, `rss-${index}`);
  const started = Date.now();
  const result = await runCli(fuzz.args, {
    cwd: dir, timeoutMs: CASE_TIMEOUT_MS,
    env: { NODE_OPTIONS: `--require ${join(dir, 'preload.cjs')}`, LOSSLAB_FUZZ_RSS: rssFile, LOSSLAB_DEBUG: '' },
  });
  const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : null;
  return { fuzz, result, rss, ms: Date.now() - started };
}

async function runAll(cases: FuzzCase[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      outcomes[index] = await runCase(cases[index], index);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return outcomes;
}

function problems(outcome: Outcome): string[] {
  const { fuzz, result, rss } = outcome;
  const found: string[] = [];
  const said = result.stderr.trim().split('\n').slice(-3).join(' | ');
  if (result.signal !== null || result.code === null) found.push(`killed by ${result.signal} after ${outcome.ms} ms (a hang?)`);
  if (result.code === 70) found.push(`internal error: ${said}`);
  if (rss === null && result.signal === null) found.push('did not report its peak memory');
  if (rss !== null && rss > MAX_RSS_BYTES) found.push(`peak memory ${(rss / 1024 ** 2).toFixed(0)} MiB`);
  if (result.code === 0 && !fuzz.mayPass) found.push('accepted a hostile input (exit 0)');
  if (result.code !== 0 && result.code !== null && !fuzz.names.some((name) => result.stderr.includes(name))) {
    found.push(`the message names none of ${JSON.stringify(fuzz.names)}: ${said}`);
  }
  return found.map((p) => `${fuzz.label}: ${p}`);
}

describe('losslab CLI under hostile arguments and files', () => {
  it('answers every case with a worded refusal or a result: no internal error, no hang, bounded memory', async (t) => {
    const fixed = fixedCases();
    const seeded = randomCases();
    const cases = [...fixed, ...seeded];
    const outcomes = await runAll(cases);
    const failures = outcomes.flatMap(problems);
    const byCode = new Map<string, number>();
    for (const { result } of outcomes) byCode.set(String(result.code ?? result.signal), (byCode.get(String(result.code ?? result.signal)) ?? 0) + 1);
    const peak = Math.max(...outcomes.map((o) => o.rss ?? 0));
    t.diagnostic(`${cases.length} cases (${fixed.length} fixed, ${seeded.length} seeded); exit codes ${JSON.stringify(Object.fromEntries(byCode))}; peak RSS ${(peak / 1024 ** 2).toFixed(0)} MiB; slowest ${Math.max(...outcomes.map((o) => o.ms))} ms`);
    assert.ok(cases.length >= 150, `expected at least 150 cases, got ${cases.length}`);
    assert.deepEqual(failures, []);
  });
});
