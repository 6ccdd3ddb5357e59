import { stat } from 'node:fs/promises';
import type * as vscode from 'vscode';
import { latestSweep, readSweep, sweepFile } from '../../node/sweepFolder';
import type { SweepView } from '../../protocol/dashboard';
import { log } from '../log';
import { sweepView } from './sweepView';

/** How often the sweeps folder is looked at: a sweep rewrites sweep.json after every trial change. */
const POLL_MS = 1000;

/**
 * Follows a config's newest sweep for the dashboard: reads its sweep.json through the sweep folder's owner when the
 * file changes (or a newer sweep starts) and reports the view; null when the config has no sweep.
 */
export class SweepFollower implements vscode.Disposable {
  private stamp: string | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private disposed = false;
  private polling = false;

  constructor(private readonly configFile: string, private readonly configName: string, private readonly report: (sweep: SweepView | null) => void) {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    void this.poll();
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const folder = latestSweep(this.configFile, this.configName);
      const info = folder ? await stat(sweepFile(folder, 'summary')).catch(() => null) : null;
      const stamp = folder && info ? `${folder}:${info.mtimeMs}:${info.size}` : '';
      if (this.disposed || stamp === this.stamp) return;
      const view = folder && info ? sweepView(readSweep(folder)) : null;
      // Set after the read: a sweep.json that could not be read is tried again on the next poll.
      this.stamp = stamp;
      this.report(view);
    } catch (error) {
      log().warn(`dashboard: could not read the sweep of ${this.configName}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.polling = false;
    }
  }
}
