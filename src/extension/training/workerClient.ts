import { Worker, type ResourceLimits } from 'node:worker_threads';
import { MessageChannel } from '../../protocol/channel';
import type { DidProbeWebGpu, DidStartRun, HostToWorker, StartRun, WorkerToHost } from '../../protocol/worker';
import { validateWorkerMessage } from './workerMessages';

/** What a Train asks of the worker (StartRun without its envelope). */
export type StartRunRequest = Omit<StartRun, 'type' | 'requestId'>;

export type LogLevel = 'info' | 'warn' | 'error';

/** Options of the host's end of the training worker. */
export interface WorkerClientOptions {
  /** The bundled worker entry, dist/worker.js. */
  workerFile: string;
  resourceLimits?: ResourceLimits;
  /** Every valid message of the worker's runs, in order; called before a DidStartRun resolves its `startRun`. */
  onMessage(message: Exclude<WorkerToHost, DidProbeWebGpu>): void;
  /** The worker went away (crash, out of memory, killed); `reason` is one sentence for the user. */
  onWorkerLost(reason: string): void;
  log?(level: LogLevel, message: string): void;
}

/** The heap limit the extension gives the training worker unless told otherwise. */
export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 4096 };

interface PendingStart {
  resolve(message: DidStartRun): void;
  reject(error: Error): void;
}

/**
 * The host's end of the training worker: starts the Worker on first use, pairs StartRun with its answer, and turns
 * the worker's death (any cause) into one `onWorkerLost`; the next `startRun` starts a fresh worker.
 */
export class TrainingWorkerClient {
  private worker: Worker | null = null;
  private channel: MessageChannel<WorkerToHost, HostToWorker> | null = null;
  private readonly pending = new Map<string, PendingStart>();
  private readonly probes = new Map<string, (answer: DidProbeWebGpu) => void>();
  private readonly runIds = new Set<string>();
  private nextRequestId = 1;
  private crashError: Error | null = null;
  private killReason: string | null = null;
  private exitHandled: Promise<void> = Promise.resolve();

  constructor(private readonly options: WorkerClientOptions) {}

