import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import { RUN_FILES, RecordsTail, listRunIdsAsync, loadRunInfoIfPresent, lockState, runFile, type StoredRun } from '../../node/runFolder';
import type { RunInfo } from '../../protocol/runInfo';
import { log } from '../log';

/** At most 4 reads a second per run, however fast its files change. */
const MIN_READ_INTERVAL_MS = 250;
/** A new run folder waits this long before it counts as another process's: the extension's own runs announce themselves by then. */
const NEW_RUN_GRACE_MS = 500;
/** Polling: watchers may stay silent outside the workspace, and inside it can miss a folder created in a burst. */
const POLL_OUTSIDE_WORKSPACE_MS = 1000;
const POLL_INSIDE_WORKSPACE_MS = 2000;

/** What the follower reports to the dashboard panel. */
export interface RunStoreListener {
  /** True while the extension itself trains the run: its metrics stream from the training side, not from disk. */
  trainedHere(runId: string): boolean;
  /** A run as read from disk: its run.json and the metrics appended since the previous read of it. */
  runRead(folder: string, info: RunInfo, steps: StepMetrics[], evals: EvalMetrics[]): void;
}

interface FollowedRun {
  folder: string;
  tail: RecordsTail;
  /** When the folder was first seen (0: known from the loaded history). */
  seenAt: number;
  lastReadAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  reading: boolean;
  /** Something changed while a read was pending or under way: read again after it. */
  again: boolean;
  /** run.json's mtime and metrics.jsonl's size at the last poll. */
  stamp: string;
}

/**
 * Follows a config's runs folder on disk, so runs trained elsewhere (the CLI in a terminal, another VS Code window)
 * show up live: a file watcher on run.json and metrics.jsonl plus polling, per-run throttled reads of only the
 * appended bytes, and nothing reported for runs the extension trains itself.
 */
export class RunStoreFollower implements vscode.Disposable {
  private readonly runs = new Map<string, FollowedRun>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(private readonly folder: string, known: readonly StoredRun[], private readonly listener: RunStoreListener) {
    for (const run of known) this.runs.set(run.series.info.id, followed(run.folder, run.metricsBytes, run.metricsLines, 0));
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), `**/{${RUN_FILES.info},${RUN_FILES.metrics},${RUN_FILES.lock}}`));
    const poll = setInterval(() => void this.poll(), insideWorkspace(folder) ? POLL_INSIDE_WORKSPACE_MS : POLL_OUTSIDE_WORKSPACE_MS);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => this.fileChanged(uri)),
      watcher.onDidChange((uri) => this.fileChanged(uri)),
      { dispose: () => clearInterval(poll) },
    );
    // Runs that started or grew between the history load and now.
    void this.poll();
  }

  dispose(): void {
    this.disposed = true;
    for (const run of this.runs.values()) clearTimeout(run.timer);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private fileChanged(uri: vscode.Uri): void {
    const parts = relative(this.folder, uri.fsPath).split(sep);
    // Only <run id>/run.json, <run id>/metrics.jsonl and <run id>/run.lock.
    if (parts.length === 2 && parts[0] !== '..' && !isAbsolute(parts[0])) this.schedule(parts[0]);
  }

  private async poll(): Promise<void> {
    for (const id of await listRunIdsAsync(this.folder)) {
      const runFolder = join(this.folder, id);
      const [info, metrics, lock] = await Promise.all((['info', 'metrics', 'lock'] as const).map((key) => stat(runFile(runFolder, key)).catch(() => null)));
      if (this.disposed) return;
      // A writer killed outright changes no file: while run.lock is there, whether its process lives is in the stamp too.
      const writer = lock ? lockState(runFolder) : 'none';
      const stamp = `${info?.mtimeMs ?? ''}:${metrics?.size ?? ''}:${lock?.mtimeMs ?? ''}:${writer}`;
      const run = this.runOf(id);
      if (stamp !== run.stamp) {
        run.stamp = stamp;
        this.schedule(id);
      }
    }
  }

  private runOf(id: string): FollowedRun {
    let run = this.runs.get(id);
    if (!run) this.runs.set(id, (run = followed(join(this.folder, id), 0, 1, Date.now())));
    return run;
  }

  private schedule(id: string): void {
    if (this.disposed) return;
    const run = this.runOf(id);
    if (run.timer !== undefined || run.reading) {
      run.again = true;
      return;
    }
    const due = Math.max(run.lastReadAt + MIN_READ_INTERVAL_MS, run.seenAt + NEW_RUN_GRACE_MS);
    run.timer = setTimeout(() => void this.read(id, run), Math.max(0, due - Date.now()));
  }

  private async read(id: string, run: FollowedRun): Promise<void> {
    run.timer = undefined;
    run.reading = true;
    run.again = false;
    run.lastReadAt = Date.now();
    try {
      if (this.listener.trainedHere(id)) return;
      // run.json before metrics: when it says the run ended, the metrics read after it are complete.
      const info = await loadRunInfoIfPresent(run.folder);
      // Not a run (yet): the creation of its run.json brings it back.
      if (!info || this.disposed) return;
      const { steps, evals } = await run.tail.readMetrics();
      if (!this.disposed && !this.listener.trainedHere(id)) this.listener.runRead(run.folder, info, steps, evals);
    } catch (error) {
      log().warn(`dashboard: could not read run ${run.folder}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      run.reading = false;
      if (run.again) this.schedule(id);
    }
  }
}

function followed(folder: string, metricsBytes: number, metricsLines: number, seenAt: number): FollowedRun {
  return { folder, tail: new RecordsTail(runFile(folder, 'metrics'), metricsBytes, metricsLines + 1), seenAt, lastReadAt: 0, timer: undefined, reading: false, again: false, stamp: '' };
}

function insideWorkspace(folder: string): boolean {
  return (vscode.workspace.workspaceFolders ?? []).some(({ uri }) => {
    const path = relative(uri.fsPath, folder);
    return uri.scheme === 'file' && !path.startsWith('..') && !isAbsolute(path);
  });
}
