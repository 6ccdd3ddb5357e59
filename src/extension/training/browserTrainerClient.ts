import { RelayedRuns, type BrowserTrainerTransport } from '../../node/relayedRuns';
import type { BrowserTrainerToHost } from '../../protocol/browserTrainer';
import type { DidProbeWebGpu, DidStartRun, StartRun, WorkerToHost } from '../../protocol/worker';
import type { StartRunRequest } from './workerClient';

export type { BrowserTrainerTransport };

/** Options of the host's end of the browser trainer that the dashboard webview hosts. */
export interface BrowserTrainerClientOptions {
  version: string;
  /** Opens (or finds) the dashboard webview relaying to the browser trainer for this config, once it is ready. */
  connect(configFile: string): Promise<BrowserTrainerTransport>;
  /** Every message of its runs, in the extension-host worker's protocol; called before a DidStartRun resolves `startRun`. */
  onMessage(message: Exclude<WorkerToHost, DidProbeWebGpu>): void;
  /** The browser has no usable WebGPU adapter (`reason` says so): the request, nothing written yet, trains elsewhere. */
  onNoAdapter(request: StartRunRequest, reason: string): Promise<DidStartRun>;
}

interface PendingStart {
  resolve(message: DidStartRun): void;
  reject(error: Error): void;
}

/**
 * The host's end of the browser trainer, shaped like TrainingWorkerClient: `startRun` prepares the run here and hands
 * it to the webview's Web Worker through the dashboard's relay; `receive` and `lost` are the relay's way back.
 */
export class BrowserTrainerClient {
  private relayed: RelayedRuns | null = null;
  private transport: BrowserTrainerTransport | null = null;
  private readonly pending = new Map<string, PendingStart>();
  private readonly requests = new Map<string, { request: StartRunRequest; note: string }>();
  private nextRequestId = 1;

  constructor(private readonly options: BrowserTrainerClientOptions) {}

  /** Whether `runId` trains in the browser. */
  owns(runId: string): boolean {
    return this.relayed?.activeRunIds().includes(runId) ?? false;
  }

  /**
   * Starts a run in the browser; resolves like TrainingWorkerClient.startRun (or with the fallback's start). `note`
   * says why it trains there and leads run.json's backend reason.
   */
  async startRun(request: StartRunRequest, note: string): Promise<DidStartRun> {
    this.transport = await this.options.connect(request.configFile);
    this.relayed ??= new RelayedRuns({
      version: this.options.version,
      transport: { post: (message) => this.transport?.post(message) },
      send: (message) => this.handle(message),
      noAdapter: (start, reason) => this.noAdapter(start, reason),
    });
    const relayed = this.relayed;
    const requestId = `browser-${this.nextRequestId++}`;
    return new Promise<DidStartRun>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.requests.set(requestId, { request, note });
      void relayed.start({ type: 'StartRun', requestId, ...request }, note);
    });
  }

  stopRun(runId: string): void {
    this.relayed?.stop(runId);
  }

  resumeRun(runId: string): void {
    this.relayed?.resume(runId);
  }

  /** A message the dashboard relayed from the browser trainer. */
  receive(message: BrowserTrainerToHost): Promise<void> {
    return this.relayed?.receive(message) ?? Promise.resolve();
  }

  /** The webview hosting the browser trainer went away (closed, reloaded): its runs fail with `reason`. */
  lost(reason: string): void {
    this.transport = null;
    this.relayed?.lost(reason);
  }

  private handle(message: WorkerToHost): void {
    if (message.type === 'DidProbeWebGpu') return;
    this.options.onMessage(message);
    if (message.type === 'DidStartRun') this.settle(message.requestId, (start) => start.resolve(message));
    else if (message.type === 'DidFail' && message.requestId !== null) this.settle(message.requestId, (start) => start.reject(new Error(message.message)));
  }

  private noAdapter(start: StartRun, reason: string): void {
    const asked = this.requests.get(start.requestId);
    if (!asked) return;
    const why = `${asked.note}; the dashboard webview has no usable WebGPU adapter (${reason})`;
    const request = start.outDir ? { ...asked.request, outDir: start.outDir } : asked.request;
    this.settle(start.requestId, (pending) => this.options.onNoAdapter(request, why).then(pending.resolve, pending.reject));
  }

  private settle(requestId: string, how: (start: PendingStart) => void): void {
    const start = this.pending.get(requestId);
    this.pending.delete(requestId);
    this.requests.delete(requestId);
    if (start) how(start);
  }
}
