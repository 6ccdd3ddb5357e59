/** One optimizer step, as written to metrics.jsonl and sent to the dashboard. */
export interface StepMetrics {
  step: number;
  /** Mean cross-entropy over the step's non-pad target tokens (all micro-batches together). */
  loss: number;
  /** Learning rate the step's update used. */
  lr: number;
  /** Global gradient L2 norm before clipping. */
  grad_norm: number;
  /** Global gradient L2 norm after clipping. */
  grad_norm_clipped: number;
  /** Non-pad target tokens in the step. */
  tokens: number;
  tokens_per_sec: number;
  /** Wall-clock milliseconds since the run started. */
  time_ms: number;
}

/** An evaluation on the validation set. */
export interface EvalMetrics {
  step: number;
  val_loss: number;
}

/** A step whose loss or gradients were not finite: the update was skipped. */
export interface NonFiniteReport {
  step: number;
  loss: number;
  /** State-dict name of the first parameter whose gradient is not finite, or null when only the loss is. */
  parameter: string | null;
}

/** Fields of StepMetrics that depend only on the config and seed (not on the machine's speed). */
export const DETERMINISTIC_FIELDS = ['step', 'loss', 'lr', 'grad_norm', 'grad_norm_clipped', 'tokens'] as const;
