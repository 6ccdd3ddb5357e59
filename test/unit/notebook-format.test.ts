// The .labnb format: round trip, diff-friendly layout, decimated outputs; and config cells (extends + overrides).
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { resolveCellConfig } from '../../src/extension/notebook/cellConfig';
import { LabnbFormatError, parseLabnb, stringifyLabnb, type LabNotebook } from '../../src/extension/notebook/labnbFormat';
import { emptySeries, MAX_STORED_POINTS, type OutputRun } from '../../src/extension/notebook/outputData';

// Values with at most 6 significant digits, as the file stores them, so that a round trip is exact.
const six = (value: number) => Number(value.toPrecision(6));

function run(steps: number): OutputRun {
  const series = emptySeries();
  for (let i = 1; i <= steps; i++) {
    series.step.push(i);
    series.loss.push(six(3 / i));
    series.lr.push(0.001);
    series.grad_norm.push(six(1 + 1 / i));
    series.grad_norm_clipped.push(1);
    series.tokens_per_sec.push(1000);
  }
  series.evals.push([steps, 1.5]);
  return {
    name: 'warmup-20', runId: '20261129-031502-3fa2', folder: '.losslab/notebook/.losslab/runs/warmup-20/20261129-031502-3fa2', gradClip: 1,
    summary: { status: 'finished', steps, totalSteps: steps, finalLoss: six(3 / steps), finalValLoss: 1.5, tokensPerSec: 1000, backend: 'cpu', message: null },
    series,
  };
}

const NOTEBOOK: LabNotebook = {
  cells: [
    { kind: 'markdown', source: '# Warm-up\n\nThree runs.', outputs: [] },
    { kind: 'config', source: 'extends: story.lab.yaml\nname: warmup-20\nschedule:\n  warmup_steps: 20', outputs: [{ kind: 'run', runs: [run(50)] }] },
    { kind: 'compare', source: 'compare: [warmup-20]', outputs: [{ kind: 'error', message: 'No run named x' }] },
  ],
};

test('a notebook survives stringify → parse unchanged, and stringify is stable', () => {
  const text = stringifyLabnb(NOTEBOOK);
  assert.deepEqual(parseLabnb(text), NOTEBOOK);
  assert.equal(stringifyLabnb(parseLabnb(text)), text);
});

test('the file is diff-friendly: fixed key order, one source line per line, number arrays on one line', () => {
  const text = stringifyLabnb(NOTEBOOK);
  const lines = text.split('\n');
  assert.equal(lines[1], '  "format": "losslab-notebook",');
  assert.equal(lines[2], '  "version": 1,');
  assert.ok(lines.includes('        "name: warmup-20",'));
  assert.ok(lines.some((line) => /^ +"step": \[1, 2, 3, .*, 50\],$/.test(line)), 'steps on one line');
  const cell = JSON.parse(text).cells[1];
  assert.deepEqual(Object.keys(cell), ['kind', 'source', 'outputs']);
  assert.deepEqual(Object.keys(cell.outputs[0].runs[0]), ['name', 'runId', 'folder', 'gradClip', 'summary', 'series']);
});

test('long runs are stored decimated to MAX_STORED_POINTS, first and last step kept, values rounded', () => {
  const long: LabNotebook = { cells: [{ kind: 'config', source: 'name: long', outputs: [{ kind: 'run', runs: [run(5000)] }] }] };
  const stored = parseLabnb(stringifyLabnb(long)).cells[0].outputs[0];
  assert.ok(stored.kind === 'run');
  const { series } = stored.runs[0];
  assert.equal(series.step.length, MAX_STORED_POINTS);
  assert.equal(series.loss.length, MAX_STORED_POINTS);
  assert.equal(series.step[0], 1);
  assert.equal(series.step[series.step.length - 1], 5000);
  assert.equal(series.loss[series.loss.length - 1], 0.0006);
  assert.ok(series.step.every((step, i) => i === 0 || step > series.step[i - 1]));
});

test('bad files are refused with a reason; unknown outputs are dropped, not fatal', () => {
  assert.deepEqual(parseLabnb(''), { cells: [] });
  assert.throws(() => parseLabnb('{'), LabnbFormatError);
  assert.throws(() => parseLabnb('{"cells": [{"kind": "python", "source": []}]}'), /expected "markdown", "config" or "compare"/);
  const parsed = parseLabnb('{"cells": [{"kind": "config", "source": ["a: 1"], "outputs": [{"kind": "png"}, {"kind": "error", "message": "m"}]}]}');
  assert.deepEqual(parsed.cells[0].outputs, [{ kind: 'error', message: 'm' }]);
});

test('a config cell extends a file: deep merge, name, data paths rebased for the written file', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'losslab-nb-'));
  try {
    writeFileSync(join(folder, 'base.lab.yaml'), 'name: base\nmodel:\n  kind: gpt\n  d_model: 16\n  n_heads: 2\n  context: 16\ndata:\n  train: data/tiny.txt\noptimizer:\n  name: adamw\n  lr: 0.01\ntraining:\n  steps: 30\n  grad_clip: 1.0\n');
    const outFile = join(folder, '.losslab', 'notebook', 'lessons-cell2.lab.yaml');
    const context = { notebookDir: folder, outFile, defaultName: 'lessons-cell2', readFile: async (path: string) => readFileSync(path, 'utf8') };
    const resolved = await resolveCellConfig({ ...context, cellText: 'extends: base.lab.yaml\noptimizer:\n  name: adam\ntraining:\n  grad_clip: 0.5\n' });
    assert.deepEqual(resolved.problems, []);
    const written = parse(resolved.text ?? '');
    assert.equal(written.name, 'lessons-cell2');
    assert.deepEqual(written.optimizer, { name: 'adam', lr: 0.01 });
    assert.deepEqual(written.training, { steps: 30, grad_clip: 0.5 });
    assert.equal(written.data.train, '../../data/tiny.txt');
    assert.equal(resolved.config?.data.train, join(folder, 'data', 'tiny.txt'));

    const bad = await resolveCellConfig({ ...context, cellText: 'extends: base.lab.yaml\nname: bad\ntraining:\n  steps: -3\n' });
    assert.equal(bad.text, null);
    const problem = bad.problems.find((p) => p.severity === 'error');
    assert.ok(problem);
    assert.equal(problem.line, 3, 'located on the cell line that set steps');
    assert.equal(problem.column, 9);

    const missing = await resolveCellConfig({ ...context, cellText: 'extends: nowhere.lab.yaml\n' });
    assert.match(missing.problems[0].message, /cannot read the config that `extends` names \(nowhere\.lab\.yaml\)/);
    assert.deepEqual([missing.problems[0].line, missing.problems[0].column], [0, 9]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
