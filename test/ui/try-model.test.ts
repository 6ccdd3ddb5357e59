// Try Model in the real workbench: train the tiny config, open the panel from the palette, generate greedily.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { withVsCode } from './support/session';

test('Try Model: the panel loads the run\'s ONNX model and continues a typed prompt', { timeout: 240_000 }, async (t) => {
  await withVsCode(t, { settings: { 'losslab.openDashboardOnTrain': false } }, async (ui, _workspace, lap) => {
    await ui.openFile('tiny.lab.yaml');
    await ui.runCommand('Loss Lab: Train');
    // The tiny run takes a few seconds; Try Model offers only runs that have trained a step.
    await ui.page.waitForTimeout(8000);
    lap('trained');
    await ui.runCommand('Loss Lab: Try Model');
    const panel = await ui.webview('[data-testid="try-generate"]', 60_000);
    assert.match(await panel.waitForText('try-model', /^gpt, context 16, trained 30 steps/, 60_000), /onnxruntime-web/);
    lap('model loaded');
    await panel.click('try-greedy');
    await panel.click('try-prompt');
    await ui.page.keyboard.type('Once ');
    await panel.click('try-generate');
    const status = await panel.waitForText('try-status', /^Done: \d+ tokens/, 60_000);
    assert.match(status, /^Done: 200 tokens/);
    const output = await panel.text('try-output') ?? '';
    assert.ok(output.startsWith('Once ') && output.length > 100, output);
    lap('generated');
  });
});
