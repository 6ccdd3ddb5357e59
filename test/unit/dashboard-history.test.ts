import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dashboardHtml } from '../../src/extension/dashboard/html';
import { RunFolderError, loadRunHistory, parseMetrics, runsFolderFor } from '../../src/node/runFolder';

const runJson = (id: string) => JSON.stringify({
  id, name: 'story', config_file: '/lab/story.lab.yaml', status: 'running', backend: { name: 'cpu', description: 'CPU', reason: 'auto' },
  versions: { losslab: '0', node: 'v20' }, started_at: '', finished_at: null, steps_completed: 0, total_steps: 10,
  parameters: 1, vocab_size: 1, final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null,
});
const stepLine = (n: number) => JSON.stringify({ step: n, loss: 2, lr: 0.1, grad_norm: 1, grad_norm_clipped: 1, tokens: 8, tokens_per_sec: 100, time_ms: n });

describe('run history for the dashboard', () => {
  it('finds runs where the training side writes them', () => {
    assert.equal(runsFolderFor(join('/lab', 'story.lab.yaml'), 'story', ''), join('/lab', '.losslab', 'runs', 'story'));
    assert.equal(runsFolderFor(join('/lab', 'story.lab.yaml'), 'story', ' out/runs '), join('/lab', 'out', 'runs', 'story'));
    assert.equal(runsFolderFor(join('/lab', 'story.lab.yaml'), 'story', join('/elsewhere', 'runs')), join('/elsewhere', 'runs', 'story'));
  });

  it('loads every run oldest first with its whole history, skipping folders that are not runs', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'losslab-history-'));
    for (const id of ['20261129-000002-bbbb', '20261129-000001-aaaa']) {
      mkdirSync(join(folder, id));
      writeFileSync(join(folder, id, 'run.json'), runJson(id));
    }
    writeFileSync(join(folder, '20261129-000001-aaaa', 'metrics.jsonl'), `${stepLine(1)}\n${JSON.stringify({ step: 1, val_loss: 2.5 })}\n${stepLine(2)}\n{"step":3,"lo`);
    mkdirSync(join(folder, 'not-a-run'));
    writeFileSync(join(folder, 'stray.txt'), 'x');
    const problems: RunFolderError[] = [];
    const runs = await loadRunHistory(folder, (problem) => problems.push(problem));
    assert.deepEqual(problems.map((p) => p.message), [`${join(folder, 'not-a-run', 'run.json')}: no such file`]);
    assert.deepEqual(runs.map((r) => r.series.info.id), ['20261129-000001-aaaa', '20261129-000002-bbbb']);
    assert.equal(runs[0].folder, join(folder, '20261129-000001-aaaa'));
    assert.deepEqual(runs[0].series.steps.map((s) => s.step), [1, 2]);
    assert.deepEqual(runs[0].series.evals, [{ step: 1, val_loss: 2.5 }]);
    assert.deepEqual(runs[1].series.steps, []);
    assert.deepEqual(await loadRunHistory(join(folder, 'missing')), []);
  });

  it('skips only a torn last line: any other line that is not a metrics record is an error naming file:line', () => {
    const { steps, evals } = parseMetrics(`${stepLine(1)}\n\n${stepLine(2)}\n{"step":3,"lo`, 'm.jsonl');
    assert.deepEqual(steps.map((s) => s.step), [1, 2]);
    assert.deepEqual(evals, []);
    for (const [bad, message] of [
      ['[1]', /^m\.jsonl:2: not a valid step record: the record must be object/],
      ['"text"', /^m\.jsonl:2: not a valid step record/],
      ['{"loss":1}', /^m\.jsonl:2: not a valid step record: field step is missing/],
      ['not json', /^m\.jsonl:2: not a JSON record/],
      [stepLine(2).replace('"loss":', '"loss":"x","was":'), /^m\.jsonl:2: not a valid step record: field loss must be number \(it is "x"\)/],
    ] as const) {
      assert.throws(() => parseMetrics(`${stepLine(1)}\n${bad}\n${stepLine(3)}\n`, 'm.jsonl'), (error: Error) => error instanceof RunFolderError && message.test(error.message), bad);
    }
  });
});

describe('dashboard page', () => {
  const page = dashboardHtml({ cspSource: 'https://file+.vscode-resource.example', scriptUri: 'https://r.example/dist/webview/dashboard.js', styleUri: 'https://r.example/dist/webview/dashboard.css', defaultSmoothing: 0.6, focusChart: null }, 'Tk9OQ0U=');

  it('has a strict Content Security Policy with a nonce', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(page)?.[1]?.replace(/&#39;/g, "'");
    assert.equal(csp, "default-src 'none'; img-src https://file+.vscode-resource.example data:; style-src https://file+.vscode-resource.example 'nonce-Tk9OQ0U='; script-src 'nonce-Tk9OQ0U='; font-src https://file+.vscode-resource.example");
    assert.match(page, /<script nonce="Tk9OQ0U=" src="https:\/\/r\.example\/dist\/webview\/dashboard\.js"><\/script>/);
    assert.equal((page.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(page, /style="/);
    assert.match(page, /data-default-smoothing="0.6"/);
    assert.doesNotMatch(page, /data-focus-chart/);
  });

  it('asks for a chart to be focused with a fresh token each time', () => {
    const options = { cspSource: 'x', scriptUri: 's', styleUri: 'c', defaultSmoothing: 0, focusChart: 'lr' };
    const token = (html: string) => /data-focus-token="([0-9a-f]+)"/.exec(html)?.[1];
    const first = dashboardHtml(options);
    assert.match(first, /data-focus-chart="lr"/);
    assert.notEqual(token(first), undefined);
    assert.notEqual(token(first), token(dashboardHtml(options)));
    assert.match(dashboardHtml({ ...options, focusChart: '"><script>' }), /data-focus-chart="&quot;&gt;&lt;script&gt;"/);
  });
});
