// The sweep view through the UI: a real sweep trained by `losslab sweep` (6 trials of the tiny config), the dashboard
// on its config: read the table, sort it, focus a trial, open its config diff against the best and read the diff.
// Saves the README's sweep screenshot with LOSSLAB_UPDATE_SCREENSHOT=1.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatNorm } from '../../src/engine/train/gradNormGrid';
import { ROOT, screenshotPath, withVsCode } from './support/session';

const CONFIG = 'sweep.lab.yaml';
const SWEEP_BLOCK = `
sweep:
  method: grid
  metric: val_loss
  parameters:
    optimizer.lr: [0.001, 0.01, 0.1]
    schedule.warmup_steps: [0, 5]
`;

interface Trial {
  index: number;
  run_id: string;
  values: { 'optimizer.lr': number; 'schedule.warmup_steps': number };
  metric: number;
  status: string;
}

/** The table's number format (formatValue): four significant digits. */
const four = (value: number) => value.toPrecision(4);

test('the sweep view of a real sweep: its table, sorting, a focused trial and its config diff against the best', { timeout: 300_000 }, async (t) => {
  // Side by side even in half the window: VS Code would otherwise show the diff inline, with the original lines in view zones.
  const settings = { 'diffEditor.renderSideBySide': true, 'diffEditor.useInlineViewWhenSpaceIsLimited': false };
  await withVsCode(t, { viewport: { width: 1600, height: 1000 }, settings }, async (ui, workspace, lap) => {
    writeFileSync(join(workspace, CONFIG), readFileSync(join(workspace, 'tiny.lab.yaml'), 'utf8').replace(/^name: tiny$/m, 'name: tiny-sweep') + SWEEP_BLOCK);
    await ui.runCommand('View: Close Primary Side Bar');
    await ui.openFile(CONFIG);
    await ui.runCommand('Loss Lab: Open Dashboard');
    const dashboard = await ui.webview('[data-testid="sweep-view"]', 60_000);
    lap('dashboard open, no sweep yet');

    // The sweep trains while the dashboard is open: the view follows sweep.json as the CLI rewrites it.
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'sweep', CONFIG], { cwd: workspace, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await dashboard.waitForText('sweep-status', /\(grid, running\): 6 trials over optimizer\.lr, schedule\.warmup_steps — .*\b1 running\b/, 60_000);
    lap('sweep shown while it runs');
    assert.equal(await exited, 0, stderr);
    const sweeps = join(workspace, '.losslab', 'sweeps', 'tiny-sweep');
    const summary = JSON.parse(readFileSync(join(sweeps, readdirSync(sweeps)[0], 'sweep.json'), 'utf8')) as { sweep_id: string; trials: Trial[]; best: { run_id: string } };
    const byMetric = [...summary.trials].sort((a, b) => a.metric - b.metric);
    const best = byMetric[0];
    const worst = byMetric[byMetric.length - 1];
    assert.equal(summary.best.run_id, best.run_id);
    lap('sweep trained by the CLI');

    await t.test('the status line and the table, sorted by the metric, say what sweep.json says', async () => {
      const status = await dashboard.waitForText('sweep-status', /\(grid, finished\).*\b6 finished\b/, 15_000);
      assert.equal(status, `Sweep ${summary.sweep_id} (grid, finished): 6 trials over optimizer.lr, schedule.warmup_steps — 6 finished. `
        + `Best val_loss ${four(best.metric)}: trial ${best.index + 1} (optimizer.lr ${best.values['optimizer.lr']}, schedule.warmup_steps ${best.values['schedule.warmup_steps']}).`);
      const rows = await dashboard.texts('[data-testid="sweep-table"] tbody tr');
      assert.deepEqual(rows, byMetric.map((trial) => `${trial.index + 1}finished${trial === best ? ' (best)' : ''}${trial.values['optimizer.lr']}${trial.values['schedule.warmup_steps']}${four(trial.metric)}`));
      // The learning rates span two decades: a log axis, on the scatter and on the parallel coordinates.
      assert.deepEqual(await dashboard.texts('[data-testid="sweep-scatter"] .axis-title'), ['optimizer.lr (log)', 'schedule.warmup_steps']);
      assert.deepEqual(await dashboard.texts('[data-testid="sweep-parallel"] .axis-title'), ['optimizer.lr (log)', 'schedule.warmup_steps', 'val_loss']);
    });

    await t.test('sorting by a swept key, then by the metric descending', async () => {
      await dashboard.click('sweep-sort-optimizer.lr');
      const lrs = (await dashboard.texts('[data-testid="sweep-table"] tbody tr td:nth-child(3)')).map(Number);
      assert.deepEqual(lrs, [0.001, 0.001, 0.01, 0.01, 0.1, 0.1]);
      await dashboard.click('sweep-sort-val_loss');
      await dashboard.click('sweep-sort-val_loss');
      const metrics = await dashboard.texts('[data-testid="sweep-table"] tbody tr td:last-child');
      assert.deepEqual(metrics, [...byMetric].reverse().map((trial) => four(trial.metric)));
    });

    await t.test('clicking a trial focuses it; a screenshot of the sweep view', async () => {
      await dashboard.click(`sweep-trial-${worst.index + 1}`);
      const focus = await dashboard.waitForText('sweep-focus', /^Focused:/);
      assert.equal(focus, `Focused: trial ${worst.index + 1} — optimizer.lr ${worst.values['optimizer.lr']}, schedule.warmup_steps ${worst.values['schedule.warmup_steps']}; `
        + `val_loss ${four(worst.metric)} (${(worst.metric - best.metric).toPrecision(4)} from the best, trial ${best.index + 1}).`);
      await dashboard.scrollTo('sweep-view');
      const shot = screenshotPath('sweep.png');
      await ui.screenshot(shot);
      t.diagnostic(`screenshot: ${shot}`);
    });

    await t.test('the gradient norms by layer of the newest trial: its summary, and the norm under the pointer', async () => {
      const newest = summary.trials[summary.trials.length - 1];
      const norms = readFileSync(join(workspace, '.losslab', 'runs', 'tiny-sweep', newest.run_id, 'grad_norms.jsonl'), 'utf8').trim().split('\n')
        .map((line) => JSON.parse(line) as { step: number; norms: Record<string, number> });
      await dashboard.waitForText('summary-grad-layers', new RegExp(`^Gradient norms by layer, run ${newest.run_id}: 16 parameters over 30 steps\\. Largest pre-clip norm: `));
      await dashboard.scrollTo('summary-grad-layers');
      // The first row (transformer.wte.weight) in the first column (step 1): left of the plot are 222 px of labels.
      await dashboard.hover('heatmap-grad-layers', { x: 225, y: 10 });
      const readout = await dashboard.waitForText('readout-grad-layers', /^transformer\.wte\.weightstep /, 5000);
      assert.equal(readout, `transformer.wte.weightstep 1${formatNorm(norms[0].norms['transformer.wte.weight'])}`);
    });

    await t.test("'Open config diff against the best' opens VS Code's diff of the two runs' resolved configs", async () => {
      await dashboard.click('sweep-diff');
      const label = `${worst.run_id} ↔ ${best.run_id}`;
      for (let tries = 0; !(await ui.tabLabels()).includes(label); tries++) {
        assert.ok(tries < 40, `the diff editor did not open (tabs: ${(await ui.tabLabels()).join(', ')})`);
        await ui.page.waitForTimeout(250);
      }
      const line = (lines: string[], key: string) => lines.find((text) => text.trim().startsWith(`"${key}":`))?.trim();
      // The diff editor fills its two sides and scrolls to the first change a moment after its tab appears.
      let { original, modified } = await ui.diffEditorLines();
      for (let tries = 0; !(line(original, 'lr') && line(modified, 'lr') && line(original, 'warmup_steps')) && tries < 40; tries++) {
        await ui.page.waitForTimeout(250);
        ({ original, modified } = await ui.diffEditorLines());
      }
      assert.equal(line(original, 'lr'), `"lr": ${worst.values['optimizer.lr']},`);
      assert.equal(line(modified, 'lr'), `"lr": ${best.values['optimizer.lr']},`);
      assert.equal(line(original, 'warmup_steps'), `"warmup_steps": ${worst.values['schedule.warmup_steps']},`);
      assert.equal(line(modified, 'warmup_steps'), `"warmup_steps": ${best.values['schedule.warmup_steps']},`);
      lap('config diff read');
    });
  });
});
