import type { RunStatus } from '../engine/train/run';

/** run.json: what a run is, where it ran and how it ended. The dashboard, comparisons and exports read it. */
export interface RunInfo {
  id: string;
  name: string;
  /** The config file the run was started from. */
  config_file: string;
  status: RunStatus;
  backend: { name: string; description: string; reason: string };
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
}