  /** Starts a run; resolves with DidStartRun, rejects with the worker's (located) message when it cannot start. */
  startRun(request: StartRunRequest): Promise<DidStartRun> {
    const channel = this.ensureWorker();
    const requestId = `start-${this.nextRequestId++}`;
    return new Promise<DidStartRun>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.updateRef();
      channel.send({ type: 'StartRun', requestId, ...request });
    });
  }

  /** Asks the worker whether WebGPU works there (adapter, device, self-test); a lost worker answers "no". */
  probeWebGpu(allowFallback: boolean): Promise<DidProbeWebGpu> {
    const channel = this.ensureWorker();
    const requestId = `probe-${this.nextRequestId++}`;
    return new Promise<DidProbeWebGpu>((resolve) => {
      this.probes.set(requestId, resolve);
      this.updateRef();
      channel.send({ type: 'ProbeWebGpu', requestId, allowFallback });
    });
  }

  /** The worker thread's id while it runs; null before it starts and after it has gone. */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  stopRun(runId: string): void {
    this.channel?.send({ type: 'StopRun', runId });
  }

  resumeRun(runId: string): void {
    this.channel?.send({ type: 'ResumeRun', runId });
  }

  /** Terminates the worker now; its runs are reported lost with `reason`. Resolves once that is handled. */
  async terminate(reason: string): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.killReason = reason;
    await worker.terminate();
    await this.exitHandled;
  }

  private ensureWorker(): MessageChannel<WorkerToHost, HostToWorker> {
    if (this.worker && this.channel) return this.channel;
    const worker = new Worker(this.options.workerFile, { resourceLimits: this.options.resourceLimits ?? DEFAULT_RESOURCE_LIMITS });
    const channel = new MessageChannel<WorkerToHost, HostToWorker>(
      (message) => worker.postMessage(message),
      validateWorkerMessage,
      (reason) => this.log('error', `ignored a message from the training worker: ${reason}`),
      (error) => this.log('error', `handling a message from the training worker failed: ${String(error)}`),
    );
    const handle = (message: WorkerToHost) => this.handle(message);
    for (const type of ['DidStartRun', 'DidStep', 'DidEval', 'DidPause', 'DidFinish', 'DidFail', 'DidNotice', 'DidProbeWebGpu'] as const) channel.on(type, handle);
    worker.on('message', (raw: unknown) => channel.receive(raw));
    worker.on('messageerror', (error) => this.log('error', `a message from the training worker could not be read: ${error.message}`));
    worker.on('error', (error) => {
      this.crashError = error;
      this.log('error', `training worker error: ${error.stack ?? error.message}`);
    });
    let exited: () => void = () => undefined;
    this.exitHandled = new Promise<void>((resolve) => (exited = resolve));
    worker.on('exit', (code) => {
      try {
        this.lost(describeWorkerLoss(this.crashError, code, this.killReason, this.options.resourceLimits ?? DEFAULT_RESOURCE_LIMITS));
      } finally {
        exited();
      }
    });
    this.worker = worker;
    this.channel = channel;
    this.crashError = null;
    this.killReason = null;
    this.log('info', `training worker started (${this.options.workerFile})`);
    return channel;
  }

  private handle(message: WorkerToHost): void {
    if (message.type === 'DidProbeWebGpu') {
      this.probes.get(message.requestId)?.(message);
      this.probes.delete(message.requestId);
      this.updateRef();
      return;
    }
    if (message.type === 'DidNotice') return this.options.onMessage(message);
    if (message.type === 'DidStartRun') this.runIds.add(message.runId);
    if (endsRun(message) && message.runId !== null) this.runIds.delete(message.runId);
    this.options.onMessage(message);
    if (message.type === 'DidStartRun') {
      this.pending.get(message.requestId)?.resolve(message);
      this.pending.delete(message.requestId);
    } else if (message.type === 'DidFail' && message.requestId !== null) {
      this.pending.get(message.requestId)?.reject(new Error(message.message));
      this.pending.delete(message.requestId);
    } else if (message.type === 'DidFail' && message.runId === null) {
      this.log('error', `training worker: ${message.message}`);
    }
    this.updateRef();
  }

  // A busy worker keeps the process alive (a test awaiting its run); an idle one must not hold the host open.
  private updateRef(): void {
    if (this.pending.size > 0 || this.probes.size > 0 || this.runIds.size > 0) this.worker?.ref();
    else this.worker?.unref();
  }

  private lost(reason: string): void {
    this.worker = null;
    this.channel = null;
    this.runIds.clear();
    this.log(this.killReason ? 'info' : 'error', `training worker gone: ${reason}`);
    for (const start of this.pending.values()) start.reject(new Error(reason));
    this.pending.clear();
    for (const [requestId, answer] of this.probes) answer({ type: 'DidProbeWebGpu', requestId, passed: false, adapter: null, reason });
    this.probes.clear();
    this.options.onWorkerLost(reason);
  }

  private log(level: LogLevel, message: string): void {
    this.options.log?.(level, message);
  }
}

/** Whether the message is the last of its run: it finished, failed, or paused for good after a GPU failure. */
export function endsRun(message: Exclude<WorkerToHost, DidProbeWebGpu>): boolean {
  return message.type === 'DidFinish' || message.type === 'DidFail' || (message.type === 'DidPause' && message.gpuFailure !== null);
}

/** One sentence saying why the worker went away: killed, out of memory, crashed, or exited. */
export function describeWorkerLoss(error: Error | null, exitCode: number, killReason: string | null, limits: ResourceLimits): string {
  if (killReason) return killReason;
  if ((error as NodeJS.ErrnoException | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const limit = limits.maxOldGenerationSizeMb ? ` (its heap is limited to ${limits.maxOldGenerationSizeMb} MB)` : '';
    return `the training worker ran out of memory${limit}`;
  }
  if (error) return `the training worker crashed: ${error.message}`;
  return `the training worker exited unexpectedly (exit code ${exitCode})`;
}
