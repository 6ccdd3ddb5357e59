/**
 * The script every worker thread runs (eval'd, so the bundled CLI and the extension's worker need no extra file):
 * instantiate the kernels on the shared memory, say ready, then stay in the module's own wait/run loop until quit.
 */
export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, tid, generation } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm kernel abort'); } } });
parentPort.postMessage('ready');
instance.exports.worker_loop(tid, generation);
`;
