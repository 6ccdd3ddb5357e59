import { RunLines, type ChartKind, type SeriesSettings } from '../charts/series';
import type { SmoothingCache } from '../charts/smoothingCache';
import { gradientNormSummary, learningRateSummary, lossSummary, runLatest, throughputSummary } from '../charts/summary';
import type { DashboardModel, DashboardRun } from './model';
import { backendText, meanPadding, runStatusText } from './status';

/** Everything the dashboard says in words: the header's two lines and each chart's summary. */
export interface DashboardText {
  status: string;
  backend: string;
  summaries: Record<ChartKind, string>;
  /** The newest run is training: its words change with every metrics batch, so screen readers should wait for the end. */
  busy: boolean;
}

/**
 * The dashboard's words from the metrics it holds (not only from run.json, which is saved at most once a second), so
 * they say the same step as the charts drawn from the same `lines` (visible runs, oldest first).
 */
export function dashboardText(model: DashboardModel, lines: ReadonlyMap<string, RunLines>): DashboardText {
  const latest = [...lines.entries()].reverse().map(([runId, runLines]) => runLatest(`run ${runId}`, runLines, padding(model, runId)));
  const schedule = model.schedule;
  const newest = model.latest;
  return {
    status: runStatusText(model.configFile, newest?.info ?? null, newest?.lastStep ?? 0),
    backend: backendText(newest?.info ?? null, model.backendNote),
    summaries: {
      loss: lossSummary(latest),
      lr: learningRateSummary(latest, schedule),
      'grad-norm': gradientNormSummary(latest, schedule?.gradClip ?? null),
      throughput: throughputSummary(latest),
    },
    busy: newest?.info.status === 'running',
  };
}

function padding(model: DashboardModel, runId: string): number | null {
  const run = model.run(runId);
  return run ? meanPadding(run.steps) : null;
}

/** The note over an empty chart. */
export function emptyChartText(model: DashboardModel, visibleRuns: number): string {
  if (!model.configFile) return 'No config selected.';
  if (model.runs.length > 0 && visibleRuns === 0) return 'Every run is hidden: turn one on in the run list.';
  return 'No steps yet: press Train to start a run.';
}

/** Each visible run's lines, built from its history (smoothed values read from `cache` where it holds them). */
export function visibleRunLines(runs: readonly DashboardRun[], hidden: readonly string[], settings: SeriesSettings, cache: SmoothingCache): Map<string, RunLines> {
  const visible = new Map<string, RunLines>();
  for (const run of runs) {
    if (hidden.includes(run.info.id)) continue;
    const lines = new RunLines(run.info.id, settings, cache);
    lines.appendSteps(run.steps);
    lines.appendEvals(run.evals);
    visible.set(run.info.id, lines);
  }
  return visible;
}
