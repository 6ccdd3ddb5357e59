/**
 * Backends and their kernel registry. Shape letters used by every kernel:
 * B batch, T (query) time, S / Tk (key) time, C channels (d_model), H heads, D = C / H head size,
 * V vocabulary, N = rows (usually B·T), I / O linear in / out features, F feed-forward width.
 * Rule for every backward kernel: it ADDS into its gradient outputs (they start zeroed), so gradients of
 * shared parameters and of micro-batches accumulate without extra copies.
 */
export type DType = 'f32' | 'i32';
export type BackendName = 'cpu-reference' | 'webgpu' | 'wasm';
export type ActivationKind = 'gelu' | 'gelu_tanh' | 'relu';

/** A backend's handle to device memory; CPU uses typed arrays, GPU backends their own buffer objects. */
export interface Storage {
  readonly length: number;
}

export interface LinearShape { N: number; I: number; O: number }
/** An activation applied to a linear layer's output inside its kernel, and where its slope goes. */
export interface LinearActivation<S extends Storage = Storage> { kind: ActivationKind; slope: S }
export interface EmbeddingShape { N: number; C: number; V: number }
export interface LayerNormShape { N: number; C: number; eps: number }
/**
 * `packed`: q, k and v are one self-attention projection [B,T,3C] passed three times (Tq = Tk): q is channels
 * [0, C), k [C, 2C), v [2C, 3C) of each row; dq, dk, dv are likewise its one gradient. Saves slicing it.
 */
export interface AttentionShape { B: number; Tq: number; Tk: number; C: number; H: number; causal: boolean; packed?: boolean }
/** Where attention's q, k and v rows are: row stride `ld` and the channel offset of each (see AttentionShape.packed). */
export function attentionLayout(s: AttentionShape): { ld: number; qOffset: number; kOffset: number; vOffset: number } {
  return s.packed ? { ld: 3 * s.C, qOffset: 0, kOffset: s.C, vOffset: 2 * s.C } : { ld: s.C, qOffset: 0, kOffset: 0, vOffset: 0 };
}

export interface CrossEntropyShape { N: number; V: number; ignoreIndex: number; smoothing: number; scale: number }
export interface SliceShape { N: number; W: number; start: number; width: number }
export interface DropoutShape { n: number; p: number; seed: number }
export interface AdamHyper { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; step: number }
export interface SgdHyper { lr: number; momentum: number; nesterov: boolean; weightDecay: number; firstStep: boolean }
/** A factor on the device that multiplies a gradient before an update: clip_grad_norm_'s coefficient, at factors[index]. */
export interface GradScale<S = Storage> { factors: S; index: number }

/** Every kernel the engine uses; each backend implements all of them and must pass the same op suite. */
export interface Kernels<S extends Storage = Storage> {
  /** out[n] = a[n] + b[n] */
  add(a: S, b: S, out: S, n: number): void;
  /** target[n] += factor · x[n] */
  accumulate(target: S, x: S, n: number, factor: number): void;
  /** out[n] = factor · x[n] (out may be x) */
  scale(x: S, factor: number, out: S, n: number): void;
  fill(x: S, value: number, n: number): void;
  /**
   * y[N,O] = x[N,I] · w[O,I]ᵀ + b[O]; with `act`, y = act(that) and act.slope[N,O] = act′(that): activationForward
   * fused in, so the pre-activation tensor is never written.
   */
  linearForward(x: S, w: S, b: S | null, y: S, s: LinearShape, act?: LinearActivation<S>): void;
  /**
   * dx[N,I] += dy·w; dw[O,I] += dyᵀ·x; db[O] += Σ_N dy. With `dxGate`, dx[N,I] += (dy·w) ⊙ dxGate: when x is an
   * activation's output and dxGate its saved slope, dx is the gradient of the pre-activation in one pass.
   */
  linearBackward(dy: S, x: S, w: S, dx: S | null, dw: S | null, db: S | null, s: LinearShape, dxGate?: S | null): void;
  /** y[N,C] = w[idx[N], :] */
  embeddingForward(idx: S, w: S, y: S, s: EmbeddingShape): void;
  /** dw[idx[n], :] += dy[n, :] */
  embeddingBackward(dy: S, idx: S, dw: S, s: EmbeddingShape): void;
  /** y[N,C] = (x − mean) · rstd · w + b; saves mean[N], rstd[N] */
  layerNormForward(x: S, w: S, b: S | null, y: S, mean: S, rstd: S, s: LayerNormShape): void;
  layerNormBackward(dy: S, x: S, w: S, mean: S, rstd: S, dx: S | null, dw: S | null, db: S | null, s: LayerNormShape): void;
  /** y[n] = act(x[n]) and slope[n] = act′(x[n]): the backward multiplies by the saved slope (no transcendental math twice) */
  activationForward(kind: ActivationKind, x: S, y: S, slope: S, n: number): void;
  /**
   * Multi-head attention y[B,Tq,C] from q[B,Tq,C], k[B,Tk,C], v[B,Tk,C]; keyPad[B,Tk] (i32, 1 = padding) or null.
   * Saves lse[B,H,Tq], the log-sum-exp of each row's masked, scaled scores (−Infinity for a fully masked row, whose
   * output is 0), and, when `weights` is given, the softmax weights[B,H,Tq,Tk] themselves (0 where masked), which
   * the backward then reads instead of recomputing them (see Backend.attentionWeightsBudget).
   */
  attentionForward(q: S, k: S, v: S, keyPad: S | null, y: S, lse: S, weights: S | null, s: AttentionShape): void;
  attentionBackward(dy: S, q: S, k: S, v: S, keyPad: S | null, y: S, lse: S, weights: S | null, dq: S, dk: S, dv: S,
    s: AttentionShape): void;
  /** loss[0] = scale · Σ over non-ignored rows of the label-smoothed CE of logits[N,V] vs targets[N]; saves lse[N] */
  crossEntropyForward(logits: S, targets: S, loss: S, lse: S, s: CrossEntropyShape): void;
  /** dLogits[N,V] += dLoss[0] · scale · (softmax − smoothed one-hot) on non-ignored rows */
  crossEntropyBackward(dLoss: S, logits: S, targets: S, lse: S, dLogits: S, s: CrossEntropyShape): void;
  /** y[N,width] = x[N, start:start+width] of x[N,W] */
  sliceForward(x: S, y: S, s: SliceShape): void;
  sliceBackward(dy: S, dx: S, s: SliceShape): void;
  /** y = x · mask with mask[n] ∈ {0, 1/(1−p)} drawn from a counter-based hash of (seed, n), the same on every backend */
  dropoutForward(x: S, mask: S, y: S, s: DropoutShape): void;
  /** out[n] += a[n] · b[n]: the backward of dropout and of an activation (dy times the saved mask or slope) */
  multiplyAccumulate(a: S, b: S, out: S, n: number): void;
  /** out[index] = Σ x[n]² */
  sumOfSquares(x: S, n: number, out: S, index: number): void;
  /**
   * squares[count] = √Σ_{i<count} squares[i] (the global gradient norm) and squares[count + 1] = the clip coefficient
   * min(1, maxNorm / (norm + 1e-6)), or 1 when maxNorm ≤ 0 (torch.nn.utils.clip_grad_norm_), computed where the data is.
   */
  globalNorm(squares: S, count: number, maxNorm: number): void;
  /** x[n] *= factors[index]: applies a factor that never leaves the device (the clip coefficient). */
  scaleByElement(x: S, factors: S, index: number, n: number): void;
  /**
   * One Adam / AdamW update of p[n] from g[n] (times gradScale's factor, when given; g itself may or may not be
   * scaled afterwards) with moments m[n], v[n] (torch.optim semantics).
   */
  adamUpdate(p: S, g: S, m: S, v: S, n: number, h: AdamHyper, gradScale?: GradScale<S> | null): void;
  /** One SGD update with optional momentum buffer (torch.optim.SGD semantics, dampening 0); gradScale as in adamUpdate. */
  sgdUpdate(p: S, g: S, buf: S, n: number, h: SgdHyper, gradScale?: GradScale<S> | null): void;
}

