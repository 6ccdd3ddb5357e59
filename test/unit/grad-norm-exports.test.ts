import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { METRIC_COLUMNS } from '../../src/export/metrics/metricsTable';
import { readGradNorms, readMetrics, type GradNormsRecord } from '../../src/node/runFolder';
import { runCli, tempDir } from '../support/cli';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

/** Parses the CSV export (no field of these runs is quoted). */
function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trimEnd().split('\n').map((line) => line.split(','));
  return lines.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i]])));
}

describe('per-parameter gradient norms in export-metrics and the report', () => {
  let folder = '';
  let norms: GradNormsRecord[] = [];
  before(async () => {
    const dir = tempDir('losslab-gradnorm-exports-');
    cpSync(EXAMPLES, dir, { recursive: true });
    const result = await runCli(['train', join(dir, 'story.lab.yaml'), '--steps', '24', '--backend', 'cpu', '--quiet']);
    assert.equal(result.code, 0, result.stderr);
    const runs = join(dir, '.losslab', 'runs', 'story');
    folder = join(runs, readdirSync(runs)[0]);
    norms = readGradNorms(folder);
    assert.equal(norms.length, 24);
  });

  it('export-metrics --grad-norms adds a grad_norm:<parameter> column per parameter, in layer order, with the recorded values', async () => {
    const csv = await runCli(['export-metrics', folder, '--grad-norms']);
    assert.equal(csv.code, 0, csv.stderr);
    const header = csv.stdout.split('\n')[0].split(',');
    const parameters = Object.keys(norms[0].norms);
    assert.deepEqual(header, [...METRIC_COLUMNS, ...parameters.map((p) => `grad_norm:${p}`)]);
    const rows = csvRows(csv.stdout);
    assert.equal(rows.length, 24);
    for (const record of norms) {
      const row = rows.find((r) => Number(r.step) === record.step);
      for (const p of parameters) assert.equal(Number(row?.[`grad_norm:${p}`]), record.norms[p], `${p} at step ${record.step}`);
    }
    const jsonl = await runCli(['export-metrics', folder, '--grad-norms', '--format', 'jsonl']);
    const lines = jsonl.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines[6]['grad_norm:transformer.h.1.mlp.c_fc.weight'], norms[6].norms['transformer.h.1.mlp.c_fc.weight']);
    assert.deepEqual(Object.keys(lines[0]), header);
    // Without the flag the columns stay the metric columns.
    const plain = await runCli(['export-metrics', folder]);
    assert.deepEqual(plain.stdout.split('\n')[0].split(','), [...METRIC_COLUMNS]);
  });

  it('the report draws the heatmap in SVG (a row per parameter, a titled cell per step) and names the largest norm', async () => {
    const out = join(tempDir('losslab-gradnorm-report-'), 'report.html');
    const result = await runCli(['report', folder, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(out, 'utf8');
    const svg = /<svg class="chart heatmap"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    const cells = [...svg.matchAll(/<rect [^>]*fill="#[0-9a-f]{6}"><title>([^<]*)<\/title><\/rect>/g)].map((m) => m[1]);
    assert.equal(cells.length, 28 * 24);
    const record = norms[9];
    assert.ok(cells.includes(`transformer.h.0.attn.c_proj.weight, step 10: ${Number(record.norms['transformer.h.0.attn.c_proj.weight'].toPrecision(3))}`), cells.slice(0, 3).join(' | '));
    for (const layer of ['embeddings', 'layer 0', 'layer 1', 'output']) assert.ok(svg.includes(`>${layer}</text>`), layer);
    let largest = { name: '', step: 0, value: -Infinity };
    for (const r of norms) for (const [name, value] of Object.entries(r.norms)) if (value > largest.value) largest = { name, step: r.step, value };
    assert.match(html, new RegExp(`Largest pre-clip norm: ${largest.name.replace(/\./g, '\\.')}, [\\d.]+ at step ${largest.step} — `));
    const clipped = readMetrics(folder).steps.filter((s) => s.grad_norm > 1).length;
    // The global norm chart marks each clipped step.
    const normChart = /<svg class="chart" role="img" aria-label="Gradient norm"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    assert.equal([...normChart.matchAll(/class="mark"/g)].length, clipped);
    assert.ok(normChart.includes('>clipped step</text>'));
    assert.match(html, new RegExp(`<th>clipped steps \\(pre-clip norm above training.grad_clip\\)</th><td>clipped at ${clipped} of 24 steps`));
  });
});
