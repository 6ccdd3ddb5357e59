import assert from 'node:assert/strict';
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  GradNormGrid, clipCountText, fromGradNormColumns, gradNormSummary, heatColor, logNormRange, parameterRow, poolGradNorms, toGradNormColumns, wasClipped,
  type ParameterNorms,
} from '../../src/engine/train/gradNormGrid';
import { readGradNorms, readMetrics } from '../../src/node/runFolder';
import { runCli, tempDir } from '../support/cli';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

/** A real run of the story example (28 parameters, clip 1.0): its grad_norms.jsonl and metrics.jsonl. */
async function trainStory(steps: number): Promise<{ norms: ParameterNorms[]; folder: string }> {
  const dir = tempDir('losslab-gradnorms-');
  cpSync(EXAMPLES, dir, { recursive: true });
  const result = await runCli(['train', join(dir, 'story.lab.yaml'), '--steps', String(steps), '--backend', 'cpu', '--quiet']);
  assert.equal(result.code, 0, result.stderr);
  const runs = join(dir, '.losslab', 'runs', 'story');
  const folder = join(runs, readdirSync(runs)[0]);
  return { norms: readGradNorms(folder), folder };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

describe('gradient norms by layer', () => {
  let run: { norms: ParameterNorms[]; folder: string };
  before(async () => {
    run = await trainStory(40);
  });

  it('orders a real GPT run by layer, with readable names', () => {
    const grid = new GradNormGrid();
    grid.append(run.norms);
    assert.equal(grid.parameters.length, 28);
    assert.equal(grid.stepCount, 40);
    assert.deepEqual([...new Set(grid.parameters.map((p) => p.layer))], ['embeddings', 'layer 0', 'layer 1', 'output']);
    const first = grid.parameters.find((p) => p.name === 'transformer.h.1.attn.c_attn.weight');
    assert.deepEqual(first && { layer: first.layer, short: first.short }, { layer: 'layer 1', short: 'attn.c_attn.weight' });
    assert.equal(grid.parameters.at(-1)?.short, 'ln_f.bias');
  });

  it('names the largest norm, its step and how it compares with the median at that step, from the real values', () => {
    const grid = new GradNormGrid();
    grid.append(run.norms);
    let expected = { parameter: '', step: 0, value: -Infinity, median: 0 };
    for (const record of run.norms) {
      for (const [parameter, value] of Object.entries(record.norms)) {
        if (value > expected.value) expected = { parameter, step: record.step, value, median: median(Object.values(record.norms)) };
      }
    }
    assert.deepEqual(grid.largest, { parameter: expected.parameter, step: expected.step, value: expected.value, medianAtStep: expected.median });
    const summary = gradNormSummary(grid, 'run A');
    const ratio = expected.value / expected.median;
    const ratioText = ratio >= 10 ? `${Math.round(ratio)}×` : `${Number(ratio.toPrecision(2))}×`;
    assert.ok(summary.startsWith('Gradient norms by layer, run A: 28 parameters over 40 steps.'), summary);
    assert.ok(summary.includes(`Largest pre-clip norm: ${expected.parameter}, ${Number(expected.value.toPrecision(3))} at step ${expected.step} — ${ratioText} the median`), summary);
  });

  it('keeps every norm in the cells of a grid that is not compacted, and the largest of merged steps when compacted', () => {
    const full = new GradNormGrid();
    full.append(run.norms);
    const name = 'transformer.wte.weight';
    assert.deepEqual(full.row(name), run.norms.map((r) => r.norms[name]));
    const small = new GradNormGrid(8);
    for (const record of run.norms) small.append([record]);
    assert.ok(small.columns.length <= 8, `columns ${small.columns.length}`);
    assert.equal(small.columns[0].firstStep, 1);
    assert.equal(small.columns.at(-1)?.lastStep, 40);
    small.columns.forEach((column, c) => {
      const inColumn = run.norms.filter((r) => r.step >= column.firstStep && r.step <= column.lastStep).map((r) => r.norms[name]);
      assert.equal(small.row(name)[c], Math.max(...inColumn), `column ${c}`);
    });
    assert.deepEqual(small.largest, full.largest);
    // A resend of steps it holds adds nothing.
    small.append(run.norms.slice(0, 10));
    assert.equal(small.stepCount, 40);
  });

  it('round-trips records through columns and pools long histories by their largest norms', () => {
    const columns = toGradNormColumns(run.norms);
    assert.equal(columns.parameters.length, 28);
    assert.deepEqual(fromGradNormColumns(JSON.parse(JSON.stringify(columns))), run.norms);
    const pooled = poolGradNorms(run.norms, 16);
    assert.equal(pooled.length, 14);
    assert.deepEqual(pooled.map((r) => r.step).slice(0, 3), [3, 6, 9]);
    assert.equal(pooled[0].norms['transformer.h.0.mlp.c_proj.bias'], Math.max(...run.norms.slice(0, 3).map((r) => r.norms['transformer.h.0.mlp.c_proj.bias'])));
    assert.deepEqual(poolGradNorms(run.norms, 100), run.norms);
  });

  it('marks a step clipped exactly when its pre-clip norm passes training.grad_clip (1.0 in the story example)', () => {
    const { steps } = readMetrics(run.folder);
    const clipped = steps.filter(wasClipped).map((s) => s.step);
    assert.deepEqual(clipped, steps.filter((s) => s.grad_norm > 1.0).map((s) => s.step));
    assert.ok(clipped.length > 0 && clipped.length < steps.length, `clipped ${clipped.length} of ${steps.length}`);
    assert.equal(clipCountText(clipped.length, steps.length), `clipped at ${clipped.length} of 40 steps (${Math.round((100 * clipped.length) / 40)}%)`);
    assert.equal(clipCountText(0, 40), null);
  });

  it('places encoder-decoder parameters by section and colours the log scale from dark to yellow', () => {
    assert.deepEqual(['tgt_embed.weight', 'transformer.decoder.layers.0.linear1.weight', 'transformer.encoder.norm.weight', 'transformer.encoder.layers.1.norm1.bias'].map((n) => parameterRow(n).layer),
      ['embeddings', 'decoder 0', 'encoder', 'encoder 1']);
    const grid = new GradNormGrid();
    grid.append([{ step: 1, norms: { 'transformer.decoder.layers.0.linear1.weight': 10, 'transformer.encoder.layers.1.norm1.bias': 0.01, 'tgt_embed.weight': 1 } }]);
    assert.deepEqual(grid.parameters.map((p) => p.layer), ['embeddings', 'encoder 1', 'decoder 0']);
    assert.deepEqual(logNormRange(grid), { min: -2, max: 1 });
    assert.equal(heatColor(0), '#440154');
    assert.equal(heatColor(1), '#fde725');
  });
});
