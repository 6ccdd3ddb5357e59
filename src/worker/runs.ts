import { resolve } from 'node:path';
import type { BackendChoice } from '../config/types';
import type { StepMetrics } from '../engine/train/metrics';
import { UserError, loadConfigFile } from '../node/configFile';
import { injectGpuFault, type InjectedGpuFault } from '../node/gpuFault';
import { resumeSession, startSession, type SessionObserver, type TrainingSession } from '../node/session';
import type { RunInfo } from '../protocol/runInfo';
import type { StartRun, WorkerToHost } from '../protocol/worker';

/** How the worker's runs talk back to the host. */
export interface WorkerRunsOptions {
  version: string;
  send: (message: WorkerToHost) => void;
  /** Steps finished within this many milliseconds go to the host as one DidStep (default 30). */
  stepBatchMs?: number;
  /** For tests: every new run (not a resume) fails with this GPU error right after this step, as if its device gave up. */
  gpuFaultAfterStep?: InjectedGpuFault | null;
}

/** One StartRun from the moment it is accepted until its run ends. */
interface ActiveRun {
  configFile: string;
  runId: string | null;
  info: RunInfo | null;
  session: TrainingSession | null;
  stopRequested: boolean;
  pendingSteps: StepMetrics[];
  flushTimer: NodeJS.Timeout | null;
  lastFlush: number;
}

/**
 * The training worker's runs: several configs may train at once (their steps interleave), one run per config file.
 * Every outcome, including unexpected errors, becomes a message; nothing throws out of `start`.
 */
export class WorkerRuns {
  private readonly byConfig = new Map<string, ActiveRun>();
  private readonly byId = new Map<string, ActiveRun>();
  private readonly stepBatchMs: number;

  constructor(private readonly options: WorkerRunsOptions) {
    this.stepBatchMs = options.stepBatchMs ?? 30;
  }

  /** Runs ids of the runs that have started and not ended. */
  activeRunIds(): string[] {
    return [...this.byId.keys()];
  }

  async start(request: StartRun): Promise<void> {
    const configFile = resolve(request.configFile);
    // Trials of one sweep train the same config at once; other runs of a config train one at a time.
    const key = request.sweep ? `${configFile}\u0000sweep ${request.sweep.id} trial ${request.sweep.trial}` : configFile;
    const busy = this.byConfig.get(key);
    if (busy) {
      const which = busy.runId ? `run ${busy.runId}` : 'its run is starting';
      this.send({ type: 'DidFail', requestId: request.requestId, runId: null, message: `${configFile} is already training (${which}); stop it before training it again` });
      return;
    }
    const run: ActiveRun = { configFile, runId: null, info: null, session: null, stopRequested: false, pendingSteps: [], flushTimer: null, lastFlush: 0 };
    this.byConfig.set(key, run);
    try {
      const backend = await this.backendFor(request);
      const observer = this.observe(run, request.requestId, request.resumeFrom ? null : this.options.gpuFaultAfterStep ?? null);
      const { overrides, outDir, resumeFrom, withoutGpu, sweep, stopAfterStep } = request;
      const version = this.options.version;
      const session = resumeFrom
        ? await resumeSession({ runDir: resumeFrom, configFile, overrides, backend, version, withoutGpu, sweep, stopAfterStep }, observer)
        : await startSession({ configFile, overrides, backend, outDir, version, withoutGpu, sweep, stopAfterStep }, observer);
      run.session = session;
      if (run.stopRequested) session.run.stop();
      await session.done;
      this.flushSteps(run);
      const info = { ...session.writer.info };
      // A GPU failure ends the session paused: the host offers to resume it on the CPU.
      if (info.status === 'paused' && info.gpu_failure) {
        this.send({ type: 'DidPause', runId: info.id, message: info.message ?? 'the GPU failed; the run paused', nonFinite: null, gpuFailure: info.gpu_failure });
      } else {
        this.send({ type: 'DidFinish', runId: info.id, info });
      }
    } catch (error) {
      this.flushSteps(run);
      this.send({ type: 'DidFail', requestId: run.runId ? null : request.requestId, runId: run.runId, message: userMessage(error) });
    } finally {
      if (run.flushTimer) clearTimeout(run.flushTimer);
      this.byConfig.delete(key);
      if (run.runId) this.byId.delete(run.runId);
    }
  }

  /** Stops a run after the step in progress; a paused run stops at once. Unknown ids (runs that ended) are ignored. */
  stop(runId: string): void {
    const run = this.byId.get(runId);
    if (!run) return;
    run.stopRequested = true;
    run.session?.run.stop();
  }

  resume(runId: string): void {
    this.byId.get(runId)?.session?.run.resume();
  }

  private observe(run: ActiveRun, requestId: string, fault: InjectedGpuFault | null): SessionObserver {
    return {
      onNotice: (message) => this.send({ type: 'DidNotice', requestId, message }),
      onStart: (info, _loaded, folder) => {
        run.runId = info.id;
        run.info = info;
        this.byId.set(info.id, run);
        this.send({ type: 'DidStartRun', requestId, runId: info.id, folder, info: { ...info } });
      },
      onStep: (metrics) => {
        run.pendingSteps.push(metrics);
        // A slow step goes out at once; fast ones gather until stepBatchMs has passed since the last DidStep.
        const wait = run.lastFlush + this.stepBatchMs - performance.now();
        if (wait <= 0) this.flushSteps(run);
        else run.flushTimer ??= setTimeout(() => this.flushSteps(run), wait);
        injectGpuFault(fault, metrics.step);
      },
      onEval: (metrics) => {
        this.flushSteps(run);
        if (run.runId) this.send({ type: 'DidEval', runId: run.runId, metrics });
      },
      onNonFinite: (report) => {
        this.flushSteps(run);
        if (!run.runId) return;
        // The run writer has just worded the reason into run.json's message; the host shows the same sentence.
        const message = run.info?.message ?? `step ${report.step}: the loss or a gradient is not finite; the run paused`;
        this.send({ type: 'DidPause', runId: run.runId, message, nonFinite: report, gpuFailure: null });
      },
    };
  }

  private flushSteps(run: ActiveRun): void {
    if (run.flushTimer) clearTimeout(run.flushTimer);
    run.flushTimer = null;
    if (run.pendingSteps.length === 0 || !run.runId) return;
    const metrics = run.pendingSteps;
    run.pendingSteps = [];
    run.lastFlush = performance.now();
    this.send({ type: 'DidStep', runId: run.runId, metrics });
  }

  /** The host's default backend applies only where the config leaves the choice to `auto`, or where WebGPU must not be used. */
  private async backendFor(request: StartRun): Promise<BackendChoice | undefined> {
    if (!request.backend || request.backend === 'auto') return undefined;
    if (request.withoutGpu !== undefined && (request.backend === 'cpu' || request.backend === 'cpu-reference')) return request.backend;
    try {
      const { config } = await loadConfigFile(request.configFile, request.overrides);
      return config.backend === 'auto' ? request.backend : undefined;
    } catch {
      return undefined; // startSession reads the config again and reports the problem, located
    }
  }

  private send(message: WorkerToHost): void {
    this.options.send(message);
  }
}

/** A UserError is already worded and located for the user; anything else is a bug and says so. */
export function userMessage(error: unknown): string {
  if (error instanceof UserError) return error.message;
  const text = error instanceof Error ? error.message : String(error);
  return `internal error in the training worker: ${text}`;
}