/** A place where tensors live and kernels run. */
export interface Backend<S extends Storage = Storage> {
  readonly name: BackendName;
  /** A human-readable description for run.json and the dashboard (device, threads, …). */
  readonly description: string;
  readonly kernels: Kernels<S>;
  /**
   * The most softmax weights (B·H·Tq·Tk floats) an attention call keeps for its backward pass on this backend;
   * larger calls, and every call where this is 0, recompute them from the saved log-sum-exp (FlashAttention-style).
   */
  readonly attentionWeightsBudget: number;
  /** Zero-filled storage of n elements. */
  alloc(dtype: DType, n: number): S;
  upload(data: Float32Array | Int32Array): S;
  /** Overwrites existing storage with host data of the same length. */
  write(storage: S, data: Float32Array | Int32Array): void;
  /** The contents as of this call: kernels recorded and storage released after it do not change what it returns. */
  read(storage: S, dtype: DType): Promise<Float32Array | Int32Array>;
  /** Returns storage to the backend's pool; using it afterwards is a bug. */
  release(storage: S): void;
  /** Waits until all submitted work is done (a no-op on the CPU). */
  sync(): Promise<void>;
  /** Ends the backend's threads when it has any; the backend is unusable afterwards. */
  dispose?(): Promise<void>;
}

type KernelName = keyof Kernels;
const registry = new Map<BackendName, Partial<Kernels>>();

/** Registers one kernel of one backend (tfjs-style registry keyed by backend and kernel). */
export function registerKernel<K extends KernelName>(backend: BackendName, name: K, impl: Kernels[K]): void {
  let table = registry.get(backend);
  if (!table) registry.set(backend, (table = {}));
  table[name] = impl;
}

/** The complete kernel table of a backend; throws naming every kernel it still lacks. */
export function kernelsOf(backend: BackendName, required: readonly KernelName[]): Kernels {
  const table = registry.get(backend) ?? {};
  const missing = required.filter((name) => typeof table[name] !== 'function');
  if (missing.length > 0) throw new Error(`backend ${backend} lacks kernels: ${missing.join(', ')}`);
  return table as Kernels;
}

export const KERNEL_NAMES: readonly KernelName[] = [
  'add', 'accumulate', 'scale', 'fill', 'linearForward', 'linearBackward', 'embeddingForward', 'embeddingBackward',
  'layerNormForward', 'layerNormBackward', 'activationForward', 'attentionForward',
  'attentionBackward', 'crossEntropyForward', 'crossEntropyBackward', 'sliceForward', 'sliceBackward',
  'dropoutForward', 'multiplyAccumulate', 'sumOfSquares', 'globalNorm', 'scaleByElement', 'adamUpdate', 'sgdUpdate',
];
