import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { formatTicks, lineChart, niceTicks } from '../../src/export/report/svgChart';
import { runCli, tempDir } from '../support/cli';

/** Headless Chromium from PATH (or $CHROMIUM); the rendering test is skipped where there is none. */
const CHROMIUM = process.env.CHROMIUM ?? 'chromium';
const hasChromium = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).status === 0;

describe('report charts', () => {
  it('picks round ticks, powers of ten on a log axis, and compact labels', () => {
    assert.deepEqual(niceTicks(0.13, 0.97, 5, false), [0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(niceTicks(-3, 48, 5, false), [0, 10, 20, 30, 40]);
    assert.deepEqual(niceTicks(2e-6, 0.5, 5, true), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
    assert.deepEqual(formatTicks([0, 0.25, 1234.5]), ['0', '0.25', '1235']);
    assert.deepEqual(formatTicks([0, 0.0005, 0.001, 0.0025]), ['0', '5e-4', '1e-3', '2.5e-3']);
    assert.deepEqual(formatTicks([1e6, 2e6]), ['1e6', '2e6']);
  });

  it('draws one path per series through every finite point, and says when there is no data', () => {
    const svg = lineChart([
      { name: 'a', color: '#123456', points: [[1, 1], [2, Number.NaN], [3, 3], [4, 2]] },
      { name: 'b <&>', color: '#654321', points: [[2, 2]] },
    ], { title: 'T', xLabel: 'step' });
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(paths.length, 1);
    assert.equal(paths[0].split(/[ML]/).filter(Boolean).length, 3);
    assert.match(svg, /b &lt;&amp;&gt;/);
    assert.match(svg, /<circle [^>]*fill="#654321"/);
    assert.doesNotMatch(svg, /xmlns|http/);
    assert.match(lineChart([{ name: 'a', color: '#000', points: [] }], { title: 'Empty', xLabel: 'step' }), />no data</);
  });
});

describe('losslab report', () => {
  let run = '';
  let file = '';
  let stdout = '';

  before(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'story.txt'), 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(20));
    writeFileSync(join(dir, 'r.lab.yaml'), `name: reported
seed: 4
backend: cpu-reference
model: { kind: gpt, d_model: 24, n_layers: 1, n_heads: 3, context: 16 }
data: { train: story.txt, vocab: char }
optimizer: { lr: 0.02 }
schedule: { warmup_steps: 3, decay: cosine }
training: { steps: 12, batch_size: 4, grad_clip: 0.5, eval_interval: 4, eval_steps: 2 }
`);
    run = join(dir, 'run');
    assert.equal((await runCli(['train', join(dir, 'r.lab.yaml'), '--out', run, '--quiet'])).code, 0);
    const result = await runCli(['report', run]);
    assert.equal(result.code, 0, result.stderr);
    file = join(run, 'report.html');
    stdout = result.stdout;
  });

  it('writes a self-contained HTML report with the run\'s numbers, curves and config', () => {
    assert.match(stdout, /report\.html: report of reported .* \(12 steps, 3 evaluations\)/);
    const html = readFileSync(file, 'utf8');
    const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));

    // Self-contained: nothing is fetched (no URLs, no src/href, no scripts, no CSS imports).
    assert.doesNotMatch(html, /https?:|src=|href=|<script|<link|<img|@import|url\(/i);
    assert.match(html, /^<!DOCTYPE html>/);

    // The run's facts and numbers.
    assert.ok(html.includes(info.id));
    assert.ok(html.includes(info.final_loss.toFixed(4)), 'final loss');
    assert.ok(html.includes(info.final_val_loss.toFixed(4)), 'final val loss');
    assert.ok(html.includes(info.parameters.toLocaleString('en-US')), 'parameters');
    assert.ok(html.includes(`${info.steps_completed} / ${info.total_steps}`));
    assert.ok(html.includes(Math.round(info.tokens_per_sec).toLocaleString('en-US')), 'tokens/s');
    // The resolved config, defaults included.
    for (const fact of ['<th>d_model</th><td>24</td>', '<th>lr</th><td>0.02</td>', '<th>grad_clip</th><td>0.5</td>', '<th>decay</th><td>cosine</td>', '<th>betas</th><td>[0.9, 0.999]</td>']) {
      assert.ok(html.includes(fact), fact);
    }
    // Four inline SVG charts; the loss chart holds train and val series, the gradient chart pre- and post-clip.
    const charts = [...html.matchAll(/<svg class="chart" role="img" aria-label="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(charts, ['Loss', 'Learning rate', 'Gradient norm', 'Throughput (tokens / s)']);
    for (const legend of ['train loss', 'val loss', 'pre-clip', 'post-clip', 'learning rate', 'tokens / s']) assert.ok(html.includes(`class="legend">${legend}<`), legend);
    // The loss chart's line passes through all 12 steps.
    const lossPath = /aria-label="Loss"[\s\S]*?<path d="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.equal(lossPath.split(/[ML]/).filter(Boolean).length, 12);
  });

  it('renders in headless Chromium', { skip: !hasChromium && 'no chromium on PATH' }, () => {
    const screenshot = join(run, 'report.png');
    const profile = mkdtempSync(join(tmpdir(), 'losslab-chromium-'));
    const chromium = spawnSync(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--window-size=1200,1600',
      `--screenshot=${screenshot}`, pathToFileURL(file).href,
    ], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(chromium.status, 0, chromium.stderr);
    assert.ok(statSync(screenshot).size > 20_000, 'the screenshot shows a rendered page, not a blank one');
    if (process.env.LOSSLAB_KEEP_REPORT) writeFileSync(process.env.LOSSLAB_KEEP_REPORT, readFileSync(screenshot));
  });

  it('explains a folder that is not a run', async () => {
    const result = await runCli(['report', tempDir()]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not a run folder/);
  });
});
