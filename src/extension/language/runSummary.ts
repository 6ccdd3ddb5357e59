import { join } from 'node:path';
import { RunFolderError, listRunIds, readRunInfo, runsFolderFor } from '../../node/runFolder';
import type { RunInfo } from '../../protocol/runInfo';

/** How many of the newest run folders are tried before giving up (a run being created has no run.json yet). */
const NEWEST_TRIED = 5;

/** A run's one-line summary for the CodeLens, and the details for its tooltip. */
export interface RunSummary {
  title: string;
  tooltip: string;
}

/**
 * The newest run of a config whose run.json can be read, or undefined. Runs live in `.losslab/runs/<name>/` beside
 * the config, or in `<runFolder>/<name>/` (relative to the config's folder) when the losslab.runFolder setting is set.
 */
export function readLastRun(configFile: string, configName: string, runFolder = ''): RunInfo | undefined {
  const folder = runsFolderFor(configFile, configName, runFolder);
  for (const id of listRunIds(folder).slice(-NEWEST_TRIED).reverse()) {
    try {
      return readRunInfo(join(folder, id));
    } catch (error) {
      // A run being created, hand-edited or foreign must not break the editor: the next older run speaks instead.
      if (!(error instanceof RunFolderError)) throw error;
    }
  }
  return undefined;
}

/** "last run: finished · loss 1.234 · 3 min ago", with the run's id, backend, steps and message in the tooltip. */
export function summarizeRun(info: RunInfo, now: Date): RunSummary {
  const parts = [`last run: ${statusPhrase(info)}`];
  if (Number.isFinite(info.final_loss) && info.status !== 'running' && info.status !== 'failed') parts.push(`loss ${Number(info.final_loss).toFixed(3)}`);
  parts.push(info.status === 'running' ? `started ${timeAgo(info.started_at, now)}` : timeAgo(info.finished_at ?? info.started_at, now));
  const details = [
    `Run ${info.id} (${info.backend.name})`,
    `${info.steps_completed}/${info.total_steps} steps`,
    info.final_loss === null ? undefined : `loss ${info.final_loss.toFixed(4)}`,
    info.final_val_loss === null ? undefined : `val loss ${info.final_val_loss.toFixed(4)}`,
    info.message ?? undefined,
  ];
  return { title: parts.filter((part) => part !== '').join(' · '), tooltip: details.filter((detail) => detail !== undefined).join(' · ') };
}

/** A coarse age: "just now", "3 min ago", "2 h ago", "4 d ago" ("" for an unreadable date). */
export function timeAgo(iso: string, now: Date): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, (now.getTime() - then) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

function statusPhrase(info: RunInfo): string {
  if (info.status === 'stopped' || info.status === 'paused' || info.status === 'interrupted') return `${info.status} at step ${info.steps_completed}/${info.total_steps}`;
  return info.status;
}
