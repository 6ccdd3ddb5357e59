import { WasmBackend } from '../src/engine/backends/wasm';
const backend = await WasmBackend.create({ threads: 1 });
const n = 2048 * 512;
const x = backend.upload(Float32Array.from({ length: n }, (_, i) => Math.sin(i))), y = backend.alloc('f32', n);
for (let r = 0; r < 200; r++) backend.kernels.activationForward('gelu', x, y, n);
await backend.dispose();
