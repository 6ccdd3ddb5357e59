import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import { UnsafeFileError, openRegularFile } from '../safeFile';
import { RunFolderError, checkGradNormsRecord, checkMetricsRecord, type GradNormsRecord } from './checks';

/** metrics.jsonl split into step and evaluation records, in file order. */
export interface MetricsRecords {
  steps: StepMetrics[];
  evals: EvalMetrics[];
}

/** Largest JSONL file a reader takes in one piece: a million steps' lines fit. */
export const MAX_RECORDS_BYTES = 512 * 1024 ** 2;
/** A line longer than this is not one Loss Lab wrote (a step line is ~200 bytes, a norms line ~60 per parameter). */
const MAX_LINE_BYTES = 8 * 1024 ** 2;

/**
 * The one tolerance of every records reader: only complete lines (ending in a newline) are read, so a line torn by
 * a crash or still being written is skipped; a complete line that is not JSON, or a record with a missing or
 * wrong-typed field, is a RunFolderError naming file:line. `firstLine` numbers lines of a tail read.
 */
function completeLines(text: string, file: string, firstLine: number, each: (value: unknown, line: number) => void): void {
  const end = text.lastIndexOf('\n');
  if (end < 0) return;
  const lines = text.slice(0, end).split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const number = firstLine + i;
    if (line.length > MAX_LINE_BYTES) throw new RunFolderError(file, number, `line of ${line.length} characters is not a record Loss Lab wrote`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new RunFolderError(file, number, `not a JSON record (${JSON.stringify(line.slice(0, 40))}…); a metrics line is {"step": …, "loss": …}`);
    }
    each(value, number);
  });
}

/** Parses the complete lines of a metrics.jsonl (or of a tail read starting at line `firstLine`). */
export function parseMetrics(text: string, file: string, firstLine = 1): MetricsRecords {
  const out: MetricsRecords = { steps: [], evals: [] };
  completeLines(text, file, firstLine, (value, line) => {
    const checked = checkMetricsRecord(value, file, line);
    if (checked.kind === 'eval') out.evals.push(checked.record);
    else out.steps.push(checked.record);
  });
  return out;
}

/** Parses the complete lines of a grad_norms.jsonl. */
export function parseGradNorms(text: string, file: string, firstLine = 1): GradNormsRecord[] {
  const out: GradNormsRecord[] = [];
  completeLines(text, file, firstLine, (value, line) => out.push(checkGradNormsRecord(value, file, line)));
  return out;
}

/** How many lines `bytes` holds, up to and including its last newline. */
function countLines(bytes: Uint8Array, end: number): number {
  let lines = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) lines++;
  return lines;
}

/**
 * Follows a growing JSONL file: each read returns only the complete lines appended since the last one, tracked by
 * byte offset (and line number, for errors), so a run of any length costs only its new bytes. A half-written last
 * line waits for the next read. A file replaced (a new inode) or shorter than the offset was rewritten (a resume drops
 * the steps after its checkpoint) and is read again from the start; whoever sends the records drops the steps it
 * already sent.
 */
export class RecordsTail {
  private line = 1;
  /** The file read last (device and inode): a resume rewrites the file atomically, which may leave it no shorter. */
  private identity: string | null = null;

  constructor(readonly file: string, private offset = 0, firstLine = 1) {
    this.line = firstLine;
  }

  /** Bytes of the file consumed so far (complete lines only). */
  get bytesRead(): number {
    return this.offset;
  }

  /** The new complete lines as text, with the number of the first; '' when nothing new (or no file yet). */
  async readText(): Promise<{ text: string; firstLine: number }> {
    let opened;
    try {
      // Any size: a tail reads at most MAX_RECORDS_BYTES past its offset at a time.
      opened = await openRegularFile(this.file, { maxBytes: Number.MAX_SAFE_INTEGER, what: 'records file' });
    } catch (error) {
      if (!(error instanceof UnsafeFileError)) throw error;
      // No file yet: the run has not finished its first step.
      if (error.code === 'ENOENT') return { text: '', firstLine: this.line };
      throw new RunFolderError(this.file, null, error.reason, error.code);
    }
    const { handle, size, identity } = opened;
    try {
      const rewritten = this.identity !== null && identity !== this.identity;
      this.identity = identity;
      if (rewritten || size < this.offset) [this.offset, this.line] = [0, 1];
      const length = Math.min(size - this.offset, MAX_RECORDS_BYTES);
      if (length <= 0) return { text: '', firstLine: this.line };
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, this.offset);
      const complete = buffer.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
      const firstLine = this.line;
      this.offset += complete;
      this.line += countLines(buffer, complete);
      return { text: buffer.subarray(0, complete).toString('utf8'), firstLine };
    } finally {
      await handle.close();
    }
  }

  /** The gradient-norms records appended since the last read (of a grad_norms.jsonl tail). */
  async readGradNorms(): Promise<GradNormsRecord[]> {
    const { text, firstLine } = await this.readText();
    return parseGradNorms(text, this.file, firstLine);
  }

  /** The metrics appended since the last read. */
  async readMetrics(): Promise<MetricsRecords> {
    const { text, firstLine } = await this.readText();
    return parseMetrics(text, this.file, firstLine);
  }
}
