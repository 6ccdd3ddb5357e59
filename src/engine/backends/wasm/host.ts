/**
 * The few host facilities the WebAssembly backend needs beyond WebAssembly itself: worker threads, the core
 * count, and V8's flag for relaxed SIMD. The engine must not import Node built-ins (it also runs in browsers), so they are looked up at run time
 * with `process.getBuiltinModule`; where that is missing the backend runs on one thread.
 */

/** A started worker thread. */
export interface ThreadHandle {
  /** Resolves once the worker has instantiated the module and is about to enter its loop. */
  ready: Promise<void>;
  terminate(): Promise<number>;
}

export interface ThreadHost {
  /** Cores this process may use (os.availableParallelism()). */
  parallelism: number;
  /** Starts a worker running `source` (CommonJS) with `data` as its workerData. */
  spawn(source: string, data: unknown): ThreadHandle;
}

function nodeProcess(): NodeJS.Process | null {
  return typeof process === 'object' && process !== null && typeof process.getBuiltinModule === 'function' ? process : null;
}

/** Node's worker_threads and os, or null outside Node (or on a Node without process.getBuiltinModule). */
export function threadHost(): ThreadHost | null {
  const proc = nodeProcess();
  if (!proc) return null;
  const threads = proc.getBuiltinModule('node:worker_threads');
  const os = proc.getBuiltinModule('node:os');
  if (!threads || !os) return null;
  return {
    parallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    spawn(source, data) {
      const worker = new threads.Worker(source, { eval: true, workerData: data });
      const ready = new Promise<void>((resolve, reject) => {
        worker.once('message', () => {
          // Once in its wait loop, a worker must not keep the process alive.
          worker.unref();
          resolve();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`wasm worker exited (code ${code}) before it was ready`)));
      });
      return { ready, terminate: () => worker.terminate() };
    },
  };
}

/**
 * Turns on V8's relaxed SIMD where it is behind a flag (Node 20). V8 flags are per process, so worker threads
 * started afterwards see it too. Returns whether a flag could be set at all (false outside Node).
 */
export function enableRelaxedSimd(): boolean {
  const v8 = nodeProcess()?.getBuiltinModule('node:v8');
  if (!v8) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}
