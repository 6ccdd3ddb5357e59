import { open } from 'node:fs/promises';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import { completeLinesLength, parseMetricsLines } from './runHistory';

/** The records a read of metrics.jsonl found past the previous read. */
export interface MetricsAppended {
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/**
 * Follows a growing metrics.jsonl: each read returns only the complete lines appended since the last one, kept
 * track of by byte offset, so a run of any length costs only its new bytes. A half-written last line waits for the
 * next read. A file shorter than the offset was rewritten (a resume drops the steps after its checkpoint), so it is
 * read again from the start; whoever sends the records drops the steps it already sent.
 */
export class MetricsTail {
  constructor(readonly file: string, private offset = 0) {}

  /** Bytes of the file consumed so far (complete lines only). */
  get bytesRead(): number {
    return this.offset;
  }

  async read(): Promise<MetricsAppended> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch {
      // No metrics.jsonl yet: the run has not finished its first step.
      return { steps: [], evals: [] };
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) this.offset = 0;
      if (size === this.offset) return { steps: [], evals: [] };
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      const complete = completeLinesLength(buffer.subarray(0, bytesRead));
      this.offset += complete;
      return parseMetricsLines(buffer.subarray(0, complete).toString('utf8'));
    } finally {
      await handle.close();
    }
  }
}
