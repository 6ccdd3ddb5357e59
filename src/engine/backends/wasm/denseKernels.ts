import {
  attentionLayout, type AttentionShape, type CrossEntropyShape, type LayerNormShape, type LinearActivation, type LinearShape,
} from '../../backend';
import { ACTIVATION_IDS } from './elementwiseKernels';
import type { WasmRuntime } from './runtime';
import { PARALLEL_MIN_WORK, STORE, accumulateMode, input, optionalInput, output, type WasmStorage } from './storage';

type S = WasmStorage;

/** n split into `parts` nearly equal blocks, each rounded up to a multiple of `unit`. */
function blockOf(n: number, parts: number, unit: number): number {
  return Math.ceil(Math.ceil(n / parts) / unit) * unit;
}

/** Where a product's operands and result are: A(m, k) at a + m·ars + k·aks, B(k, n) at b + k·ldb + 4n (or b + n·ldb + 4k when bTransposed), C(m, n) at c + m·ldc + 4n (or c + n·ldc + 4m when cTransposed). */
interface Product {
  a: number; ars: number; aks: number;
  b: number; ldb: number; bTransposed?: boolean;
  c: number; ldc: number; cTransposed?: boolean;
  M: number; N: number; K: number;
  mode: number; bias?: number;
  /** An activation (assembly/activation.ts id) applied to each finished chunk of C, its slopes to `slope` (C's layout). */
  act?: { id: number; slope: number };
  /** C (mode)= (A·B) ⊙ gate, gate in C's layout. */
  gate?: number;
}

/** Small chunks per thread in a parallel GEMM's last rows (one thread's worth of large chunks, cut finer). */
const TAIL_CHUNKS_PER_THREAD = 4;

/**
 * C[M,N] (mode)= A·B (+ bias). B is packed once (GEMM_PACK). A given transposed (ars = 4: each k holds a tile's
 * rows side by side) is read where it is, in MB × NB output chunks of about 128 × 64; a row-major A is packed by
 * the thread that runs a chunk, so its chunks span whole rows of C (A's rows packed once) and MB shrinks until
 * there are enough of them. Chunks shrink in equal parts (whole A tiles of 4 or 6 rows, whole 8-column panels)
 * until every thread has several: a thread that claims the last chunk then waits little. K runs in blocks of KC;
 * a parallel long-K product with A in place (a weight gradient: small C, K = the rows of a batch) splits them
 * into chunks of their own, summed afterwards in block order (GEMM_REDUCE), instead of cutting C thin.
 */
function gemm(rt: WasmRuntime, p: Product): void {
  const { M, N, K } = p;
  const rows = rt.gemmTileRows;
  const KC = Math.min(K, 512);
  const parallel = M * N * K >= 4 * PARALLEL_MIN_WORK && rt.threads > 1;
  const inPlace = p.ars === 4;
  const split = parallel && inPlace && K > KC && !p.bias && !p.act && !p.gate;
  const kBlocks = split ? Math.ceil(K / KC) : 1;
  let mParts = Math.ceil(M / 128), nParts = inPlace ? Math.ceil(N / 64) : 1;
  let MB = blockOf(M, mParts, rows), NB = blockOf(N, nParts, 8);
  const chunks = (): number => kBlocks * Math.ceil(M / MB) * Math.ceil(N / NB);
  while (parallel && chunks() < 8 * rt.threads && (inPlace ? Math.max(MB, NB) : MB) > 16) {
    if (MB >= NB || !inPlace) MB = blockOf(M, ++mParts, rows);
    else NB = blockOf(N, ++nParts, 8);
  }
  // Split, every block of chunks is claimed before the next: no uneven end to even out with small chunks.
  const bigRows = split ? M : parallel ? Math.max(0, Math.floor((M - rt.threads * MB) / MB)) * MB : 0;
  const MS = parallel && !split ? blockOf(M - bigRows, TAIL_CHUNKS_PER_THREAD * rt.threads, rows) : MB;
  rt.ensureScratch(rt.gemmThreadBytes(inPlace ? 0 : MB, KC), rt.packedBytes(M, N, K, p.ars) + 4 * (kBlocks - 1) * M * N);
  rt.call('GEMM_PACK', [p.a, p.ars, p.aks, p.b, p.ldb, p.bTransposed ? 1 : 0, M, N, K], [], parallel);
  const cT = p.cTransposed ? 1 : 0;
  const epilogue = [p.act?.id ?? -1, p.act?.slope ?? 0, p.gate ?? 0];
  rt.call('GEMM', [p.c, p.ldc, M, N, K, p.mode, p.bias ?? 0, MB, NB, KC, p.a, p.ars, p.aks, cT, bigRows, MS, split ? 1 : 0, ...epilogue], [],
    parallel);
  if (split) rt.call('GEMM_REDUCE', [p.c, p.ldc, M, N, K, KC, p.ars, cT], [], true);
}

