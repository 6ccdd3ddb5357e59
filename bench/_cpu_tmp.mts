const t0 = process.cpuUsage(); const w0 = performance.now();
let x = 0; for (let i = 0; i < 3e7; i++) x += Math.sqrt(i);
const c = process.cpuUsage(t0); console.log('cpu ms', (c.user + c.system) / 1000, 'wall', performance.now() - w0, x > 0);
