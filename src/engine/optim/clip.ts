import type { Backend } from '../backend';
import type { Tensor } from '../tensor';

export interface GradientNorms {
  /** Global L2 norm of all gradients before clipping. */
  total: number;
  /** Global norm after clipping (equal to total when nothing was clipped). */
  clipped: number;
  /** Pre-clip L2 norm of each parameter's gradient, in parameter order. */
  perParameter: Float64Array;
}

/**
 * Measures gradient norms and, when maxNorm > 0, scales all gradients by min(1, maxNorm / (norm + 1e-6))
 * exactly like torch.nn.utils.clip_grad_norm_.
 */
export async function clipGradients(backend: Backend, params: readonly Tensor[], maxNorm: number): Promise<GradientNorms> {
  const k = backend.kernels;
  const squares = backend.alloc('f32', params.length);
  params.forEach((p, i) => k.sumOfSquares((p.grad as Tensor).storage, p.size, squares, i));
  const host = await backend.read(squares, 'f32');
  backend.release(squares);
  const perParameter = new Float64Array(params.length);
  let sumOfSquares = 0;
  for (let i = 0; i < params.length; i++) {
    perParameter[i] = Math.sqrt(host[i]);
    sumOfSquares += host[i];
  }
  const total = Math.sqrt(sumOfSquares);
  if (maxNorm <= 0) return { total, clipped: total, perParameter };
  const coefficient = Math.min(1, maxNorm / (total + 1e-6));
  if (coefficient < 1) {
    for (const p of params) {
      const g = (p.grad as Tensor).storage;
      k.scale(g, coefficient, g, p.size);
    }
  }
  return { total, clipped: total * coefficient, perParameter };
}
