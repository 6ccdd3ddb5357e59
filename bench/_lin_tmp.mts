import { WasmBackend } from '../src/engine/backends/wasm';
import { Rng } from '../src/engine/rng';
const backend = await WasmBackend.create({ threads: 1 });
const rng = new Rng(1); const N = 2048;
const t = (n: number) => backend.upload(Float32Array.from({ length: n }, () => rng.normal()));
for (const [I, O] of [[128, 384], [128, 512], [512, 128]]) {
  const x = t(N * I), w = t(O * I), dy = t(N * O), dx = t(N * I), dw = t(O * I), db = t(O);
  const s = { N, I, O };
  const time = (f: () => void) => { f(); let best = Infinity; for (let b = 0; b < 5; b++) { const c0 = process.cpuUsage(); for (let r = 0; r < 5; r++) f(); const u = process.cpuUsage(c0); best = Math.min(best, (u.user + u.system) / 5000); } return best; };
  const g = (ms: number) => (2 * N * I * O / ms / 1e6).toFixed(1);
  const tx = time(() => backend.kernels.linearBackward(dy, x, w, dx, null, null, s));
  const tw = time(() => backend.kernels.linearBackward(dy, x, w, null, dw, null, s));
  const tb = time(() => backend.kernels.linearBackward(dy, x, w, null, null, db, s));
  console.log(`${I}→${O}: dx ${tx.toFixed(2)} ms (${g(tx)} GFLOP/s), dW ${tw.toFixed(2)} ms (${g(tw)}), db ${tb.toFixed(2)} ms`);
}
await backend.dispose();
