import type { ResourceLimits } from 'node:worker_threads';
import type { EvalMetrics, NonFiniteReport, StepMetrics } from '../../engine/train/metrics';
import type { RunInfo } from '../../protocol/runInfo';
import { markRunFailed } from '../../node/runFolder';
import type { BrowserTrainerToHost } from '../../protocol/browserTrainer';
import type { DidProbeWebGpu, DidStartRun, WorkerToHost } from '../../protocol/worker';
import { BrowserTrainerClient, type BrowserTrainerTransport } from './browserTrainerClient';
import type { RunMetricsEvent } from './events';
import { TrainingWorkerClient, endsRun, type LogLevel, type StartRunRequest } from './workerClient';

/**
 * A run's new state; `nonFinite` comes with a pause after a non-finite step, `workerLost` with a run lost to a crash.
 * A run that paused because its GPU failed has ended: its info carries `gpu_failure`.
 */
export interface RunChange {
  info: RunInfo;
  nonFinite?: NonFiniteReport | null;
  workerLost?: string;
}

/** What the supervisor reports; the VS Code side turns these into events, notifications and the log. */
export interface SupervisorListener {
  onRunChanged(change: RunChange): void;
  onMetrics(event: RunMetricsEvent): void;
  /** The worker went away; `lost` are the runs it took with it, already marked failed in their run.json. */
  onWorkerLost?(reason: string, lost: RunInfo[]): void;
  log?(level: LogLevel, message: string): void;
}

/** Where a run trains: the extension host's worker_threads worker, or the dashboard webview's Web Worker. */
export type TrainingPlace = 'extensionHost' | 'webview';

export interface SupervisorOptions {
  workerFile: string;
  resourceLimits?: ResourceLimits;
  listener: SupervisorListener;
  /** Opens the dashboard webview that relays to the browser trainer; absent: runs train in the extension host only. */
  connectBrowserTrainer?(configFile: string): Promise<BrowserTrainerTransport>;
  /** Written to run.json of browser runs (the extension-host worker knows its own). */
  version?: string;
}

/** How long a shutting-down extension host waits for its runs to stop after their step (VS Code allows deactivate ~5 s). */
const SHUTDOWN_GRACE_MS = 3000;

/** A run that started; `steps` and `evals` count the records the host has received (to find the rest after a crash). */
interface TrackedRun {
  info: RunInfo;
  folder: string;
  steps: number;
  evals: number;
  tokens: number;
  trainingMs: number;
}

/**
 * The training side without VS Code: runs configs in the training worker, keeps each run's RunInfo current, and when
 * the worker dies marks its runs failed (run.json) and forwards the metrics the host had not yet seen.
 */
export class TrainingSupervisor {
  private client: TrainingWorkerClient | null = null;
  private browser: BrowserTrainerClient | null = null;
  private readonly runs = new Map<string, TrackedRun>();
  private readonly ended = new Map<string, RunInfo>();
  private readonly waiters = new Map<string, Array<(info: RunInfo) => void>>();
  /** Every run folder started in this session, by run id, so an ended run can be resumed. */
  private readonly folders = new Map<string, string>();
  /** Runs training in a worker of their own (sweep trials), by run id; the worker ends with its run. */
  private readonly ownWorkers = new Map<string, TrainingWorkerClient>();
  /** The worker thread each extension-host run of this session trained in, by run id. */
  private readonly threads = new Map<string, number>();

  constructor(private readonly options: SupervisorOptions) {}

  /** Runs that started and have not ended (running or paused), oldest first. */
  activeRuns(): RunInfo[] {
    return [...this.runs.values()].map((run) => run.info);
  }

  /**
   * Starts a run (and the worker, if needed); rejects with the located, user-facing reason when it cannot start. In
   * the webview (`note` says why there) a browser without a WebGPU adapter hands the run to the extension host's CPU.
   */
  async train(request: StartRunRequest, place: TrainingPlace = 'extensionHost', note = ''): Promise<{ runId: string; folder: string; info: RunInfo }> {
    const started = place === 'webview' ? await this.browserTrainer().startRun(request, note) : await this.worker().startRun(request);
    return { runId: started.runId, folder: started.folder, info: this.runs.get(started.runId)?.info ?? started.info };
  }

  /**
   * Starts a run in a worker of its own, so that runs started this way train at once rather than step by step in
   * turn (a sweep's parallel trials); the worker is terminated when its run ends, or when the run cannot start.
   */
  async trainInOwnWorker(request: StartRunRequest): Promise<{ runId: string; folder: string; info: RunInfo }> {
    const client: TrainingWorkerClient = new TrainingWorkerClient({
      workerFile: this.options.workerFile,
      resourceLimits: this.options.resourceLimits,
      onMessage: (message) => {
        if (message.type === 'DidStartRun') this.ownWorkers.set(message.runId, client);
        this.handleFrom(client, message);
      },
      onWorkerLost: (reason) => this.workerLost(reason, client),
      log: (level, message) => this.options.listener.log?.(level, message),
    });
    try {
      const started = await client.startRun(request);
      return { runId: started.runId, folder: started.folder, info: this.runs.get(started.runId)?.info ?? started.info };
    } catch (error) {
      await client.terminate('the run in its own training worker could not start');
      throw error;
    }
  }

