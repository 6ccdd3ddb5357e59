import { poolGradNorms, toGradNormColumns } from '../../engine/train/gradNormGrid';
import { RecordsTail, runFile } from '../../node/runFolder';
import type { DidAppendGradNorms } from '../../protocol/dashboard';
import { log } from '../log';

/** A run's history is sent pooled to at most this many steps: more than the heatmap has pixels across. */
export const MAX_GRAD_NORM_STEPS = 2048;

interface FedRun {
  tail: RecordsTail;
  reading: boolean;
  /** Asked again while a read was under way: read once more after it. */
  again: boolean;
  /** Whether the first read (the history) has been sent. */
  started: boolean;
}

/**
 * Sends the dashboard each run's per-parameter gradient norms: the history first, then what grad_norms.jsonl gained
 * each time the run's metrics arrive (the writer appends a step's norms with its metrics line, so they are there by
 * then). One read per run at a time; a run asked for during a read is read once more after it.
 */
export class GradNormsFeed {
  private runs = new Map<string, FedRun>();

  constructor(private readonly post: (message: DidAppendGradNorms) => void) {}

  /** Forgets every run (the dashboard follows another config, or reloaded): the next update sends a history again. */
  reset(): void {
    this.runs = new Map();
  }

  /** Reads what the run's grad_norms.jsonl gained since the last read and sends it. */
  update(runId: string, folder: string): void {
    let run = this.runs.get(runId);
    if (!run) this.runs.set(runId, (run = { tail: new RecordsTail(runFile(folder, 'gradNorms')), reading: false, again: false, started: false }));
    if (run.reading) {
      run.again = true;
      return;
    }
    void this.read(runId, run);
  }

  private async read(runId: string, run: FedRun): Promise<void> {
    run.reading = true;
    run.again = false;
    try {
      const records = await run.tail.readGradNorms();
      // A reset while reading: this run's messages would belong to the dashboard's previous selection.
      if (this.runs.get(runId) !== run || records.length === 0) return;
      const sent = run.started ? records : poolGradNorms(records, MAX_GRAD_NORM_STEPS);
      run.started = true;
      this.post({ type: 'DidAppendGradNorms', runId, ...toGradNormColumns(sent) });
    } catch (error) {
      log().warn(`dashboard: could not read the gradient norms of run ${runId}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      run.reading = false;
      if (run.again && this.runs.get(runId) === run) void this.read(runId, run);
    }
  }
}
