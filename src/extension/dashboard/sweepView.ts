// No VS Code API: the unit tests run it in Node.
import type { SweepSummary } from '../../node/sweepFolder';
import type { SweepView } from '../../protocol/dashboard';

/** sweep.json as the sweep view shows it: the trials' runs by id, the best by its run id. */
export function sweepView(summary: SweepSummary): SweepView {
  return {
    sweepId: summary.sweep_id, method: summary.method, metric: summary.metric, parameters: Object.keys(summary.parameters), status: summary.status,
    trials: summary.trials.map((trial) => ({
      index: trial.index, runId: trial.run_id || null, status: trial.status, values: trial.values, metric: trial.metric, step: trial.step,
    })),
    bestRunId: summary.best?.run_id || null, message: summary.message,
  };
}
