import { WasmBackend } from '../src/engine/backends/wasm';
import { Rng } from '../src/engine/rng';
const B = 16, T = 128, C = 128, H = 4, N = B * T;
const backend = await WasmBackend.create({ threads: 1 });
const rng = new Rng(1);
const t = (n: number) => backend.upload(Float32Array.from({ length: n }, () => rng.normal()));
const q = t(N * C), k = t(N * C), v = t(N * C), y = t(N * C), lse = t(B * H * T), dy = t(N*C), dq = t(N*C), dk = t(N*C), dv = t(N*C);
const s = { B, Tq: T, Tk: T, C, H, causal: true };
const run = (mode: string) => mode === 'fwd' ? backend.kernels.attentionForward(q, k, v, null, y, lse, s) : backend.kernels.attentionBackward(dy, q, k, v, null, y, lse, dq, dk, dv, s);
for (const mode of (process.argv[2] ? [process.argv[2]] : ['fwd', 'bwd'])) {
  run(mode);
  const c0 = process.cpuUsage();
  for (let r = 0; r < 150; r++) run(mode);
  const c = process.cpuUsage(c0);
  console.log(mode, ((c.user + c.system) / 1000 / 150).toFixed(2), 'cpu ms per call');
}
await backend.dispose();
