import type { OptimizerConfig } from '../../config/types';
import type { Backend, GradScale } from '../backend';
import type { Tensor } from '../tensor';

/** Per-parameter optimizer state: Adam's two moments, or SGD's momentum buffer (in `m`). */
interface Slot {
  param: Tensor;
  m: ReturnType<Backend['alloc']>;
  v: ReturnType<Backend['alloc']> | null;
  /** nanoGPT groups: weight decay only on tensors with ≥ 2 dimensions (matmul weights, embeddings). */
  decay: boolean;
}

/** torch.optim.AdamW / Adam / SGD over a fixed list of parameters. */
export class Optimizer {
  private readonly slots: Slot[];
  /** Number of updates applied so far (torch's `step` state). */
  step = 0;

  constructor(private readonly backend: Backend, params: readonly Tensor[], readonly config: OptimizerConfig) {
    const adam = config.name !== 'sgd';
    this.slots = params.map((param) => ({
      param,
      m: backend.alloc('f32', param.size),
      v: adam ? backend.alloc('f32', param.size) : null,
      decay: param.shape.length >= 2,
    }));
  }

  /** Applies one update with the given learning rate to every parameter from its `.grad` (times gradScale's factor, when given). */
  update(lr: number, gradScale: GradScale | null = null): void {
    this.step++;
    const { name, betas, eps, weight_decay: wd, momentum, nesterov } = this.config;
    const k = this.backend.kernels;
    for (const slot of this.slots) {
      const p = slot.param;
      const g = (p.grad as Tensor).storage;
      const weightDecay = slot.decay ? wd : 0;
      if (slot.v) {
        k.adamUpdate(p.storage, g, slot.m, slot.v, p.size, {
          lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, decoupled: name === 'adamw', step: this.step,
        }, gradScale);
      } else {
        k.sgdUpdate(p.storage, g, slot.m, p.size, { lr, momentum, nesterov, weightDecay, firstStep: this.step === 1 }, gradScale);
      }
    }
  }

  /** Moment buffers by parameter name, for checkpoints (`{name}.exp_avg`, `{name}.exp_avg_sq` or `{name}.momentum_buffer`). */
  stateTensors(): { name: string; storage: ReturnType<Backend['alloc']>; size: number; shape: readonly number[] }[] {
    return this.slots.flatMap((s) => {
      const { name, size, shape } = s.param;
      return s.v
        ? [{ name: `${name}.exp_avg`, storage: s.m, size, shape }, { name: `${name}.exp_avg_sq`, storage: s.v, size, shape }]
        : [{ name: `${name}.momentum_buffer`, storage: s.m, size, shape }];
    });
  }

  /** Restores `stateTensors()` values and the update count from a checkpoint; names and sizes must match exactly. */
  restoreState(values: ReadonlyMap<string, Float32Array>, step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new Error(`optimizer step ${step} is not a whole number ≥ 0`);
    const expected = this.stateTensors();
    const problems = expected.flatMap(({ name, size }) => {
      const data = values.get(name);
      if (!data) return [`missing ${name}`];
      return data.length === size ? [] : [`${name} has ${data.length} values, expected ${size}`];
    });
    const known = new Set(expected.map((t) => t.name));
    for (const name of values.keys()) if (!known.has(name)) problems.push(`unexpected ${name}`);
    if (problems.length > 0) throw new Error(`the optimizer state does not fit this ${this.config.name} optimizer: ${problems.join('; ')}`);
    for (const { name, storage } of expected) this.backend.write(storage, values.get(name) as Float32Array);
    this.step = step;
  }
}
