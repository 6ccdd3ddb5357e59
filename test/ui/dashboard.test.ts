// The customer's path through the UI, in one VS Code session: open a config, train from the palette, watch the
// dashboard fill, edit the warm-up and see the previewed schedule follow, close and reopen the dashboard mid-run,
// send it hostile messages, stop. Saves the README's screenshot with LOSSLAB_UPDATE_SCREENSHOT=1.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { VsCodeUi, WebviewFrame } from '../../tools/vscode-test/lib/ui.mjs';
import { lineContaining, screenshotPath, withVsCode } from './support/session';

const CONFIG = 'demo.lab.yaml';
const DASHBOARD = '[data-testid="summary-loss"]';

/** The step number of a text summary ("… at step 120 …"), or 0. */
function latestStep(summary: string): number {
  return Number(/at step (\d+)/.exec(summary)?.[1] ?? 0);
}

/** The run id and step of the run-status line "Training run <id>: step N of M.", or null when not training. */
function training(status: string): { runId: string; step: number } | null {
  const match = /^Training run (\S+): step (\d+) of \d+/.exec(status);
  return match ? { runId: match[1], step: Number(match[2]) } : null;
}

async function trainingRun(dashboard: WebviewFrame): Promise<{ runId: string; step: number }> {
  return training(await dashboard.waitForText('run-status', (text) => training(text) !== null)) as { runId: string; step: number };
}

/** Sends each message through the webview's channel, then checks after 2 s that the run trains on, unharmed. */
async function assertIgnored(ui: VsCodeUi, messages: unknown[], runId: string): Promise<void> {
  const dashboard = await ui.webview(DASHBOARD);
  const before = await trainingRun(dashboard);
  for (const message of messages) await dashboard.postToHost(message);
  await ui.page.waitForTimeout(2000);
  const after = await trainingRun(dashboard);
  assert.equal(after.runId, runId, 'another run started');
  assert.ok(after.step > before.step, `the run stopped advancing (step ${before.step} → ${after.step})`);
}

/**
 * Runs Open Dashboard until the panel shows. The extension host learns that a closed panel was disposed a moment after
 * the workbench drops it; a command that lands in between reveals the dead panel, as it would for a user's quick re-run.
 */
