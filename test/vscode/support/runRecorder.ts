// Records what the training side announces (run changes and metrics) from before a run starts, so no event is missed.
import type * as vscode from 'vscode';
import type { EvalMetrics, StepMetrics } from '../../../src/engine/train/metrics';
import type { LossLabApi } from '../../../src/extension/api';
import type { RunInfo } from '../../../src/protocol/runInfo';
import { waitUntil } from './lossLab';

/** Every RunInfo change and every metric the extension announced, per run, in arrival order. */
export class RunRecorder implements vscode.Disposable {
  readonly changes: RunInfo[] = [];
  private readonly steps = new Map<string, StepMetrics[]>();
  private readonly evals = new Map<string, EvalMetrics[]>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(api: LossLabApi) {
    this.subscriptions = [
      api.training.onDidChangeRun((info) => this.changes.push(info)),
      api.training.onDidReceiveMetrics((event) => {
        this.stepsOf(event.runId).push(...event.steps);
        this.evalsOf(event.runId).push(...event.evals);
      }),
    ];
  }

  stepsOf(runId: string): StepMetrics[] {
    let list = this.steps.get(runId);
    if (!list) this.steps.set(runId, (list = []));
    return list;
  }

  evalsOf(runId: string): EvalMetrics[] {
    let list = this.evals.get(runId);
    if (!list) this.evals.set(runId, (list = []));
    return list;
  }

  /** The first change of `runId` to `status`, waiting for it if it has not come yet. */
  async status(runId: string, status: RunInfo['status'], timeoutMs = 30_000): Promise<RunInfo> {
    const find = () => this.changes.find((info) => info.id === runId && info.status === status);
    await waitUntil(`run ${runId} to be ${status} (seen: ${this.changes.filter((c) => c.id === runId).map((c) => c.status).join(', ') || 'nothing'})`, () => find() !== undefined, timeoutMs);
    return find() as RunInfo;
  }

  /** Waits until `count` steps of `runId` have been announced. */
  async waitForSteps(runId: string, count: number, timeoutMs = 30_000): Promise<void> {
    await waitUntil(`${count} steps of run ${runId}`, () => this.stepsOf(runId).length >= count, timeoutMs);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