/** y = x·wᵀ + b, or act(that) with its slopes, the activation run on each tile of y as the product finishes it. */
export function linearForward(x: S, w: S, b: S | null, y: S, { N, I, O }: LinearShape, act?: LinearActivation<S>): void {
  const xp = input(x), wp = input(w), bias = optionalInput(b);
  const yp = output(y, N * O);
  const epilogue = act ? { id: ACTIVATION_IDS[act.kind], slope: output(act.slope, N * O) } : undefined;
  gemm(y.runtime, { a: xp, ars: I * 4, aks: 4, b: wp, ldb: I * 4, bTransposed: true, c: yp, ldc: O * 4, M: N, N: O, K: I, mode: STORE, bias,
    act: epilogue });
}

/**
 * dx = dy·w (⊙ dxGate, applied to each tile before it meets dx), dw = dyᵀ·x, db = Σ dy. dw reads its wider operand
 * transposed in place (no packing of the N-row matrix): dyᵀ·x when O ≥ I, else (xᵀ·dy)ᵀ, written transposed.
 */
export function linearBackward(dy: S, x: S, w: S, dx: S | null, dw: S | null, db: S | null, { N, I, O }: LinearShape,
  dxGate?: S | null): void {
  const rt = dy.runtime;
  const dyp = input(dy), xp = input(x), wp = input(w);
  const gate = dxGate ? input(dxGate) : undefined;
  if (dx) gemm(rt, { a: dyp, ars: O * 4, aks: 4, b: wp, ldb: I * 4, c: dx.ptr, ldc: I * 4, M: N, N: I, K: O, mode: accumulateMode(dx, N * I), gate });
  if (dw) {
    const mode = accumulateMode(dw, O * I);
    if (O >= I) gemm(rt, { a: dyp, ars: 4, aks: O * 4, b: xp, ldb: I * 4, c: dw.ptr, ldc: I * 4, M: O, N: I, K: N, mode });
    else gemm(rt, { a: xp, ars: 4, aks: I * 4, b: dyp, ldb: O * 4, c: dw.ptr, ldc: I * 4, cTransposed: true, M: I, N: O, K: N, mode });
  }
  if (db) rt.call('BIAS_GRAD', [dyp, db.ptr, N, O, accumulateMode(db, O)], [], N * O >= PARALLEL_MIN_WORK);
}

export function layerNormForward(x: S, w: S, b: S | null, y: S, mean: S, rstd: S, { N, C, eps }: LayerNormShape): void {
  const xp = input(x), wp = input(w), bp = optionalInput(b);
  x.runtime.call('LN_FWD', [xp, wp, bp, output(y, N * C), output(mean, N), output(rstd, N), N, C], [eps], N * C >= PARALLEL_MIN_WORK);
}

export function layerNormBackward(dy: S, x: S, w: S, mean: S, rstd: S, dx: S | null, dw: S | null, db: S | null,
  { N, C }: LayerNormShape): void {
  const rt = dy.runtime;
  const parallel = N * C >= PARALLEL_MIN_WORK;
  rt.ensureScratch(8 * C, rt.layerNormScratchBytes(N, C));
  const args = [input(dy), input(x), input(w), input(mean), input(rstd)];
  const dxMode = dx ? accumulateMode(dx, N * C) : STORE;
  rt.call('LN_BWD_ROWS', [...args, dx ? dx.ptr : 0, N, C, dxMode], [], parallel);
  if (!dw && !db) return;
  const dwMode = dw ? accumulateMode(dw, C) : STORE, dbMode = db ? accumulateMode(db, C) : STORE;
  rt.call('LN_BWD_REDUCE', [dw ? dw.ptr : 0, db ? db.ptr : 0, N, C, dwMode, dbMode], [], C >= 128 && parallel);
}

