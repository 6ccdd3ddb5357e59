import type { Backend, GradScale, Storage } from '../backend';
import type { Tensor } from '../tensor';

export interface GradientNorms {
  /** Global L2 norm of all gradients before clipping. */
  total: number;
  /** Global norm after clipping (equal to total when nothing was clipped). */
  clipped: number;
  /** Pre-clip L2 norm of each parameter's gradient, in parameter order. */
  perParameter: Float64Array;
  /**
   * The clip coefficient on the device, for the optimizer to multiply each gradient by as it reads it (null when
   * nothing is clipped); call `release` after the update.
   */
  gradScale: GradScale | null;
  release(): void;
}

/**
 * Measures gradient norms and, when maxNorm > 0, the coefficient min(1, maxNorm / (norm + 1e-6)) that the update
 * multiplies every gradient by, exactly like torch.nn.utils.clip_grad_norm_. The norm and the coefficient stay on
 * the backend's device; only the per-parameter squares, the norm and the coefficient are read back, once.
 */
export async function clipGradients(backend: Backend, params: readonly Tensor[], maxNorm: number): Promise<GradientNorms> {
  const k = backend.kernels;
  const count = params.length;
  const stats = backend.alloc('f32', count + 2);
  params.forEach((p, i) => k.sumOfSquares((p.grad as Tensor).storage, p.size, stats, i));
  k.globalNorm(stats, count, maxNorm);
  const release = () => backend.release(stats);
  let host: Float32Array | Int32Array;
  try {
    host = await backend.read(stats, 'f32');
  } catch (error) {
    release();
    throw error;
  }
  const perParameter = new Float64Array(count);
  let sumOfSquares = 0;
  for (let i = 0; i < count; i++) {
    perParameter[i] = Math.sqrt(host[i]);
    sumOfSquares += host[i];
  }
  const total = Math.sqrt(sumOfSquares);
  const gradScale = maxNorm > 0 ? { factors: stats as Storage, index: count + 1 } : null;
  return { total, clipped: total * host[count + 1], perParameter, gradScale, release };
}
