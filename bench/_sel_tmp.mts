import { selectBackend } from '../src/engine/backends/select';
const t0 = performance.now();
const s = await selectBackend('auto');
console.log(s.reason, '|', (performance.now() - t0).toFixed(0), 'ms');
process.exit(0);
