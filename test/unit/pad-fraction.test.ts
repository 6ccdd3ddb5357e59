import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeSafetensors } from '../../src/engine/io/safetensors';
import { formatShare, meanPadFraction, type StepMetrics } from '../../src/engine/train/metrics';
import { METRIC_COLUMNS, metricRows, toCsv } from '../../src/export/metrics/metricsTable';
import { renderReport } from '../../src/export/report/htmlReport';
import { Progress } from '../../src/cli/progress';
import { LiveRun } from '../../src/extension/notebook/liveRun';
import { summaryLine } from '../../src/extension/notebook/summaryText';
import { checkMetricsRecord } from '../../src/node/runFolder/checks';
import { runCli, tempDir } from '../support/cli';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

/** Per step: padded target positions over all target positions, counted from a --dump-batches file. */
function dumpedPadFractions(file: string): Map<number, number> {
  const decoded = decodeSafetensors(readFileSync(file), file);
  const pad = Number(decoded.metadata.pad_id);
  const counts = new Map<number, { pads: number; all: number }>();
  for (const [name, tensor] of decoded.tensors) {
    const match = /^s(\d+)\.m\d+\.(targets|tgt_out)$/.exec(name);
    if (!match) continue;
    const step = Number(match[1]);
    const count = counts.get(step) ?? { pads: 0, all: 0 };
    for (const id of tensor.data) if (id === pad) count.pads++;
    count.all += tensor.data.length;
    counts.set(step, count);
  }
  return new Map([...counts].map(([step, { pads, all }]) => [step, pads / all]));
}

/** Trains `config` for `steps` steps with its batches dumped; returns the metrics' and the dump's pad fractions. */
async function trainAndDump(config: string, steps: number): Promise<{ recorded: StepMetrics[]; dumped: Map<number, number> }> {
  const dir = tempDir('losslab-pad-');
  const run = join(dir, 'run');
  const dump = join(dir, 'batches.safetensors');
  const cli = await runCli(['train', config, '--steps', String(steps), '--backend', 'cpu', '--out', run, '--dump-batches', dump, '--quiet']);
  assert.equal(cli.code, 0, cli.stderr);
  const recorded = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as StepMetrics)
    .filter((record) => !('val_loss' in record));
  return { recorded, dumped: dumpedPadFractions(dump) };
}

function assertMatches(recorded: StepMetrics[], dumped: Map<number, number>, steps: number): void {
  assert.equal(recorded.length, steps);
  assert.equal(dumped.size, steps);
  for (const m of recorded) assert.equal(m.pad_fraction, dumped.get(m.step), `step ${m.step}`);
}

