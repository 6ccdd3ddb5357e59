import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatLearningRate, setConfigLearningRate } from '../../src/config/editLearningRate';
import { parseConfigText } from '../../src/config';
import type { LabConfig } from '../../src/config/types';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { prepareData } from '../../src/engine/data/prepare';
import {
  LrFinderError, checkLrFinderOptions, findLearningRate, rangeTestLr, suggestLearningRate, type LrFinderPoint,
} from '../../src/engine/train/lrFinder';
import { runCli, tempDir } from '../support/cli';

const TEXT = 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(30);

function tinyConfig(extra = ''): LabConfig {
  const result = parseConfigText(`name: tiny
seed: 3
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, d_ff: 32, context: 16 }
data: { train: story.txt, vocab: char }
training: { steps: 10, batch_size: 4 }
${extra}`, 'tiny.lab.yaml', { configDir: '.' });
  assert.ok(result.config, JSON.stringify(result.diagnostics));
  return result.config;
}

async function rangeTest(config: LabConfig, options: { start: number; end: number; steps: number }) {
  return findLearningRate(config, prepareData(config, { train: TEXT, val: null }), new CpuBackend(), options);
}

describe('LR range test on a tiny model', () => {
  it('walks the learning rate up exponentially (the curve is monotone in lr) and suggests one strictly inside the range', async () => {
    const options = { start: 1e-5, end: 0.5, steps: 30 };
    const result = await rangeTest(tinyConfig(), options);
    const { points } = result;
    assert.ok(points.length >= 3 && points.length <= 30);
    points.forEach((p, i) => {
      assert.ok(Math.abs(p.lr / rangeTestLr(i, options) - 1) < 1e-9, `step ${i + 1} uses lr ${p.lr}`);
      assert.ok(Number.isFinite(p.loss) && Number.isFinite(p.smoothed));
      if (i > 0) assert.ok(p.lr > points[i - 1].lr);
    });
    assert.ok(Math.abs(points[0].lr / options.start - 1) < 1e-9);
    if (result.stop === 'end') assert.ok(Math.abs(points[points.length - 1].lr / options.end - 1) < 1e-9);
    assert.ok(result.suggestion > options.start && result.suggestion < options.end, `suggestion ${result.suggestion}`);
    assert.ok(result.suggestion > points[0].lr && result.suggestion < points[points.length - 1].lr);
    // Where the suggestion sits, the smoothed loss is below where it started: the model is learning.
    const at = points.findIndex((p) => p.lr === result.suggestion);
    assert.ok(points[at + 1].smoothed < points[0].smoothed);
    const lowest = points.reduce((a, b) => (b.smoothed < a.smoothed ? b : a));
    assert.equal(result.minLossOver10, lowest.lr / 10);
  });

  it('smooths with a bias-corrected EMA: the first smoothed loss is the first loss', async () => {
    const { points } = await rangeTest(tinyConfig(), { start: 1e-4, end: 1e-2, steps: 5 });
    assert.equal(points.length, 5);
    assert.ok(Math.abs(points[0].smoothed - points[0].loss) < 1e-12);
    const expected = (0.98 * 0.02 * points[0].loss + 0.02 * points[1].loss) / (1 - 0.98 ** 2);
    assert.ok(Math.abs(points[1].smoothed - expected) < 1e-12);
  });

  it('stops early once the smoothed loss passes 4× its best', async () => {
    const result = await rangeTest(tinyConfig(), { start: 1e-3, end: 1e4, steps: 60 });
    assert.notEqual(result.stop, 'end');
    assert.ok(result.points.length < 60);
    const last = result.points[result.points.length - 1];
    const best = Math.min(...result.points.map((p) => p.smoothed));
    // Diverged: only the last point passes 4× the best; not finite: the loss after the last point was not finite.
    if (result.stop === 'diverged') assert.ok(last.smoothed > 4 * best);
    assert.ok(result.points.slice(0, -1).every((p, i) => p.smoothed <= 4 * Math.min(...result.points.slice(0, i + 1).map((q) => q.smoothed))));
    assert.ok(result.suggestion < last.lr);
  });

  it('is reproducible and ignores the config\'s own lr and schedule', async () => {
    const options = { start: 1e-4, end: 0.1, steps: 8 };
    const a = await rangeTest(tinyConfig(), options);
    const b = await rangeTest(tinyConfig('optimizer: { lr: 0.5 }\nschedule: { warmup_steps: 5, decay: cosine }'), options);
    assert.deepEqual(a.points, b.points);
    const other = await rangeTest({ ...tinyConfig(), seed: 4 }, options);
    assert.notDeepEqual(a.points.map((p) => p.loss), other.points.map((p) => p.loss));
  });
});

describe('suggestLearningRate', () => {
  it('picks the steepest descent of the smoothed curve per log(lr)', () => {
    // A smoothed loss falling fastest at lr = 1e-3 (a tanh step in log10 lr centred there).
    const points: LrFinderPoint[] = Array.from({ length: 41 }, (_, i) => {
      const lr = 10 ** (-6 + (6 * i) / 40);
      const smoothed = 3 - Math.tanh(Math.log10(lr) + 3) + (lr > 0.1 ? 50 * lr : 0);
      return { lr, loss: smoothed, smoothed };
    });
    const { suggestion, minLossOver10 } = suggestLearningRate(points);
    assert.ok(Math.abs(Math.log10(suggestion) + 3) < 1e-9, `suggestion ${suggestion}`);
    const lowest = points.reduce((a, b) => (b.smoothed < a.smoothed ? b : a));
    assert.equal(minLossOver10, lowest.lr / 10);
  });

  it('needs three points; options are checked', () => {
    assert.throws(() => suggestLearningRate([{ lr: 1, loss: 1, smoothed: 1 }]), LrFinderError);
    assert.throws(() => checkLrFinderOptions({ start: 0, end: 1, steps: 10 }), /start 0/);
    assert.throws(() => checkLrFinderOptions({ start: 1, end: 0.1, steps: 10 }), /end 0.1/);
    assert.throws(() => checkLrFinderOptions({ start: 1e-6, end: 1, steps: 2.5 }), /steps 2.5/);
  });
});

