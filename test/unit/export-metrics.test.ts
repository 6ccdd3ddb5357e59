import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../src/config';
import { METRIC_COLUMNS, metricRows, toCsv, toJsonl } from '../../src/export/metrics/metricsTable';
import { runCli, tempDir } from '../support/cli';

const step = (s: number, loss: number, lr: number, extra: Partial<Record<string, number>> = {}) => ({
  step: s, loss, lr, grad_norm: 2 * loss, grad_norm_clipped: Math.min(1, 2 * loss), tokens: 64, tokens_per_sec: 1000 + s, time_ms: 10 * s, ...extra,
});

/** A run folder as the run store writes it (only the files an export reads); `status` running without a lock reads as interrupted. */
function runFolder(parent: string, id: string, name: string, records: object[], options: { status?: string; tail?: string } = {}): string {
  const folder = join(parent, id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'metrics.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join('') + (options.tail ?? ''));
  const { config } = parseConfigText(`name: ${name}\nmodel: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }\ndata: { train: t.txt }\n`, 'c.lab.yaml', { configDir: parent });
  writeFileSync(join(folder, 'config.json'), JSON.stringify(config));
  writeFileSync(join(folder, 'run.json'), JSON.stringify({
    id, name, config_file: join(parent, 'c.lab.yaml'), status: options.status ?? 'finished', backend: { name: 'wasm', description: 'CPU', reason: 'test' },
    versions: { losslab: '0', node: 'v20' }, started_at: '2026-01-01T00:00:00Z', finished_at: null, steps_completed: 0, total_steps: 3,
    parameters: 1, vocab_size: 1, final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null,
  }));
  return folder;
}

describe('metrics table', () => {
  it('merges evaluations by step, keeps run order, sorts steps, and lets a re-recorded step win', () => {
    const rows = metricRows([
      { runId: 'b', configName: 'beta', steps: [step(2, 1.5, 0.1), step(1, 2, 0.05), step(2, 1.25, 0.1)], evals: [{ step: 2, val_loss: 1.75 }] },
      { runId: 'a', configName: 'alpha', steps: [step(1, 3, 0.2)], evals: [{ step: 0, val_loss: 3.5 }] },
    ]);
    assert.deepEqual(rows.map((r) => [r.run_id, r.step, r.loss, r.val_loss]), [['b', 1, 2, null], ['b', 2, 1.25, 1.75], ['a', 0, null, 3.5], ['a', 1, 3, null]]);
  });

  it('writes CSV with a fixed header, empty cells for nothing recorded, and RFC 4180 quoting', () => {
    const rows = metricRows([{ runId: 'r,1', configName: 'say "hi"', steps: [step(1, 0.5, 0.001)], evals: [{ step: 1, val_loss: 0.75 }, { step: 3, val_loss: 0.25 }] }]);
    assert.equal(toCsv(rows), [
      'run_id,config_name,step,loss,val_loss,lr,grad_norm,grad_norm_clipped,tokens,tokens_per_sec,time_ms,pad_fraction',
      '"r,1","say ""hi""",1,0.5,0.75,0.001,1,1,64,1001,10,',
      '"r,1","say ""hi""",3,,0.25,,,,,,,',
      '',
    ].join('\n'));
  });

  it('writes JSONL with every column in order on every line', () => {
    const text = toJsonl(metricRows([{ runId: 'x', configName: 'c', steps: [step(1, 0.5, 0.001)], evals: [] }]));
    assert.equal(text, '{"run_id":"x","config_name":"c","step":1,"loss":0.5,"val_loss":null,"lr":0.001,"grad_norm":1,"grad_norm_clipped":1,"tokens":64,"tokens_per_sec":1001,"time_ms":10,"pad_fraction":null}\n');
    assert.deepEqual(Object.keys(JSON.parse(text)), [...METRIC_COLUMNS]);
  });
});

describe('losslab export-metrics', () => {
  const dir = tempDir();
  const first = runFolder(join(dir, 'runs'), '20260101-000000-aaaa', 'story', [
    step(1, 4.25, 0.0005), step(2, 3.5, 0.001), { step: 2, val_loss: 3.625 }, step(3, 3, 0.00075),
  ]);
  // A killed run (run.json still says running, no lock): the half-written last line of a run that was still writing is skipped.
  const second = runFolder(join(dir, 'runs'), 'crashed', 'translate', [step(1, 6.5, 0.002, { tokens: 37, pad_fraction: 0.25 })], { status: 'running', tail: '{"step":2,"lo' });

  it('exports several runs to one exact CSV', async () => {
    const out = join(dir, 'all.csv');
    const result = await runCli(['export-metrics', first, second, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /4 rows from 2 runs \(csv\)/);
    assert.equal(readFileSync(out, 'utf8'), `run_id,config_name,step,loss,val_loss,lr,grad_norm,grad_norm_clipped,tokens,tokens_per_sec,time_ms,pad_fraction
20260101-000000-aaaa,story,1,4.25,,0.0005,8.5,1,64,1001,10,
20260101-000000-aaaa,story,2,3.5,3.625,0.001,7,1,64,1002,20,
20260101-000000-aaaa,story,3,3,,0.00075,6,1,64,1003,30,
crashed,translate,1,6.5,,0.002,13,1,37,1001,10,0.25
`);
  });

  it('writes JSONL to stdout with --format jsonl', async () => {
    const result = await runCli(['export-metrics', second, '--format', 'jsonl']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n').map((l) => JSON.parse(l)), [{
      run_id: 'crashed', config_name: 'translate', step: 1, loss: 6.5, val_loss: null, lr: 0.002, grad_norm: 13, grad_norm_clipped: 1,
      tokens: 37, tokens_per_sec: 1001, time_ms: 10, pad_fraction: 0.25,
    }]);
  });

  it('names a folder that is not a run, a corrupt line, and a bad format', async () => {
    const notRun = await runCli(['export-metrics', first, dir]);
    assert.equal(notRun.code, 2);
    assert.match(notRun.stderr, /not a run folder \(it has no run\.json\)/);
    const corrupt = runFolder(join(dir, 'runs'), 'corrupt', 'c', [step(1, 1, 1)], { tail: 'oops\n{"step":3}\n' });
    const bad = await runCli(['export-metrics', corrupt]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /metrics\.jsonl:2: not a JSON record/);
    const format = await runCli(['export-metrics', first, '--format', 'xlsx']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format xlsx: expected csv or jsonl/);
  });

  it('agrees with a real training run', async () => {
    const project = tempDir();
    writeFileSync(join(project, 'story.txt'), 'the cat sat on the mat. '.repeat(30));
    writeFileSync(join(project, 't.lab.yaml'), `name: t
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
training: { steps: 4, batch_size: 2, eval_interval: 2, eval_steps: 1 }
`);
    assert.equal((await runCli(['train', join(project, 't.lab.yaml'), '--out', join(project, 'run'), '--quiet'])).code, 0);
    const result = await runCli(['export-metrics', join(project, 'run')]);
    const [header, ...lines] = result.stdout.trim().split('\n');
    assert.equal(header, METRIC_COLUMNS.join(','));
    const records = readFileSync(join(project, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const runId = JSON.parse(readFileSync(join(project, 'run', 'run.json'), 'utf8')).id;
    assert.deepEqual(lines.map((l) => l.split(',')), records.filter((r) => !('val_loss' in r)).map((r) => {
      const evaluation = records.find((e) => 'val_loss' in e && e.step === r.step);
      return [runId, 't', r.step, r.loss, evaluation?.val_loss ?? '', r.lr, r.grad_norm, r.grad_norm_clipped, r.tokens, r.tokens_per_sec, r.time_ms, r.pad_fraction].map(String);
    }));
    assert.equal(lines.filter((l) => l.split(',')[4] !== '').length, 2);
  });
});
