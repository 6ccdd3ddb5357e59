// Starting runs through the real `losslab.train` command and checking what they left on disk.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StepMetrics } from '../../../src/engine/train/metrics';
import type { LossLabApi } from '../../../src/extension/api';
import { EXTENSION_ID, workspaceFile } from './lossLab';

/** What `losslab.train` resolves with. */
export interface StartedRun {
  runId: string;
  folder: string;
}

/** Runs `losslab.train` on a fixture config, as the editor's ▶ button does; fails the test if no run started. */
export async function trainFixture(configName: string): Promise<StartedRun> {
  const run = await vscode.commands.executeCommand<StartedRun | undefined>('losslab.train', workspaceFile(configName));
  assert.ok(run && typeof run.runId === 'string' && typeof run.folder === 'string', `losslab.train ${configName} started no run`);
  return run;
}

/**
 * Stops every run a test left running or paused (one that failed midway), so the next test's Train of the same
 * config is not refused; a no-op while the extension is not active.
 */
export async function stopLeftoverRuns(): Promise<void> {
  const extension = vscode.extensions.getExtension<LossLabApi>(EXTENSION_ID);
  if (!extension?.isActive) return;
  const api = extension.exports;
  for (const run of api.training.activeRuns()) {
    await vscode.commands.executeCommand('losslab.stop', run.id);
    await api.whenRunEnds(run.id);
  }
}

/** Steps must be 1, 2, …, n with nothing missing or repeated. */
export function assertContiguous(steps: readonly StepMetrics[], what: string): void {
  const numbers = steps.map((s) => s.step);
  assert.deepEqual(numbers, numbers.map((_, i) => i + 1), `${what}: steps are not 1..${numbers.length}`);
}
