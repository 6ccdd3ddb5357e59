// The training worker (worker_threads entry, bundled to dist/worker.js): runs configs for the extension host.
import { parentPort } from 'node:worker_threads';
import { acquireWebGpu } from '../engine/backends/webgpu/acquire';
import { MessageChannel } from '../protocol/channel';
import type { HostToWorker, WorkerToHost } from '../protocol/worker';
import { validateHostToWorker } from './messages';
import { gpuFaultFromEnv } from '../node/gpuFault';
import { WorkerRuns, userMessage } from './runs';

declare const LOSSLAB_VERSION: string;

const port = parentPort;
if (port) {
  const post = (message: WorkerToHost) => port.postMessage(message);
  const channel = new MessageChannel<HostToWorker, WorkerToHost>(
    post,
    validateHostToWorker,
    (reason, raw) => post({ type: 'DidFail', requestId: requestIdOf(raw), runId: null, message: `the training worker rejected a message: ${reason}` }),
    (error, message) => post({ type: 'DidFail', requestId: message.type === 'StartRun' ? message.requestId : null, runId: null, message: userMessage(error) }),
  );
  const runs = new WorkerRuns({ version: LOSSLAB_VERSION, send: post, gpuFaultAfterStep: gpuFaultFromEnv(process.env.LOSSLAB_TEST_GPU_FAULT) });
  channel.on('StartRun', (message) => runs.start(message));
  channel.on('StopRun', (message) => runs.stop(message.runId));
  channel.on('ResumeRun', (message) => runs.resume(message.runId));
  channel.on('ProbeWebGpu', async ({ requestId, allowFallback }) => {
    try {
      const found = await acquireWebGpu({ allowFallback });
      post({ type: 'DidProbeWebGpu', requestId, passed: found.backend !== null, adapter: found.adapter, reason: found.reason });
    } catch (error) {
      post({ type: 'DidProbeWebGpu', requestId, passed: false, adapter: null, reason: `looking for WebGPU failed: ${userMessage(error)}` });
    }
  });
  port.on('message', (raw: unknown) => channel.receive(raw));
  // The worker never dies of a stray error: the host hears about it and the runs carry on.
  process.on('uncaughtException', (error) => post({ type: 'DidFail', requestId: null, runId: null, message: userMessage(error) }));
  process.on('unhandledRejection', (error) => post({ type: 'DidFail', requestId: null, runId: null, message: userMessage(error) }));
}

/** The request id of a rejected StartRun, so that the host's pending Train fails at once rather than waiting. */
function requestIdOf(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const id = (raw as Record<string, unknown>).requestId;
  return typeof id === 'string' && id.length <= 128 ? id : null;
}
