import { parentPort } from 'node:worker_threads';

parentPort?.postMessage({ type: 'DidFail', requestId: null, runId: null, message: 'the training worker is not built yet' });