  /** The id of the worker thread a run of this session trained in (extension host only); undefined for others. */
  workerThreadOf(runId: string): number | undefined {
    return this.threads.get(runId);
  }

  /** Whether WebGPU works in the extension host's worker (adapter, device, self-test). */
  probeWebGpu(allowFallback: boolean): Promise<DidProbeWebGpu> {
    return this.worker().probeWebGpu(allowFallback);
  }

  /** A message the dashboard relayed from its browser trainer. */
  relayFromBrowser(message: BrowserTrainerToHost): Promise<void> {
    return this.browser?.receive(message) ?? Promise.resolve();
  }

  /** The dashboard webview hosting the browser trainer went away: its runs fail with `reason`. */
  browserLost(reason: string): void {
    this.browser?.lost(reason);
  }

  /** The folder of a run started in this session, active or ended; null for others. */
  runFolder(runId: string): string | null {
    return this.folders.get(runId) ?? null;
  }

  /** Stops a run after its step in progress (at once when paused). */
  stop(runId: string): void {
    if (!this.runs.has(runId)) return;
    if (this.browser?.owns(runId)) this.browser.stopRun(runId);
    else this.workerOf(runId)?.stopRun(runId);
  }

  resume(runId: string): void {
    const run = this.runs.get(runId);
    if (!run || run.info.status !== 'paused') return;
    if (this.browser?.owns(runId)) this.browser.resumeRun(runId);
    else this.workerOf(runId)?.resumeRun(runId);
    run.info = { ...run.info, status: 'running' };
    this.options.listener.onRunChanged({ info: run.info });
  }

  /** Resolves with the final RunInfo once the run has finished, stopped or failed. */
  whenRunEnds(runId: string): Promise<RunInfo> {
    const ended = this.ended.get(runId);
    if (ended) return Promise.resolve(ended);
    if (!this.runs.has(runId)) return Promise.reject(new Error(`no run ${runId} was started in this session`));
    return new Promise((resolve) => this.waiters.set(runId, [...(this.waiters.get(runId) ?? []), resolve]));
  }

  /** Terminates the worker as a crash would; its runs are marked failed with `reason`. */
  async killWorker(reason = 'the training worker was killed'): Promise<void> {
    await this.client?.terminate(reason);
  }

  /**
   * The extension is shutting down: every run in progress is asked to stop after its step (and so ends `stopped`,
   * with its final checkpoint); runs that have not ended within the grace period go down with the worker, `failed`.
   */
  dispose(): Promise<void> {
    this.shutdown ??= (async () => {
      const active = [...this.runs.keys()];
      for (const runId of active) this.stop(runId);
      const ended = Promise.all(active.map((runId) => this.whenRunEnds(runId).catch(() => undefined)));
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
      clearTimeout(timer);
      const reason = 'the extension host shut down (VS Code closed or reloaded) during the run';
      await Promise.all([this.killWorker(reason), ...[...new Set(this.ownWorkers.values())].map((client) => client.terminate(reason))]);
    })();
    return this.shutdown;
  }

  private shutdown: Promise<void> | undefined;

  private worker(): TrainingWorkerClient {
    this.client ??= new TrainingWorkerClient({
      workerFile: this.options.workerFile,
      resourceLimits: this.options.resourceLimits,
      onMessage: (message) => this.handleFrom(this.client, message),
      onWorkerLost: (reason) => this.workerLost(reason, null),
      log: (level, message) => this.options.listener.log?.(level, message),
    });
    return this.client;
  }

  /** The extension-host worker training `runId`: its own worker, or the shared one. */
  private workerOf(runId: string): TrainingWorkerClient | null {
    return this.ownWorkers.get(runId) ?? this.client;
  }

  /** A message of an extension-host worker: notes the run's thread; a run's own worker is terminated once it has ended. */
  private handleFrom(client: TrainingWorkerClient | null, message: Exclude<WorkerToHost, DidProbeWebGpu>): void {
    const thread = client?.threadId;
    if (message.type === 'DidStartRun' && thread !== undefined && thread !== null) this.threads.set(message.runId, thread);
    this.handle(message);
    if (message.type === 'DidNotice' || !endsRun(message) || message.runId === null) return;
    const own = this.ownWorkers.get(message.runId);
    this.ownWorkers.delete(message.runId);
    if (own) void own.terminate('its run ended');
  }

