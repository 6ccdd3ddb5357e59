import * as vscode from 'vscode';
import type { StepMetrics } from '../../engine/train/metrics';
import { pausedByGpuFailure, type RunInfo } from '../../protocol/runInfo';
import type { TrainingEvents } from './events';
import { activeRunStatus, endedRunStatus, type StatusView } from './statusText';

/** How long the result of a finished run stays in the status bar. */
const RESULT_MS = 8000;

/** The status bar item: the oldest active run's progress while training, the result briefly after, hidden when idle. */
export function registerStatusBar(context: vscode.ExtensionContext, training: TrainingEvents): void {
  const item = vscode.window.createStatusBarItem('losslab.training', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Loss Lab Training';
  item.command = 'losslab.openDashboard';
  const latest = new Map<string, StepMetrics>();
  let hideTimer: NodeJS.Timeout | undefined;

  const show = (view: StatusView) => {
    clearTimeout(hideTimer);
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.backgroundColor = view.tone === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${view.tone}Background`);
    item.show();
  };
  const refresh = (ended?: RunInfo) => {
    const [first, ...others] = training.activeRuns();
    if (first) show(activeRunStatus(first, latest.get(first.id), others.length));
    else if (ended) {
      show(endedRunStatus(ended));
      hideTimer = setTimeout(() => item.hide(), RESULT_MS);
    }
  };

  context.subscriptions.push(
    item,
    training.onDidReceiveMetrics((event) => {
      const last = event.steps.at(-1);
      if (last) latest.set(event.runId, last);
      refresh();
    }),
    training.onDidChangeRun((info) => {
      const ended = info.status === 'finished' || info.status === 'stopped' || info.status === 'failed' || pausedByGpuFailure(info);
      if (ended) latest.delete(info.id);
      refresh(ended ? info : undefined);
    }),
    { dispose: () => clearTimeout(hideTimer) },
  );
}
