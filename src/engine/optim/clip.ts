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
 * exactly like torch.nn.utils.clip_grad_norm_. The norm and the scaling stay on the backend's device; only the
 * per-parameter squares, the norm and the coefficient are read back, once.
 */
export async function clipGradients(backend: Backend, params: readonly Tensor[], maxNorm: number): Promise<GradientNorms> {
  const k = backend.kernels;
  const count = params.length;
  const stats = backend.alloc('f32', count + 2);
  params.forEach((p, i) => k.sumOfSquares((p.grad as Tensor).storage, p.size, stats, i));
  k.globalNorm(stats, count, maxNorm);
  if (maxNorm > 0) for (const p of params) k.scaleByElement((p.grad as Tensor).storage, stats, count + 1, p.size);
  const host = await backend.read(stats, 'f32');
  backend.release(stats);
  const perParameter = new Float64Array(count);
  let sumOfSquares = 0;
  for (let i = 0; i < count; i++) {
    perParameter[i] = Math.sqrt(host[i]);
    sumOfSquares += host[i];
  }
  const total = Math.sqrt(sumOfSquares);
  return { total, clipped: total * host[count + 1], perParameter };
}
