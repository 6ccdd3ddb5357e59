// The dashboard's test hooks (src/extension/dashboard/testHooks.ts), reached through the extension's API. Until
// LossLabApi carries `dashboardForTesting` (asked of the lead), the tests that need it are reported pending.
import type { StepMetrics } from '../../../src/engine/train/metrics';
import type { LossLabApi } from '../../../src/extension/api';
import type { DashboardTestHooks } from '../../../src/extension/dashboard/testHooks';
import type { HostToDashboard } from '../../../src/protocol/dashboard';

export type { DashboardTestHooks };

type WithHooks = LossLabApi & { dashboardForTesting?: () => DashboardTestHooks | undefined };

/** True when the API offers `dashboardForTesting()`. */
export function hasDashboardHooks(api: LossLabApi): boolean {
  return typeof (api as WithHooks).dashboardForTesting === 'function';
}

/** The open panel's hooks, or undefined when no dashboard is open. */
export function dashboardHooks(api: LossLabApi): DashboardTestHooks | undefined {
  return (api as WithHooks).dashboardForTesting?.();
}

/** The steps of `runId` the webview was sent (history + appends), deduplicated by step as the webview does. */
export function stepsSentFor(posted: readonly HostToDashboard[], runId: string): StepMetrics[] {
  const byStep = new Map<number, StepMetrics>();
  for (const message of posted) {
    const steps = message.type === 'DidSelectConfig' ? message.runs.find((run) => run.info.id === runId)?.steps ?? []
      : message.type === 'DidAppendMetrics' && message.runId === runId ? message.steps : [];
    for (const step of steps) if (!byStep.has(step.step)) byStep.set(step.step, step);
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
