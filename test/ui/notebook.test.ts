// The notebook lab through the UI: open a .labnb, run its config cell, and read the summary the chart renderer drew.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringifyLabnb } from '../../src/extension/notebook/labnbFormat';
import { withVsCode } from './support/session';

test('run a notebook config cell and read its rendered chart summary', { timeout: 180_000 }, async (t) => {
  await withVsCode(t, { viewport: { width: 1400, height: 1000 } }, async (ui, workspace, lap) => {
    writeFileSync(join(workspace, 'lab.labnb'), stringifyLabnb({
      cells: [
        { kind: 'markdown', source: '# Tiny lesson', outputs: [] },
        { kind: 'config', source: 'extends: tiny.lab.yaml\nname: ui-tiny', outputs: [] },
      ],
    }));
    await ui.runCommand('View: Close Primary Side Bar');
    await ui.openFile('lab.labnb', { notebook: true });
    lap('notebook open');
    await ui.runCommand('Notebook: Run All');
    const output = await ui.webview('[data-testid="notebook-summary"]', 60_000);
    lap('chart output rendered');
    const summary = await output.waitForText('notebook-summary', /^finished 30\/30 steps/, 60_000);
    assert.match(summary, /^finished 30\/30 steps · final loss \d+\.\d{4} \(validation \d+\.\d{4}\) · [\d,]+ tokens\/s · backend \w+/);
    assert.match(await output.text('notebook-summary-loss') ?? '', /^Loss: train \S+ at step 30/);
    assert.match(await output.text('notebook-summary-grad-norm') ?? '', /Clip threshold 1\.000/);
    // The finished output adds the per-parameter norms of grad_norms.jsonl as the layer heatmap, with its summary.
    await output.waitForText('notebook-summary-grad-layers', /^Gradient norms by layer, ui-tiny: 16 parameters over 30 steps\. Largest pre-clip norm: \S+, \S+ at step \d+/, 30_000);
    lap('run finished');
  });
});
