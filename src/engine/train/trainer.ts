import type { LabConfig } from '../../config/types';
import type { Backend } from '../backend';
import { BatchSampler, evalBatches, type Batch, type SamplerState } from '../data/batches';
import type { PreparedData } from '../data/prepare';
import { PAD_ID } from '../data/vocab';
import { Graph } from '../graph';
import { createModel, type LanguageModel, type ModelInput } from '../nn';
import { crossEntropy } from '../ops/crossEntropy';
import { clipGradients } from '../optim/clip';
import { Optimizer } from '../optim/optimizer';
import { learningRate } from '../optim/schedule';
import type { Tensor } from '../tensor';
import type { EvalMetrics, NonFiniteReport, StepMetrics } from './metrics';
import { loadWeights, readWeights, type NamedTensor } from './weights';

export interface TrainerOptions {
  backend: Backend;
  /** Initial weights by state-dict name (--init-from); names and shapes must match the model exactly. */
  initialWeights?: ReadonlyMap<string, NamedTensor>;
  /** Sees every batch as it is used (--dump-batches). Steps are 1-based, micro-batches 0-based. */
  onBatch?: (step: number, micro: number, batch: Batch) => void;
  /** For tests: when it returns true for a step's attempt, that attempt's loss counts as NaN (a one-off non-finite step). */
  nonFiniteFault?: (step: number) => boolean;
}

/** The result of one optimizer step. */
export interface StepResult {
  metrics: StepMetrics;
  /** Pre-clip gradient norm of each parameter, in `parameterNames` order. */
  parameterNorms: Float64Array;
  /** Set when the loss or a gradient was not finite; the update was then skipped, its batch used up (a retry draws the next). */
  nonFinite: NonFiniteReport | null;
}

/**
 * Everything besides the weights that a checkpoint needs to continue a run exactly. Dropout needs nothing more: its
 * masks are seeded from (seed, step, micro-batch).
 */
export interface TrainerState {
  /** Optimizer steps completed. */
  step: number;
  /** The optimizer's update count (torch's `step` state). */
  optimizerStep: number;
  /** Moment buffers by `{name}.exp_avg` / `.exp_avg_sq` / `.momentum_buffer`, shaped like their parameter. */
  optimizerState: Map<string, NamedTensor>;
  /** The training data position. */
  sampler: SamplerState;
}

/** An ignore index no token id can take: with it every target position counts. */
const NO_TARGET_IGNORED = -1;

/** Seeds dropout masks per (step, micro-batch) so runs are reproducible on every backend. */
function dropoutSeed(seed: number, step: number, micro: number): number {
  return (Math.imul(seed + 1, 0x85ebca6b) ^ Math.imul(step, 0xc2b2ae35) ^ Math.imul(micro + 1, 0x27d4eb2f)) >>> 0;
}

/** One model, optimizer and data stream; each `trainStep()` is forward → CE → backward → clip → update. */
export class Trainer {
  readonly model: LanguageModel;
  readonly optimizer: Optimizer;
  readonly parameterNames: string[];
  private readonly sampler: BatchSampler;
  readonly backend: Backend;
  private validation: Batch[] | null = null;
  private readonly startedAt = performance.now();
  /** Optimizer steps completed. */
  step = 0;

  constructor(readonly config: LabConfig, readonly data: PreparedData, private readonly options: TrainerOptions) {
    this.backend = options.backend;
    this.model = createModel(config.model, data.vocab.size, this.backend, config.seed);
    if (options.initialWeights) loadWeights(this.model.params, options.initialWeights);
    this.parameterNames = this.model.params.tensors.map((t) => t.name);
    this.optimizer = new Optimizer(this.backend, this.model.params.tensors, config.optimizer);
    this.sampler = new BatchSampler(data.train, this.samplerOptions());
  }

  get totalSteps(): number {
    return this.config.training.steps;
  }

  async trainStep(): Promise<StepResult> {
    const stepStart = performance.now();
    const s = this.step + 1;
    const { grad_accumulation: micros, grad_clip: clip } = this.config.training;
    const batches = Array.from({ length: micros }, () => this.sampler.next());
    batches.forEach((batch, micro) => this.options.onBatch?.(s, micro, batch));
    const tokens = batches.reduce((n, b) => n + this.lossTokens(b), 0);
    const padFraction = paddedShare(batches);
    this.model.params.zeroGrads();
    // The losses are awaited with the gradient norms, so a GPU reads them all back in one submit.
    const lossReads: Promise<Float32Array | Int32Array>[] = [];
    for (let micro = 0; micro < micros; micro++) {
      const g = new Graph(this.backend, true, dropoutSeed(this.config.seed, s, micro));
      const lossTensor = this.loss(g, batches[micro], 1 / Math.max(1, tokens));
      g.backward(lossTensor);
      lossReads.push(lossTensor.read());
      g.dispose();
    }
    const lossValues = Promise.all(lossReads);
    // Should clipping throw first, a failed read is reported by that error, not as an unhandled rejection.
    lossValues.catch(() => undefined);
    const norms = await clipGradients(this.backend, this.model.params.tensors, clip);
    let loss = 0;
    for (const value of await lossValues) loss += value[0];
    const lr = learningRate(s, this.config.optimizer.lr, this.config.schedule);
    if (this.options.nonFiniteFault?.(s)) loss = Number.NaN;
    const nonFinite = this.findNonFinite(s, loss, norms.perParameter);
    if (!nonFinite) {
      this.optimizer.update(lr, norms.gradScale);
      this.step = s;
    }
    norms.release();
    await this.backend.sync();
    const now = performance.now();
    return {
      metrics: {
        step: s, loss, lr, grad_norm: norms.total, grad_norm_clipped: norms.clipped, tokens, pad_fraction: padFraction,
        tokens_per_sec: tokens / Math.max(1e-9, (now - stepStart) / 1000), time_ms: Math.round(now - this.startedAt),
      },
      parameterNorms: norms.perParameter,
      nonFinite,
    };
  }

