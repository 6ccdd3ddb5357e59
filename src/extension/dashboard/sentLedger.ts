import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import type { HostToDashboard } from '../../protocol/dashboard';
import type { RunInfo } from '../../protocol/runInfo';

/** What the webview was told about one run. */
interface SentRun {
  /** null: metrics came without the run itself being announced. */
  status: RunInfo['status'] | null;
  lastStep: number;
  lastEval: number;
}

/**
 * What the dashboard webview has been sent, per run (since its last DidSelectConfig), so that a run read from disk
 * is turned into only the messages the webview has not had: a run trained by the extension streams from the training
 * side, and reading its files afterwards must not send it twice.
 */
export class SentLedger {
  private runs = new Map<string, SentRun>();

  /** Notes a message as sent to the webview (call it for every message that goes out). */
  record(message: HostToDashboard): void {
    if (message.type === 'DidSelectConfig') {
      this.runs = new Map(message.runs.map(({ info, steps, evals }) => [info.id, { status: info.status, lastStep: lastStepOf(steps), lastEval: lastStepOf(evals) }]));
    } else if (message.type === 'DidUpdateRun') {
      this.runOf(message.info.id).status = message.info.status;
    } else if (message.type === 'DidAppendMetrics') {
      const run = this.runOf(message.runId);
      run.lastStep = Math.max(run.lastStep, lastStepOf(message.steps));
      run.lastEval = Math.max(run.lastEval, lastStepOf(message.evals));
    }
  }

  /**
   * The messages that bring the webview up to date with a run as read from disk: the run first when it is new to
   * the webview, then the steps and evals after the last ones it has, then the run again when its status changed.
   */
  unsent(info: RunInfo, steps: readonly StepMetrics[], evals: readonly EvalMetrics[]): HostToDashboard[] {
    const sent = this.runs.get(info.id);
    const announce = sent?.status === undefined || sent.status === null;
    const newSteps = steps.filter((step) => step.step > (sent?.lastStep ?? -Infinity));
    const newEvals = evals.filter((evaluation) => evaluation.step > (sent?.lastEval ?? -Infinity));
    const messages: HostToDashboard[] = [];
    if (announce) messages.push({ type: 'DidUpdateRun', info });
    if (newSteps.length > 0 || newEvals.length > 0) messages.push({ type: 'DidAppendMetrics', runId: info.id, steps: newSteps, evals: newEvals });
    if (!announce && sent.status !== info.status) messages.push({ type: 'DidUpdateRun', info });
    return messages;
  }

  private runOf(runId: string): SentRun {
    let run = this.runs.get(runId);
    if (!run) this.runs.set(runId, (run = { status: null, lastStep: -Infinity, lastEval: -Infinity }));
    return run;
  }
}

function lastStepOf(records: readonly { step: number }[]): number {
  return records.reduce((last, record) => Math.max(last, record.step), -Infinity);
}
