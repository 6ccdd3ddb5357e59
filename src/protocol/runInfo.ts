import type { AdapterSummary } from '../engine/backends/webgpu/adapter';
import type { RunStatus } from '../engine/train/run';

export type { AdapterSummary };

/** Every status a run folder can show: the training loop's, plus `interrupted` (run.json says running, its writer is gone). */
export const RUN_STATUSES = ['running', 'paused', 'stopped', 'finished', 'failed', 'interrupted'] as const satisfies readonly (RunStatus | 'interrupted')[];

export type StoredRunStatus = (typeof RUN_STATUSES)[number];

/** Statuses of a run that no process is training: it can be reported on, resumed (all but finished) or compared. */
export const ENDED_STATUSES: ReadonlySet<StoredRunStatus> = new Set(['finished', 'stopped', 'failed', 'interrupted']);

/** Where a run trains: the backend, in words, why it was chosen and, on WebGPU, the adapter. */
export interface RunBackend {
  name: string;
  description: string;
  reason: string;
  /** The WebGPU adapter (vendor, architecture, software fallback or not); null on other backends, absent in older run.json files. */
  adapter?: AdapterSummary | null;
}

/** The GPU gave up mid-run: the run paused for good in its process and resumes on the CPU from `checkpoint_step`. */
export interface GpuFailure {
  kind: 'device-lost' | 'out-of-memory';
  /** Optimizer steps completed (and kept in metrics.jsonl) when the GPU failed. */
  step: number;
  /** The newest complete checkpoint's step (0: none yet, the resumed run starts over). */
  checkpoint_step: number;
}

/** run.json: what a run is, where it ran and how it ended. The dashboard, comparisons and exports read it. */
export interface RunInfo {
  id: string;
  name: string;
  /** The config file the run was started from. */
  config_file: string;
  status: StoredRunStatus;
  backend: RunBackend;
  versions: { losslab: string; node: string };
  started_at: string;
  finished_at: string | null;
  steps_completed: number;
  total_steps: number;
  parameters: number;
  vocab_size: number;
  final_loss: number | null;
  final_val_loss: number | null;
  /** Mean non-pad tokens per second over the run. */
  tokens_per_sec: number | null;
  /** Why the run failed or paused, in one sentence. */
  message: string | null;
  /** Set while a run is paused because its GPU failed (absent in older run.json files). */
  gpu_failure?: GpuFailure | null;
  /** Set on a run that a sweep trains: which sweep, which trial, and the values swept (absent otherwise). */
  sweep?: RunSweepTag;
  /** The tokenizer and how it cut the training data (absent in older run.json files). */
  tokenizer?: RunTokenizer;
}

/** run.json's `tokenizer`: the vocabulary kind, bytes of training text per token, `<unk>` count and tokenizer.json's hash. */
export interface RunTokenizer {
  kind: string;
  /** UTF-8 bytes of the training file per token it was cut into (train and held-out part together). */
  bytes_per_token: number;
  /** Tokens of the training and validation data that are `<unk>`: text the vocabulary has no symbol for (0 for byte-level vocabularies). */
  unknown_tokens: number;
  /** SHA-256 of the run's tokenizer.json (bpe and gpt2), checked when it is read; null for vocabularies without one. */
  sha256: string | null;
}

/** run.json's `sweep`: the sweep (its folder's name), the trial's index in sweep.json and its swept values by dotted key. */
export interface RunSweepTag {
  id: string;
  trial: number;
  values: Record<string, number | string | boolean>;
}

/** The vocabulary in one line: "4,096 tokens (bpe), 3.41 bytes per token, 0 unknown"; older runs give the size alone. */
export function vocabularyText(info: Pick<RunInfo, 'vocab_size' | 'tokenizer'>): string {
  const size = `${info.vocab_size.toLocaleString('en-US')} tokens`;
  const t = info.tokenizer;
  return t ? `${size} (${t.kind}), ${t.bytes_per_token.toFixed(2)} bytes per token, ${t.unknown_tokens.toLocaleString('en-US')} unknown` : size;
}

/** Whether a run paused because its GPU failed: its process has ended, and it resumes on the CPU from a checkpoint. */
export function pausedByGpuFailure(info: Pick<RunInfo, 'status' | 'gpu_failure'>): boolean {
  return info.status === 'paused' && !!info.gpu_failure;
}