/** The lines of `after` that differ from `before` (both must have the same number of lines unless `inserted`). */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

describe('writing the suggestion into a config', () => {
  it('formats three significant digits', () => {
    assert.deepEqual([0.0031622776, 3.1622776e-7, 0.1, 1.23456].map(formatLearningRate), ['0.00316', '3.16e-7', '0.1', '1.23']);
  });

  it('YAML: replaces only the value, keeping comments and layout', () => {
    const text = '# my config\nname: x   # the name\noptimizer:\n  name: adamw  # decoupled\n  lr: 0.003   # peak lr\n  betas: [0.9, 0.99]\ntraining: { steps: 5 }\n';
    assert.deepEqual(changedLines(text, setConfigLearningRate(text, 'a.lab.yaml', 0.0123456)), {
      removed: ['  lr: 0.003   # peak lr'], added: ['  lr: 0.0123   # peak lr'],
    });
  });

  it('YAML: adds lr to a block or flow optimizer section, or adds the section', () => {
    const block = 'name: x\noptimizer:\n    name: sgd\n    momentum: 0.9 # heavy ball\ntraining: { steps: 5 }\n';
    assert.deepEqual(changedLines(block, setConfigLearningRate(block, 'a.lab.yml', 0.05)), { removed: [], added: ['    lr: 0.05'] });
    const flow = 'name: x\noptimizer: { name: adam }  # plain Adam\n';
    assert.deepEqual(changedLines(flow, setConfigLearningRate(flow, 'a.lab.yaml', 0.002)), {
      removed: ['optimizer: { name: adam }  # plain Adam'], added: ['optimizer: { name: adam, lr: 0.002 }  # plain Adam'],
    });
    const none = 'name: x\ntraining: { steps: 5 }';
    assert.equal(setConfigLearningRate(none, 'a.lab.yaml', 0.002), 'name: x\ntraining: { steps: 5 }\noptimizer:\n  lr: 0.002\n');
  });

  it('JSON (with comments): a minimal edit in the file\'s indentation', () => {
    const text = '{\n    // tuned by hand\n    "name": "x",\n    "optimizer": { "name": "adamw", "lr": 0.003 },\n    "training": {\n        "steps": 5\n    }\n}\n';
    assert.deepEqual(changedLines(text, setConfigLearningRate(text, 'a.lab.json', 0.000271)), {
      removed: ['    "optimizer": { "name": "adamw", "lr": 0.003 },'], added: ['    "optimizer": { "name": "adamw", "lr": 0.000271 },'],
    });
    const missing = '{\n    "name": "x",\n    "optimizer": {\n        "name": "sgd"\n    }\n}\n';
    const updated = setConfigLearningRate(missing, 'a.lab.json', 0.1);
    assert.deepEqual(JSON.parse(updated).optimizer, { name: 'sgd', lr: 0.1 });
    assert.match(updated, /\n {8}"lr": 0\.1\n/);
  });
});

describe('losslab find-lr', () => {
  it('prints the curve and the suggestion, and --write changes only optimizer.lr', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'story.txt'), TEXT);
    const text = `# LR finder test
name: tiny
seed: 3
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, d_ff: 32, context: 16 }
data: { train: story.txt, vocab: char }
optimizer:
  name: adamw
  lr: 0.001      # to be tuned
  weight_decay: 0.1
training: { steps: 10, batch_size: 4 }
`;
    const config = join(dir, 'tiny.lab.yaml');
    writeFileSync(config, text);
    const dry = await runCli(['find-lr', config, '--start', '1e-5', '--end', '1', '--steps', '25']);
    assert.equal(dry.code, 0, dry.stderr);
    const rows = dry.stdout.split('\n').filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t').map(Number));
    assert.ok(rows.length >= 3 && rows.length <= 25);
    assert.deepEqual(rows.map((r) => r[0]), rows.map((_, i) => i + 1));
    assert.ok(rows.every((r, i) => i === 0 || r[1] > rows[i - 1][1]), 'lr grows');
    const suggestion = Number(/suggested lr: (\S+)/.exec(dry.stdout)?.[1]);
    assert.ok(suggestion > 1e-5 && suggestion < 1, dry.stdout);
    assert.match(dry.stdout, /min-loss\/10: +\S+/);
    assert.equal(readFileSync(config, 'utf8'), text, 'without --write the config is untouched');

    const written = await runCli(['find-lr', config, '--start', '1e-5', '--end', '1', '--steps', '25', '--write']);
    assert.equal(written.code, 0, written.stderr);
    assert.deepEqual(changedLines(text, readFileSync(config, 'utf8')), {
      removed: ['  lr: 0.001      # to be tuned'], added: [`  lr: ${formatLearningRate(suggestion)}      # to be tuned`],
    });
    assert.match(written.stdout, new RegExp(`optimizer\\.lr = ${formatLearningRate(suggestion).replace('.', '\\.')}`));
  });

  it('rejects a bad range', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'story.txt'), TEXT);
    writeFileSync(join(dir, 't.lab.yaml'), 'name: t\nbackend: cpu-reference\nmodel: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }\ndata: { train: story.txt }\n');
    const result = await runCli(['find-lr', join(dir, 't.lab.yaml'), '--start', '1', '--end', '0.1']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /end 0\.1: expected a learning rate above start \(1\)/);
  });
});
