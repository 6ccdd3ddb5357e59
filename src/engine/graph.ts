import type { Backend, Kernels } from './backend';
import { Tensor, sizeOf } from './tensor';

/** One recorded operation: its output and how to push the output's gradient into its inputs. */
interface TapeEntry {
  output: Tensor;
  backward: (gradOutput: Tensor) => void;
}

/**
 * The autograd tape of one forward pass. Ops record a backward closure; the tape replays them in reverse.
 * It knows no op by name. Every activation it allocates is released by `dispose()`.
 */
export class Graph {
  private readonly tape: TapeEntry[] = [];
  private readonly owned = new Set<Tensor>();
  readonly kernels: Kernels;

  constructor(
    readonly backend: Backend,
    /** False for evaluation: nothing is recorded and dropout is off. */
    readonly training: boolean,
    /** Seed for this pass's dropout masks (counter-based, so identical on every backend). */
    readonly dropoutSeed = 0,
  ) {
    this.kernels = backend.kernels;
  }

  /** A zeroed activation owned by this graph. */
  tensor(shape: readonly number[], dtype: 'f32' | 'i32' = 'f32', requiresGrad = false): Tensor {
    const t = new Tensor(this.backend, shape, dtype, this.backend.alloc(dtype, sizeOf(shape)), requiresGrad);
    this.owned.add(t);
    return t;
  }

  /** A constant (no gradient) uploaded from the host and owned by this graph. */
  constant(shape: readonly number[], data: Float32Array | Int32Array): Tensor {
    const t = new Tensor(this.backend, shape, data instanceof Int32Array ? 'i32' : 'f32', this.backend.upload(data));
    this.owned.add(t);
    return t;
  }

  /** Whether an op over these inputs must be recorded. */
  needsGrad(...inputs: (Tensor | null)[]): boolean {
    return this.training && inputs.some((t) => t !== null && t.requiresGrad);
  }

  /** The output tensor of an op: requires grad when any input does. */
  output(shape: readonly number[], ...inputs: (Tensor | null)[]): Tensor {
    return this.tensor(shape, 'f32', this.needsGrad(...inputs));
  }

  record(output: Tensor, backward: (gradOutput: Tensor) => void): void {
    if (output.requiresGrad) this.tape.push({ output, backward });
  }

  /** The gradient buffer of a tensor, allocated zeroed on first use; null when it needs no gradient. */
  gradOf(t: Tensor | null): Tensor | null {
    if (t === null || !t.requiresGrad) return null;
    if (!t.grad) {
      t.grad = this.tensor(t.shape);
    }
    return t.grad;
  }

  /**
   * Adds `gradOutput` into t's gradient. An activation with no gradient yet takes `gradOutput` itself instead of
   * a zeroed copy: the caller's output gradient is final when its backward runs, so sharing it saves a pass and
   * a buffer (a residual stream's gradient is then one buffer through every block). A caller hands one
   * gradOutput to at most one input this way.
   */
  passGradient(t: Tensor, gradOutput: Tensor): void {
    if (!t.requiresGrad) return;
    if (!t.grad && this.owned.has(t) && this.owned.has(gradOutput)) {
      t.grad = gradOutput;
      return;
    }
    this.kernels.accumulate((this.gradOf(t) as Tensor).storage, gradOutput.storage, t.size, 1);
  }

  /** Back-propagates from a scalar loss (its gradient seeded with 1). */
  backward(loss: Tensor): void {
    const seed = this.tensor(loss.shape);
    this.kernels.fill(seed.storage, 1, seed.size);
    this.backwardFrom(loss, seed);
  }

  /** Back-propagates a given gradient of `output` (op tests use this to feed an arbitrary upstream gradient). */
  backwardFrom(output: Tensor, gradOutput: Tensor): void {
    if (!output.requiresGrad) throw new Error('backward(): the output does not depend on any tensor that requires a gradient');
    this.kernels.accumulate((this.gradOf(output) as Tensor).storage, gradOutput.storage, output.size, 1);
    for (let i = this.tape.length - 1; i >= 0; i--) {
      const { output, backward } = this.tape[i];
      if (output.grad) backward(output.grad);
    }
  }

  /** Releases every activation and activation gradient; parameter gradients are kept. */
  dispose(): void {
    for (const t of this.owned) this.backend.release(t.storage);
    this.owned.clear();
    this.tape.length = 0;
  }
}