  /** Mean loss over the validation batches (the same batches at every evaluation). */
  async evaluate(): Promise<EvalMetrics> {
    this.validation ??= evalBatches(this.data.val, this.samplerOptions(), this.config.training.eval_steps);
    const tokens = this.validation.reduce((n, b) => n + this.lossTokens(b), 0);
    let total = 0;
    for (const batch of this.validation) {
      const g = new Graph(this.backend, false);
      total += (await this.loss(g, batch, 1 / Math.max(1, tokens)).read())[0];
      g.dispose();
    }
    return { step: this.step, val_loss: total };
  }

  /** Current weights by state-dict name (tied weights under both names). */
  weights(): Promise<Map<string, NamedTensor>> {
    return readWeights(this.model.params);
  }

  /** The optimizer state and data position, read back from the backend. */
  async state(): Promise<TrainerState> {
    const optimizerState = new Map<string, NamedTensor>();
    for (const t of this.optimizer.stateTensors()) {
      optimizerState.set(t.name, { shape: [...t.shape], data: (await this.backend.read(t.storage, 'f32')) as Float32Array });
    }
    return { step: this.step, optimizerStep: this.optimizer.step, optimizerState, sampler: this.sampler.state() };
  }

  /** Continues from a checkpoint: weights by state-dict name (strict, like `initialWeights`) plus `state()`'s values. */
  restore(weights: ReadonlyMap<string, NamedTensor>, state: TrainerState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`checkpoint step ${state.step} is not a whole number ≥ 0`);
    loadWeights(this.model.params, weights);
    this.optimizer.restoreState(new Map([...state.optimizerState].map(([name, t]) => [name, t.data])), state.optimizerStep);
    this.sampler.restore(state.sampler);
    this.step = state.step;
  }

  private loss(g: Graph, batch: Batch, scale: number): Tensor {
    const { input, targets } = toTensors(g, batch);
    const logits = this.model.logits(g, input);
    const { ignore_padding: ignorePadding, label_smoothing: labelSmoothing } = this.config.loss;
    return crossEntropy(g, logits, targets, { ignoreIndex: ignorePadding ? PAD_ID : NO_TARGET_IGNORED, labelSmoothing, scale });
  }

  /** Target positions the loss averages over: the non-pad ones, or every one when the padding mask is off. */
  private lossTokens(batch: Batch): number {
    return this.config.loss.ignore_padding ? batch.tokens : batch.B * batch.T;
  }

  private findNonFinite(step: number, loss: number, norms: Float64Array): NonFiniteReport | null {
    const bad = norms.findIndex((n) => !Number.isFinite(n));
    if (bad < 0 && Number.isFinite(loss)) return null;
    return { step, loss, parameter: bad < 0 ? null : this.parameterNames[bad] };
  }

  private samplerOptions() {
    const { training, model, data, seed } = this.config;
    return { batchSize: training.batch_size, context: model.context, shuffle: data.shuffle, seed };
  }
}

/** Padded target positions over all target positions of a step's micro-batches (whether or not the loss masks them). */
export function paddedShare(batches: readonly Batch[]): number {
  const positions = batches.reduce((n, b) => n + b.B * b.T, 0);
  return positions === 0 ? 0 : batches.reduce((n, b) => n + b.B * b.T - b.tokens, 0) / positions;
}

/** Uploads a batch: token ids, padding masks (1 = pad) and the flattened targets. */
function toTensors(g: Graph, batch: Batch): { input: ModelInput; targets: Tensor } {
  if (batch.kind === 'gpt') {
    return { input: { kind: 'gpt', idx: g.constant([batch.B, batch.T], batch.idx) }, targets: g.constant([batch.B * batch.T], batch.targets) };
  }
  const padMask = (ids: Int32Array) => Int32Array.from(ids, (id) => (id === PAD_ID ? 1 : 0));
  return {
    input: {
      kind: 'encoder-decoder',
      src: g.constant([batch.B, batch.S], batch.src),
      srcPad: g.constant([batch.B, batch.S], padMask(batch.src)),
      tgtIn: g.constant([batch.B, batch.T], batch.tgtIn),
      tgtPad: g.constant([batch.B, batch.T], padMask(batch.tgtIn)),
    },
    targets: g.constant([batch.B * batch.T], batch.tgtOut),
  };
}
