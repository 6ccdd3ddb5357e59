import type { ScheduleConfig } from '../../config/types';

/**
 * The learning rate used by optimizer step s (1-based): linear warm-up to `lr` over W steps, then the decay
 * with progress p = min(1, (s − W) / max(1, D − W)); the decay phase never goes below min_lr.
 */
export function learningRate(s: number, lr: number, schedule: ScheduleConfig): number {
  const { warmup_steps: W, decay, min_lr: minLr, decay_steps: D, gamma, step_size: stepSize } = schedule;
  if (s <= W) return (lr * s) / W;
  const p = Math.min(1, (s - W) / Math.max(1, D - W));
  let value: number;
  switch (decay) {
    case 'constant': value = lr; break;
    case 'linear': value = lr - (lr - minLr) * p; break;
    case 'cosine': value = minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p)); break;
    case 'inverse_sqrt': value = lr * Math.sqrt(Math.max(W, 1) / s); break;
    case 'exponential': value = lr * Math.pow(gamma, s - W); break;
    case 'step': value = lr * Math.pow(gamma, Math.floor((s - W) / stepSize)); break;
  }
  return Math.max(minLr, value);
}

/** The learning rate of every step 1..steps, for previews and `losslab schedule`. */
export function scheduleCurve(steps: number, lr: number, schedule: ScheduleConfig): Float64Array {
  const curve = new Float64Array(steps);
  for (let s = 1; s <= steps; s++) curve[s - 1] = learningRate(s, lr, schedule);
  return curve;
}