async function reopenDashboard(ui: VsCodeUi): Promise<WebviewFrame> {
  for (let attempt = 1; ; attempt++) {
    await ui.runCommand('Loss Lab: Open Dashboard');
    try {
      return await ui.webview(DASHBOARD, 30_000);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

test('train from the palette, watch the dashboard, edit the warm-up, reopen it, stop', { timeout: 300_000 }, async (t) => {
  await withVsCode(t, { viewport: { width: 1600, height: 1000 } }, async (ui, workspace, lap) => {
    const configFile = join(workspace, CONFIG);
    const totalSteps = Number(/^ {2}steps: (\d+)$/m.exec(readFileSync(configFile, 'utf8'))?.[1]);
    let runId = '';

    await t.test('Train from the palette opens the dashboard and its charts fill', async () => {
      await ui.runCommand('View: Close Primary Side Bar');
      await ui.openFile(CONFIG);
      await ui.runCommand('Loss Lab: Train');
      const dashboard = await ui.webview(DASHBOARD, 60_000);
      lap('dashboard open');
      runId = (await trainingRun(dashboard)).runId;
      await dashboard.waitForText('summary-loss', /^Loss: train \S+ at step \d+/, 60_000);
      await dashboard.waitForText('summary-lr', /^Learning rate: \S+ at step \d+/);
      await dashboard.waitForText('summary-grad-norm', /^Gradient norm: before clipping \S+ at step \d+.*after clipping/);
      await dashboard.waitForText('summary-throughput', /^Tokens\/s: \S+ at step \d+/);
      // The layer chart's summary names the largest per-parameter norm, read from grad_norms.jsonl as the run writes it.
      await dashboard.waitForText('summary-grad-layers', new RegExp(`^Gradient norms by layer, run ${runId}: 28 parameters over \\d+ steps?\\. Largest pre-clip norm: transformer\\.\\S+, \\S+ at step \\d+ — \\S+× the median parameter norm at that step`));
      assert.match(await dashboard.text('backend-note') ?? '', /^Backend: CPU/);
      lap('charts filling');
    });

    await t.test('a screenshot of the dashboard during the run', async () => {
      const dashboard = await ui.webview(DASHBOARD);
      const summary = await dashboard.waitForText('summary-loss', (text) => latestStep(text) >= 100, 120_000);
      assert.match(summary, /validation \S+ at step \d+/, 'evaluations (every 25 steps) show in the loss summary');
      const shot = screenshotPath('dashboard.png');
      await ui.screenshot(shot);
      t.diagnostic(`screenshot: ${shot}`);
    });

    await t.test('the previewed schedule follows the warm-up as it is typed', async () => {
      const dashboard = await ui.webview(DASHBOARD);
      await dashboard.waitForText('summary-lr', new RegExp(`Previewed schedule over ${totalSteps} steps: peak \\S+ at step 40\\b`));
      await ui.replaceLine(lineContaining(configFile, 'warmup_steps: 40'), 'warmup_steps: 100');
      await dashboard.waitForText('summary-lr', new RegExp(`Previewed schedule over ${totalSteps} steps: peak \\S+ at step 100\\b`), 15_000);
      lap('schedule preview followed the edit');
    });

    await t.test('closing and reopening the dashboard mid-run brings back the whole history', async () => {
      const before = latestStep(await (await ui.webview(DASHBOARD)).text('summary-loss') ?? '');
      await ui.closeTab('Loss Lab: demo');
      await ui.waitForNoWebview(DASHBOARD);
      const dashboard = await reopenDashboard(ui);
      const summary = await dashboard.waitForText('summary-loss', (text) => latestStep(text) >= before, 60_000);
      // The evaluations before the reopening come from the run folder, not from live messages.
      assert.ok(Number(/validation \S+ at step (\d+)/.exec(summary)?.[1]) >= 25, `no earlier evaluation in "${summary}"`);
      assert.equal((await trainingRun(dashboard)).runId, runId);
      lap('dashboard reopened');
    });

    await t.test('malformed and hostile messages from the webview are rejected', async () => {
      await assertIgnored(ui, [
        null, 'StopTraining', ['StopTraining', runId], 42,
        { type: 'StopTraining', runId, extra: true },
        { type: 'StopTraining', runId: 42 },
        { type: 'StopTraining', runId: '../../../etc/passwd' },
        { type: 'StopTraining', runId: runId.repeat(20) },
        { type: 'StopTraining', runId: 'some-other-run' },
        { type: 'StopTraining' },
        { type: 'stoptraining', runId },
        { type: 'OpenConfigDiff', runA: '/etc/passwd', runB: runId },
        { type: 'SaveChartImage', chart: 'loss', dataUrl: 'javascript:alert(1)' },
        { type: 'Train', configFile: '/etc/passwd' },
      ], runId);
    });

    await t.test('Stop from the palette stops the run', async () => {
      const dashboard = await ui.webview(DASHBOARD);
      const { step } = await trainingRun(dashboard);
      assert.ok(step < totalSteps, `the run ended (step ${step}) before it could be stopped`);
      await ui.runCommand('Loss Lab: Stop Training');
      await dashboard.waitForText('run-status', new RegExp(`^Run ${runId} stopped at step \\d+`), 10_000);
      assert.equal(existsSync(join(workspace, '.losslab', 'runs', 'demo', runId, 'metrics.jsonl')), true);
      lap('stopped');
    });

    await t.test('well-formed messages through the same channel do work (the rejections above are real)', async () => {
      const dashboard = await ui.webview(DASHBOARD);
      await dashboard.postToHost({ type: 'Train' });
      const next = await trainingRun(dashboard);
      assert.notEqual(next.runId, runId);
      await dashboard.postToHost({ type: 'StopTraining', runId: next.runId });
      await dashboard.waitForText('run-status', new RegExp(`^Run ${next.runId} stopped`), 10_000);
    });
  });
});
