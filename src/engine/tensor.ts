import type { Backend, DType, Storage } from './backend';

/** An n-dimensional array on a backend, optionally part of the autograd graph. */
export class Tensor {
  /** Gradient of the loss with respect to this tensor, allocated on first use in backward. */
  grad: Tensor | null = null;

  constructor(
    readonly backend: Backend,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly storage: Storage,
    readonly requiresGrad = false,
    /** State-dict name for parameters; empty for activations. */
    readonly name = '',
  ) {}

  get size(): number {
    return sizeOf(this.shape);
  }

  /** Copies the values to the host (a typed array of the tensor's dtype). */
  read(): Promise<Float32Array | Int32Array> {
    return this.backend.read(this.storage, this.dtype);
  }
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function zeros(backend: Backend, shape: readonly number[], dtype: DType = 'f32', requiresGrad = false, name = ''): Tensor {
  return new Tensor(backend, shape, dtype, backend.alloc(dtype, sizeOf(shape)), requiresGrad, name);
}

export function fromArray(backend: Backend, shape: readonly number[], data: Float32Array | Int32Array, requiresGrad = false, name = ''): Tensor {
  if (data.length !== sizeOf(shape)) throw new Error(`data of length ${data.length} does not fit shape [${shape.join(', ')}]`);
  const dtype: DType = data instanceof Int32Array ? 'i32' : 'f32';
  return new Tensor(backend, shape, dtype, backend.upload(data), requiresGrad, name);
}
