import type { LabConfig } from '../../config/types';
import type { Backend } from '../backend';
import type { PreparedData } from '../data/prepare';
import { Trainer } from './trainer';
import type { NamedTensor } from './weights';

/** The range and length of an LR range test. */
export interface LrFinderOptions {
  /** First learning rate (> 0). */
  start: number;
  /** Last learning rate (> start). */
  end: number;
  /** Optimizer steps from start to end (≥ 3). */
  steps: number;
  /** EMA factor of the smoothed loss (fastai's 0.98). */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of the best smoothed loss so far. */
  divergeFactor?: number;
}

/** One step of the test: the learning rate its update used and the loss of its batch before that update. */
export interface LrFinderPoint {
  lr: number;
  loss: number;
  /** Bias-corrected exponential moving average of the losses so far. */
  smoothed: number;
}

export interface LrFinderResult {
  points: LrFinderPoint[];
  /**
   * The suggested learning rate: where the smoothed loss falls fastest per unit of log(lr), i.e. the most negative
   * central difference (s[i+1] − s[i−1]) / (ln lr[i+1] − ln lr[i−1]) over the interior points. Always strictly
   * between the first and the last learning rate tried.
   */
  suggestion: number;
  /** The second rule of thumb: the learning rate of the lowest smoothed loss, divided by 10. */
  minLossOver10: number;
  /** Why the test ended: it reached `end`, the smoothed loss passed divergeFactor × its best, or a loss was not finite. */
  stop: 'end' | 'diverged' | 'not_finite';
}

/** Options out of range, or a loss that diverged before the curve had three points. */
export class LrFinderError extends Error {}

/** The learning rate of step i (0-based) of `steps`: start·(end/start)^(i/(steps−1)). */
export function rangeTestLr(i: number, options: Pick<LrFinderOptions, 'start' | 'end' | 'steps'>): number {
  return options.start * Math.pow(options.end / options.start, i / (options.steps - 1));
}

/** A range test needs about a hundred steps; far more only keeps the machine busy. */
export const MAX_LR_FINDER_STEPS = 10_000;

/** Checks the options; throws an LrFinderError naming the first bad one. */
export function checkLrFinderOptions(options: LrFinderOptions): void {
  const { start, end, steps } = options;
  if (!(start > 0) || !Number.isFinite(start)) throw new LrFinderError(`start ${start}: expected a learning rate > 0`);
  if (!(end > start) || !Number.isFinite(end)) throw new LrFinderError(`end ${end}: expected a learning rate above start (${start})`);
  if (!Number.isInteger(steps) || steps < 3 || steps > MAX_LR_FINDER_STEPS) {
    throw new LrFinderError(`steps ${steps}: expected a whole number from 3 to ${MAX_LR_FINDER_STEPS}`);
  }
}

/** The suggestion rules applied to a recorded curve (at least 3 points); see LrFinderResult. */
export function suggestLearningRate(points: readonly LrFinderPoint[]): Pick<LrFinderResult, 'suggestion' | 'minLossOver10'> {
  if (points.length < 3) throw new LrFinderError(`the loss diverged after ${points.length} step(s): start from a smaller learning rate`);
  let steepest = 1;
  let steepestSlope = Infinity;
  for (let i = 1; i < points.length - 1; i++) {
    const slope = (points[i + 1].smoothed - points[i - 1].smoothed) / Math.log(points[i + 1].lr / points[i - 1].lr);
    if (slope < steepestSlope) {
      steepestSlope = slope;
      steepest = i;
    }
  }
  const lowest = points.reduce((best, p) => (p.smoothed < best.smoothed ? p : best), points[0]);
  return { suggestion: points[steepest].lr, minLossOver10: lowest.lr / 10 };
}

/**
 * LR range test (Smith 2015; fastai's lr_find): trains a fresh model from the config's initial weights (or the given
 * ones) with the config's optimizer, clipping, batches and accumulation, but with the learning rate growing
 * exponentially from `start` to `end`, one step per rate; records each step's loss and stops early once the
 * smoothed loss exceeds `divergeFactor` × its best. The config's own schedule is not used.
 */
export async function findLearningRate(
  config: LabConfig,
  data: PreparedData,
  backend: Backend,
  options: LrFinderOptions,
  hooks: { initialWeights?: ReadonlyMap<string, NamedTensor>; onPoint?(point: LrFinderPoint, step: number): void } = {},
): Promise<LrFinderResult> {
  checkLrFinderOptions(options);
  const { start, end, steps } = options;
  const beta = options.smoothing ?? 0.98;
  const divergeFactor = options.divergeFactor ?? 4;
  const growth = Math.pow(end / start, 1 / (steps - 1));
  // The trainer's exponential decay with gamma > 1 grows the rate: step s uses (start / growth) · growth^s.
  const rangeConfig: LabConfig = {
    ...config,
    optimizer: { ...config.optimizer, lr: start / growth },
    schedule: { ...config.schedule, warmup_steps: 0, decay: 'exponential', gamma: growth, min_lr: 0, decay_steps: steps },
    training: { ...config.training, steps, eval_interval: 0, checkpoint_interval: 0 },
  };
  const trainer = new Trainer(rangeConfig, data, { backend, initialWeights: hooks.initialWeights });
  const points: LrFinderPoint[] = [];
  let average = 0;
  let best = Infinity;
  let stop: LrFinderResult['stop'] = 'end';
  for (let i = 0; i < steps; i++) {
    const { metrics, nonFinite } = await trainer.trainStep();
    if (nonFinite) {
      stop = 'not_finite';
      break;
    }
    average = beta * average + (1 - beta) * metrics.loss;
    const point = { lr: metrics.lr, loss: metrics.loss, smoothed: average / (1 - Math.pow(beta, i + 1)) };
    points.push(point);
    hooks.onPoint?.(point, i + 1);
    best = Math.min(best, point.smoothed);
    if (point.smoothed > divergeFactor * best && i < steps - 1) {
      stop = 'diverged';
      break;
    }
  }
  return { points, ...suggestLearningRate(points), stop };
}
