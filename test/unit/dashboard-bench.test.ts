import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDashboardBench } from '../../bench/dashboard/measure';
import { summarizeDashboardBench } from '../../bench/dashboard/summary';

// `npm run bench:dashboard` on a tiny data set, so the bench cannot rot: the real bundle (dist/, built first) in
// Chromium draws the runs, answers the pointer and the smoothing slider, and every figure comes back finite. No timing
// is asserted: speed goals live in the bench.
describe('bench:dashboard', () => {
  it('drives the real dashboard in Chromium and reports finite figures (2 runs × 1000 steps)', { timeout: 120_000 }, async () => {
    const result = await runDashboardBench({ runs: 2, steps: 1000, hoverMs: 400, toggles: 2 });
    const { firstRender, hover, smoothing } = result;
    for (const [name, value] of Object.entries(firstRender)) assert.ok(Number.isFinite(value) && value >= 0, `firstRender.${name} = ${value}`);
    assert.ok(firstRender.firstRenderMs >= firstRender.drawStartMs + firstRender.drawMs, 'the first frame follows the draw');
    assert.ok(firstRender.lossPixelsDrawn > 1000, `the loss chart has lines on it (${firstRender.lossPixelsDrawn} pixels drawn)`);
    assert.ok(hover.mouseMoves > 0 && hover.frameMs.length > 0, `hover: ${hover.mouseMoves} moves, ${hover.frameMs.length} frames`);
    assert.equal(hover.readoutsShown, 4, 'every chart shows its readout under the linked crosshair');
    assert.equal(smoothing.redrawMs.length, 2);
    assert.ok(smoothing.redrawMs.every((ms) => Number.isFinite(ms) && ms > 0), `smoothing redraws ${smoothing.redrawMs}`);
    const summary = summarizeDashboardBench(result, [0, 0, 0]);
    for (const [name, value] of Object.entries(summary)) {
      if (typeof value === 'number') assert.ok(Number.isFinite(value), `summary.${name} = ${value}`);
    }
    assert.equal(typeof summary.firstRenderPass, 'boolean');
    assert.equal(typeof summary.hoverPass, 'boolean');
  });
});