function attentionWork({ B, Tq, Tk, C }: AttentionShape): number {
  return B * Tq * Tk * C;
}

/** Addresses of q, k, v (or of their gradients) at `bases`: with a packed projection, its three column blocks. */
function headAddresses(bases: number[], s: AttentionShape): number[] {
  const { qOffset, kOffset, vOffset } = attentionLayout(s);
  return [bases[0] + 4 * qOffset, bases[1] + 4 * kOffset, bases[2] + 4 * vOffset];
}

export function attentionForward(q: S, k: S, v: S, keyPad: S | null, y: S, lse: S, weights: S | null, s: AttentionShape): void {
  const rt = q.runtime;
  const { B, Tq, Tk, C, H, causal } = s;
  const { ld } = attentionLayout(s);
  rt.ensureScratch(rt.attentionScratchBytes(Tq, Tk, C / H));
  const saved = weights ? output(weights, B * H * Tq * Tk) : 0;
  const args = [...headAddresses([input(q), input(k), input(v)], s), optionalInput(keyPad), output(y, B * Tq * C), output(lse, B * H * Tq), saved];
  rt.call('ATTN_FWD', [...args, B, Tq, Tk, C, H, causal ? 1 : 0, ld], [], B * H > 1 && attentionWork(s) >= PARALLEL_MIN_WORK);
}

export function attentionBackward(dy: S, q: S, k: S, v: S, keyPad: S | null, y: S, lse: S, weights: S | null, dq: S, dk: S, dv: S,
  s: AttentionShape): void {
  const rt = q.runtime;
  const { B, Tq, Tk, C, H, causal } = s;
  const { ld } = attentionLayout(s);
  rt.ensureScratch(rt.attentionScratchBytes(Tq, Tk, C / H));
  const args = [input(dy), ...headAddresses([input(q), input(k), input(v)], s), optionalInput(keyPad), input(y), input(lse),
    optionalInput(weights)];
  const grads = headAddresses([dq.ptr, dk.ptr, dv.ptr], s);
  // Packed, dq, dk and dv are one storage that the kernel writes whole: one mode for all three.
  const modes = s.packed ? Array<number>(3).fill(accumulateMode(dq, B * Tq * ld))
    : [accumulateMode(dq, B * Tq * C), accumulateMode(dk, B * Tk * C), accumulateMode(dv, B * Tk * C)];
  rt.call('ATTN_BWD', [...args, ...grads, B, Tq, Tk, C, H, causal ? 1 : 0, ...modes, ld], [], B * H > 1 && attentionWork(s) >= PARALLEL_MIN_WORK);
}

export function crossEntropyForward(logits: S, targets: S, loss: S, lse: S, { N, V, ignoreIndex, smoothing, scale }: CrossEntropyShape): void {
  const rt = logits.runtime;
  rt.ensureScratch(0, rt.crossEntropyScratchBytes(N));
  rt.call('CE_ROWS', [input(logits), input(targets), output(lse, N), N, V, ignoreIndex], [smoothing], N * V >= PARALLEL_MIN_WORK);
  rt.call('CE_SUM', [output(loss, 1), N], [scale], false);
}

export function crossEntropyBackward(dLoss: S, logits: S, targets: S, lse: S, dLogits: S,
  { N, V, ignoreIndex, smoothing, scale }: CrossEntropyShape): void {
  const rt = logits.runtime;
  const args = [input(dLoss), input(logits), input(targets), input(lse), dLogits.ptr];
  rt.call('CE_BWD', [...args, N, V, ignoreIndex, accumulateMode(dLogits, N * V)], [smoothing, scale], N * V >= PARALLEL_MIN_WORK);
}
