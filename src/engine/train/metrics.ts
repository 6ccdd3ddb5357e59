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
  /** Padded target positions over all target positions of the step, across its micro-batches; absent in older runs. */
  pad_fraction?: number;
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
export const DETERMINISTIC_FIELDS = ['step', 'loss', 'lr', 'grad_norm', 'grad_norm_clipped', 'tokens', 'pad_fraction'] as const;

/** A share such as pad_fraction as a percentage: one decimal below 10%, so a little padding does not read as none. */
export function formatShare(share: number): string {
  const percent = share * 100;
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}

/** The mean pad_fraction over the steps that record one (older runs do not); null when none does. */
export function meanPadFraction(steps: readonly StepMetrics[]): number | null {
  let sum = 0;
  let counted = 0;
  for (const s of steps) {
    if (s.pad_fraction === undefined) continue;
    sum += s.pad_fraction;
    counted++;
  }
  return counted > 0 ? sum / counted : null;
}
