/**
 * Times each kernel of the reference GPT's training step on the wasm backend and adds them up per step: where a
 * step's time goes, kernel by kernel. Each kernel runs in batches and the fastest batch counts; with --cpu-time
 * (one thread only) a batch is measured in process CPU time, which a busy machine disturbs far less than wall time.
 *   node --import tsx bench/kernels.ts [--threads N] [--reps N] [--cpu-time] [--variant relaxed|plain]
 */
import { parseArgs } from 'node:util';
import { WasmBackend, type WasmStorage } from '../src/engine/backends/wasm';
import { Rng } from '../src/engine/rng';
import { kernelVariant } from './refGptModel';

const B = 16, T = 128, C = 128, H = 4, F = 512, V = 256, L = 4, N = B * T;

interface Probe {
  name: string;
  /** How many times one training step runs it. */
  perStep: number;
  flops: number;
  run: () => void;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    threads: { type: 'string' }, variant: { type: 'string' }, reps: { type: 'string', default: '20' }, 'cpu-time': { type: 'boolean', default: false },
  } });
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const backend = await WasmBackend.create({ threads, variant: kernelVariant(values.variant) });
  const k = backend.kernels;
  const rng = new Rng(5);
  const tensor = (n: number, std = 1): WasmStorage => backend.upload(Float32Array.from({ length: n }, () => rng.normal() * std));
  /** A linear layer's probes; the feed-forward block's up-projection runs GELU inside, its down-projection gates dx by the slope. */
  const linear = (I: number, O: number, count: number, mlp: 'up' | 'down' | null = null): Probe[] => {
    const x = tensor(N * I), w = tensor(O * I, 0.05), b = tensor(O), y = tensor(N * O), dy = tensor(N * O);
    const dx = tensor(N * I), dw = tensor(O * I), db = tensor(O), slope = tensor(mlp === null ? 0 : N * Math.max(I, O));
    const s = { N, I, O };
    const act = mlp === 'up' ? { kind: 'gelu' as const, slope } : undefined;
    const gate = mlp === 'down' ? slope : null;
    return [
      { name: `linear ${I}→${O} forward${act ? ' + gelu' : ''}`, perStep: count, flops: 2 * N * I * O, run: () => k.linearForward(x, w, b, y, s, act) },
      { name: `linear ${I}→${O} backward${gate ? ' (dx · slope)' : ''}`, perStep: count, flops: 4 * N * I * O,
        run: () => k.linearBackward(dy, x, w, dx, dw, db, s, gate) },
    ];
  };
  const qkv = tensor(N * 3 * C), dqkv = tensor(N * 3 * C), y = tensor(N * C), lse = tensor(B * H * T), dy = tensor(N * C);
  const weights = B * H * T * T <= backend.attentionWeightsBudget ? tensor(B * H * T * T) : null;
  const dx = tensor(N * C), dw = tensor(C), db = tensor(C);
  const attn = { B, Tq: T, Tk: T, C, H, causal: true, packed: true };
  const causalFlops = 2 * B * H * (T * (T + 1) / 2) * (C / H);
  const x = tensor(N * C, 2), w = tensor(C), bias = tensor(C), mean = tensor(N), rstd = tensor(N), out = tensor(N * C);
  const logits = tensor(N * V, 2), targets = backend.upload(Int32Array.from({ length: N }, () => rng.int(V)));
  const loss = tensor(1), rowLse = tensor(N), dLoss = backend.upload(Float32Array.from([1])), dLogits = tensor(N * V);
  const ce = { N, V, ignoreIndex: -1, smoothing: 0, scale: 1 / N };
  const p = tensor(F * C), g = tensor(F * C), m = tensor(F * C), vv = tensor(F * C);
  const adam = { lr: 3e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decoupled: true, step: 3 };
  const probes: Probe[] = [
    ...linear(C, 3 * C, L), ...linear(C, C, L), ...linear(C, F, L, 'up'), ...linear(F, C, L, 'down'),
    ...linear(C, V, 1).map((pr) => ({ ...pr, name: `${pr.name} (head)` })),
    { name: 'attention forward', perStep: L, flops: 2 * causalFlops, run: () => k.attentionForward(qkv, qkv, qkv, null, y, lse, weights, attn) },
    { name: 'attention backward', perStep: L, flops: 5 * causalFlops, run: () => k.attentionBackward(dy, qkv, qkv, qkv, null, y, lse, weights, dqkv, dqkv, dqkv, attn) },
    { name: 'layer norm forward', perStep: 2 * L + 1, flops: 0, run: () => k.layerNormForward(x, w, bias, out, mean, rstd, { N, C, eps: 1e-5 }) },
    { name: 'layer norm backward', perStep: 2 * L + 1, flops: 0,
      run: () => k.layerNormBackward(dy, x, w, mean, rstd, dx, dw, db, { N, C, eps: 1e-5 }) },
    { name: 'cross-entropy forward', perStep: 1, flops: 0, run: () => k.crossEntropyForward(logits, targets, loss, rowLse, ce) },
    { name: 'cross-entropy backward', perStep: 1, flops: 0, run: () => k.crossEntropyBackward(dLoss, logits, targets, rowLse, dLogits, ce) },
    { name: 'residual add (forward)', perStep: 2 * L + 1, flops: 0, run: () => k.add(x, y, out, N * C) },
    { name: 'accumulate (residual grads)', perStep: 4 * L + 2, flops: 0, run: () => k.accumulate(dx, out, N * C, 1) },
    { name: 'adamw 65k (≈ 13 such per step)', perStep: 13, flops: 0, run: () => k.adamUpdate(p, g, m, vv, F * C, adam) },
  ];
  const reps = Number(values.reps);
  const cpuTime = values['cpu-time'] === true;
  if (cpuTime && backend.threads !== 1) throw new Error('--cpu-time measures one thread: add --threads 1');
  const clock = (): number => {
    if (!cpuTime) return performance.now();
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  let total = 0;
  console.log(`wasm backend (${backend.runtime.variant}), ${backend.threads} thread(s); fastest of 5 batches of ${reps} runs (${cpuTime ? 'CPU' : 'wall'} time); ` +
    `reference GPT shapes (N = ${N} rows)`);
  for (const probe of probes) {
    probe.run();
    let best = Infinity;
    for (let batch = 0; batch < 5; batch++) {
      const t0 = clock();
      for (let r = 0; r < reps; r++) probe.run();
      best = Math.min(best, (clock() - t0) / reps);
    }
    const perStep = best * probe.perStep;
    total += perStep;
    const rate = probe.flops > 0 ? `${(probe.flops / best / 1e6).toFixed(1).padStart(6)} GFLOP/s` : ''.padStart(15);
    const times = `${best.toFixed(3).padStart(8)} ms × ${String(probe.perStep).padStart(2)} = ${perStep.toFixed(2).padStart(7)} ms/step`;
    console.log(`${probe.name.padEnd(34)} ${times} ${rate}`);
  }
  console.log(`sum of the kernels: ${total.toFixed(1)} ms per step (the step also runs the graph code, embeddings, norms of 50 tensors, …)`);
  await backend.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