describe('pad_fraction', () => {
  it('equals the padded share of the targets --dump-batches wrote, per step, on the padded gpt example', async () => {
    const { recorded, dumped } = await trainAndDump(join(EXAMPLES, 'arithmetic.lab.yaml'), 5);
    assertMatches(recorded, dumped, 5);
    // One problem per line, padded to the batch's longest: some positions are padding, how many varies with the problems drawn.
    for (const m of recorded) assert.ok(m.pad_fraction! > 0 && m.pad_fraction! < 0.5, `step ${m.step}: ${m.pad_fraction}`);
    assert.ok(new Set(recorded.map((m) => m.pad_fraction)).size > 1);
  });

  it('counts every micro-batch of a step, and pads the loss does not mask', async () => {
    const dir = tempDir('losslab-pad-config-');
    const yaml = readFileSync(join(EXAMPLES, 'arithmetic.lab.yaml'), 'utf8')
      .replace('train: data/arithmetic.txt', `train: ${JSON.stringify(join(EXAMPLES, 'data', 'arithmetic.txt'))}`)
      .replace('label_smoothing: 0.0', 'label_smoothing: 0.0\n  ignore_padding: false')
      .replace('batch_size: 16', 'batch_size: 4\n  grad_accumulation: 3');
    assert.ok(yaml.includes('grad_accumulation: 3') && yaml.includes('ignore_padding: false') && yaml.includes(EXAMPLES));
    writeFileSync(join(dir, 'accumulate.lab.yaml'), yaml);
    const { recorded, dumped } = await trainAndDump(join(dir, 'accumulate.lab.yaml'), 3);
    assertMatches(recorded, dumped, 3);
    // Unmasked, the loss counts every position of the three micro-batches, so pad_fraction × tokens is the pad count.
    for (const m of recorded) {
      const pads = m.pad_fraction! * m.tokens;
      assert.ok(pads >= 1 && Math.abs(pads - Math.round(pads)) < 1e-9, `step ${m.step}: ${m.tokens} tokens, ${m.pad_fraction}`);
    }
  });

  it('counts the decoder targets of the encoder-decoder example', async () => {
    const { recorded, dumped } = await trainAndDump(join(EXAMPLES, 'translate.lab.yaml'), 4);
    assertMatches(recorded, dumped, 4);
    for (const m of recorded) assert.ok(m.pad_fraction! > 0 && m.pad_fraction! < 1, `step ${m.step}: ${m.pad_fraction}`);
  });

  it('reads old metrics lines without it, refuses a value outside [0, 1], and exports it', () => {
    const line = { step: 1, loss: 2, lr: 0.1, grad_norm: 1, grad_norm_clipped: 1, tokens: 8, tokens_per_sec: 10, time_ms: 1 };
    const old = checkMetricsRecord({ ...line }, 'metrics.jsonl', 1);
    assert.deepEqual(old, { kind: 'step', record: line });
    assert.equal(meanPadFraction([old.record as StepMetrics]), null);
    const padded = checkMetricsRecord({ ...line, pad_fraction: 0.25 }, 'metrics.jsonl', 2);
    assert.equal((padded.record as StepMetrics).pad_fraction, 0.25);
    assert.throws(() => checkMetricsRecord({ ...line, pad_fraction: 1.5 }, 'metrics.jsonl', 3), /metrics\.jsonl:3: .*pad_fraction must be <= 1/);
    assert.equal(METRIC_COLUMNS[METRIC_COLUMNS.length - 1], 'pad_fraction');
    const csv = toCsv(metricRows([{ runId: 'r', configName: 'c', steps: [line, { ...line, step: 2, pad_fraction: 0.5 }], evals: [] }]));
    assert.deepEqual(csv.trim().split('\n').slice(1).map((row) => row.split(',').pop()), ['', '0.5']);
    assert.equal(meanPadFraction([line, { ...line, pad_fraction: 0.2 }, { ...line, pad_fraction: 0.4 }])?.toFixed(6), '0.300000');
    assert.deepEqual([0.004, 0.0625, 0.5, 1].map(formatShare), ['0.4%', '6.3%', '50%', '100%']);
  });

  it('is shown beside tokens/s in the progress line, the notebook summary and the report', () => {
    const line = { step: 1, loss: 2, lr: 0.1, grad_norm: 1, grad_norm_clipped: 1, tokens: 8, tokens_per_sec: 1234, time_ms: 1 };
    let written = '';
    const out = { isTTY: false, write: (text: string) => (written += text) } as unknown as NodeJS.WriteStream;
    new Progress(out, 2, false).step({ ...line, pad_fraction: 0.25 });
    assert.match(written, /1234 tok\/s \(25% pad\) {2}ETA/);
    const run = new LiveRun('arith', 'r', 'runs/r', null, 2);
    run.append([{ ...line, pad_fraction: 0.25 }, { ...line, step: 2, pad_fraction: 0.75 }], []);
    assert.equal(summaryLine(run.summary), 'running 2/2 steps · final loss 2.0000 · 1,234 tokens/s (50% padding)');
    const html = renderReport({ id: 'r', configName: 'arith', info: null, config: null, steps: [{ ...line, pad_fraction: 0.1 }, { ...line, step: 2, pad_fraction: 0.3 }], evals: [] },
      { version: '0', generatedAt: 'now' });
    assert.match(html, /<th>padding \(mean share of target positions\)<\/th><td>20%<\/td>/);
    assert.match(renderReport({ id: 'r', configName: 'a', info: null, config: null, steps: [line], evals: [] }, { version: '0', generatedAt: 'now' }),
      /<th>padding \(mean share of target positions\)<\/th><td>–<\/td>/);
  });
});