  private browserTrainer(): BrowserTrainerClient {
    const connect = this.options.connectBrowserTrainer;
    if (!connect) throw new Error('training in the webview needs the dashboard, which is not available here');
    this.browser ??= new BrowserTrainerClient({
      version: this.options.version ?? 'unknown',
      connect,
      onMessage: (message) => this.handle(message),
      onNoAdapter: (request, reason): Promise<DidStartRun> => {
        this.options.listener.log?.('warn', `${reason}: training ${request.configFile} on the CPU in the extension host`);
        return this.worker().startRun({ ...request, withoutGpu: reason });
      },
    });
    return this.browser;
  }

  private handle(message: Exclude<WorkerToHost, DidProbeWebGpu>): void {
    const listener = this.options.listener;
    if (message.type === 'DidNotice') {
      listener.log?.('warn', message.message);
      return;
    }
    if (message.type === 'DidStartRun') {
      const run: TrackedRun = { info: message.info, folder: message.folder, steps: 0, evals: 0, tokens: 0, trainingMs: 0 };
      // A resumed run keeps its id: it is active again, not ended.
      this.ended.delete(message.runId);
      this.runs.set(message.runId, run);
      this.folders.set(message.runId, message.folder);
      listener.onRunChanged({ info: run.info });
      return;
    }
    const run = message.runId === null ? undefined : this.runs.get(message.runId);
    if (!run) return;
    switch (message.type) {
      case 'DidStep':
        this.noteSteps(run, message.metrics);
        listener.onMetrics({ runId: run.info.id, configFile: run.info.config_file, steps: message.metrics, evals: [] });
        break;
      case 'DidEval':
        this.noteEvals(run, [message.metrics]);
        listener.onMetrics({ runId: run.info.id, configFile: run.info.config_file, steps: [], evals: [message.metrics] });
        break;
      case 'DidPause':
        if (message.gpuFailure) {
          // The worker has written run.json: paused, with the message and how to resume on the CPU.
          this.end(run.info.id, { ...run.info, status: 'paused', message: message.message, gpu_failure: message.gpuFailure });
          break;
        }
        run.info = { ...run.info, status: 'paused', message: message.message };
        listener.onRunChanged({ info: run.info, nonFinite: message.nonFinite });
        break;
      case 'DidFinish':
        this.end(run.info.id, message.info);
        break;
      case 'DidFail':
        // The worker has already written status 'failed' and the message to run.json.
        this.end(run.info.id, { ...run.info, status: 'failed', message: message.message, finished_at: new Date().toISOString() });
        break;
    }
  }

  private noteSteps(run: TrackedRun, steps: StepMetrics[]): void {
    run.steps += steps.length;
    for (const s of steps) {
      run.tokens += s.tokens;
      run.trainingMs += (1000 * s.tokens) / Math.max(1e-9, s.tokens_per_sec);
    }
    const last = steps.at(-1);
    if (!last) return;
    run.info = {
      ...run.info, steps_completed: last.step, final_loss: last.loss, tokens_per_sec: run.tokens / Math.max(1e-9, run.trainingMs / 1000),
    };
  }

  private noteEvals(run: TrackedRun, evals: EvalMetrics[]): void {
    run.evals += evals.length;
    const last = evals.at(-1);
    if (last) run.info = { ...run.info, final_val_loss: last.val_loss };
  }

  /** A worker went away: the shared one (`own` null) or a run's own; the runs it trained are marked failed. */
  private workerLost(reason: string, own: TrainingWorkerClient | null): void {
    if (own === null) this.client = null;
    const lost: RunInfo[] = [];
    for (const [runId, run] of [...this.runs]) {
      if ((this.ownWorkers.get(runId) ?? null) !== own) continue;
      this.ownWorkers.delete(runId);
      let info: RunInfo;
      try {
        const failed = markRunFailed(run.folder, reason, run.info);
        const steps = failed.steps.slice(run.steps);
        const evals = failed.evals.slice(run.evals);
        if (steps.length + evals.length > 0) this.options.listener.onMetrics({ runId, configFile: run.info.config_file, steps, evals });
        info = failed.info;
      } catch (error) {
        this.options.listener.log?.('error', `could not mark run ${runId} failed in ${run.folder}: ${String(error)}`);
        info = { ...run.info, status: 'failed', message: reason, finished_at: new Date().toISOString() };
      }
      lost.push(info);
      this.end(runId, info, reason);
    }
    this.options.listener.onWorkerLost?.(reason, lost);
  }

  private end(runId: string, info: RunInfo, workerLost?: string): void {
    this.runs.delete(runId);
    this.ended.set(runId, info);
    this.options.listener.onRunChanged(workerLost ? { info, workerLost } : { info });
    for (const resolve of this.waiters.get(runId) ?? []) resolve(info);
    this.waiters.delete(runId);
  }
}
