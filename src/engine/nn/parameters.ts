import type { Backend } from '../backend';
import { Tensor, sizeOf } from '../tensor';

/**
 * The model's parameters by state-dict name, in a fixed order. Tied weights are one tensor under two names
 * (nanoGPT's lm_head.weight = transformer.wte.weight), so the optimizer sees them once.
 */
export class ParameterSet {
  private readonly byName = new Map<string, Tensor>();
  private readonly unique: Tensor[] = [];

  constructor(private readonly backend: Backend) {}

  /** Creates a trainable parameter with a zeroed gradient buffer, filled by `init`. */
  create(name: string, shape: readonly number[], init: (data: Float32Array) => void): Tensor {
    if (this.byName.has(name)) throw new Error(`duplicate parameter ${name}`);
    const data = new Float32Array(sizeOf(shape));
    init(data);
    const t = new Tensor(this.backend, shape, 'f32', this.backend.upload(data), true, name);
    t.grad = new Tensor(this.backend, shape, 'f32', this.backend.alloc('f32', t.size));
    this.byName.set(name, t);
    this.unique.push(t);
    return t;
  }

  /** Makes `name` another name of the existing parameter `target` (weight tying). */
  tie(name: string, target: Tensor): void {
    this.byName.set(name, target);
  }

  get(name: string): Tensor {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no parameter named ${name}`);
    return t;
  }

  /** Every distinct parameter tensor, in creation order. */
  get tensors(): readonly Tensor[] {
    return this.unique;
  }

  /** Every state-dict name with its tensor (tied tensors appear under each name). */
  entries(): [string, Tensor][] {
    return [...this.byName.entries()];
  }

  get count(): number {
    return this.unique.reduce((n, t) => n + t.size, 0);
  }

  zeroGrads(): void {
    for (const t of this.unique) this.backend.kernels.fill((t.grad as Tensor).storage, 0, t.size);
  }
}
