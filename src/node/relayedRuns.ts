import { basename } from 'node:path';
import type { BrowserTrainerToHost, HostToBrowserTrainer, ResumePoint } from '../protocol/browserTrainer';
import { recordToState, recordsToTensors, serializePreparedData, stateToRecord, tensorsToRecords } from '../protocol/trainingTransfer';
import type { StartRun, WorkerToHost } from '../protocol/worker';
import { openRunFolder, prepareNewRun, prepareResumedRun, type PreparedRun } from './runPreparation';
import type { RunRecorder } from './runRecorder';
import { UserError } from './configFile';

/** How the host reaches a browser training worker (through the dashboard webview, or a fake in tests). */
export interface BrowserTrainerTransport {
  post(message: HostToBrowserTrainer): void;
}

export interface RelayedRunsOptions {
  version: string;
  transport: BrowserTrainerTransport;
  /** What the host hears, in the extension-host worker's protocol, so both kinds of run are handled alike. */
  send(message: WorkerToHost): void;
  /** The browser has no usable WebGPU adapter for this StartRun (nothing was written): train it elsewhere, in its folder. */
  noAdapter(request: StartRun, reason: string): void;
}

/** One relayed StartRun: prepared on the host, then recorded here as the browser worker reports. */
interface RelayedRun {
  request: StartRun;
  /** Why the run trains in the browser; leads run.json's backend reason. */
  note: string;
  prepared: PreparedRun;
  recorder: RunRecorder | null;
  parameterNames: string[];
  /** The last step recorded (the checkpoint's when resumed): the trainer's next DidStep must continue from it. */
  lastStep: number;
}

/**
 * Runs a browser worker trains while the host does all file I/O: the host loads config and data, the worker
 * computes, and its Did… messages become the same run-folder writes (RunRecorder) and the same WorkerToHost messages
 * as an extension-host run. Nothing throws out of `start` or `receive`.
 */
export class RelayedRuns {
  private readonly runs = new Map<string, RelayedRun>();

  constructor(private readonly options: RelayedRunsOptions) {}

  /** Runs that have been handed to the browser worker and have not ended. */
  activeRunIds(): string[] {
    return [...this.runs.keys()];
  }

  /** Prepares the run on the host (config, data, checkpoint) and hands it to the browser worker; `note` says why there. */
  async start(request: StartRun, note: string): Promise<void> {
    try {
      const prepared = request.resumeFrom
        ? await prepareResumedRun({ runDir: request.resumeFrom, configFile: request.configFile, overrides: request.overrides, backend: request.backend })
        : await prepareNewRun({ configFile: request.configFile, overrides: request.overrides, backend: request.backend, outDir: request.outDir });
      for (const message of prepared.dataNotices) this.options.send({ type: 'DidNotice', requestId: request.requestId, message });
      const runId = basename(prepared.folder);
      if (this.runs.has(runId)) throw new UserError(`run ${runId} is already training in the dashboard`);
      this.runs.set(runId, { request, note, prepared, recorder: null, parameterNames: [], lastStep: prepared.resume?.checkpoint?.step ?? 0 });
      const checkpoint = prepared.resume?.checkpoint ?? null;
      const resume: ResumePoint | undefined = checkpoint
        ? { step: checkpoint.step, weights: tensorsToRecords(checkpoint.weights), state: stateToRecord(checkpoint.state) }
        : undefined;
      this.options.transport.post({
        type: 'TrainPrepared', runId, config: prepared.config, data: serializePreparedData(prepared.data),
        // As `backend: webgpu` does in Node: a software adapter only when WebGPU is asked for by name.
        ...(resume ? { resume } : {}), allowFallbackAdapter: prepared.config.backend === 'webgpu',
      });
    } catch (error) {
      this.options.send({ type: 'DidFail', requestId: request.requestId, runId: null, message: messageOf(error) });
    }
  }

  stop(runId: string): void {
    if (this.runs.has(runId)) this.options.transport.post({ type: 'StopRun', runId });
  }

  resume(runId: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    run.recorder?.status('running');
    this.options.transport.post({ type: 'ResumeRun', runId });
  }

  /** A message from the browser worker; one about a run this host did not hand over is ignored. */
  async receive(message: BrowserTrainerToHost): Promise<void> {
    const run = this.runs.get(message.runId);
    if (!run) return;
    try {
      await this.record(run, message);
    } catch (error) {
      this.end(run, () => run.recorder?.fail(`recording the run failed: ${messageOf(error)}`));
      this.options.send({ type: 'DidFail', requestId: run.recorder ? null : run.request.requestId, runId: run.recorder ? message.runId : null, message: messageOf(error) });
    }
  }

  /** The browser worker went away (the dashboard closed): every run it had is failed with `reason`. */
  lost(reason: string): void {
    for (const [runId, run] of [...this.runs]) {
      this.end(run, () => run.recorder?.fail(reason));
      this.options.send({ type: 'DidFail', requestId: run.recorder ? null : run.request.requestId, runId: run.recorder ? runId : null, message: reason });
    }
  }

  private async record(run: RelayedRun, message: BrowserTrainerToHost): Promise<void> {
    const send = this.options.send;
    const { runId } = message;
    if (message.type === 'DidStartRun') {
      if (run.recorder) throw new Error('the browser trainer sent DidStartRun twice');
      const backend = { ...message.backend, reason: `${run.note}; ${message.backend.reason}`, adapter: message.adapter };
      run.recorder = openRunFolder(run.prepared, { backend, parameters: message.parameters, version: this.options.version });
      run.parameterNames = message.parameterNames;
      send({ type: 'DidStartRun', requestId: run.request.requestId, runId, folder: run.recorder.folder, info: { ...run.recorder.info } });
      return;
    }
    if (message.type === 'DidFail') return this.failed(run, message.kind, message.message);
    const recorder = run.recorder;
    if (!recorder) throw new Error(`the browser trainer sent ${message.type} before DidStartRun`);
    switch (message.type) {
      case 'DidStep':
        checkSteps(run, message.metrics.map((m) => m.step), message.parameterNorms.map((n) => n.length));
        message.metrics.forEach((metrics, i) => recorder.step(metrics, run.parameterNames, message.parameterNorms[i] ?? new Float64Array(0)));
        send({ type: 'DidStep', runId, metrics: message.metrics });
        break;
      case 'DidEval':
        recorder.evaluation(message.metrics);
        send({ type: 'DidEval', runId, metrics: message.metrics });
        break;
      case 'DidPause':
        recorder.nonFinite(message.nonFinite);
        send({ type: 'DidPause', runId, message: recorder.info.message ?? message.message, nonFinite: message.nonFinite, gpuFailure: null });
        break;
      case 'DidCheckpoint':
        recorder.checkpoint(recordsToTensors(message.weights), recordToState(message.state));
        break;
      case 'DidFinish': {
        const state = recordToState(message.state);
        await recorder.finish(message.step, recordsToTensors(message.weights), () => state);
        this.end(run, () => recorder.status(message.status));
        send({ type: 'DidFinish', runId, info: { ...recorder.info } });
        break;
      }
    }
  }

  private failed(run: RelayedRun, kind: 'no-adapter' | 'device-lost' | 'out-of-memory' | 'error', reason: string): void {
    const recorder = run.recorder;
    const runId = basename(run.prepared.folder);
    if (!recorder) {
      this.runs.delete(runId);
      // The fallback trains the same run: its id and folder stay the ones the host chose.
      if (kind === 'no-adapter') this.options.noAdapter(run.request.resumeFrom ? run.request : { ...run.request, outDir: run.prepared.folder }, reason);
      else this.options.send({ type: 'DidFail', requestId: run.request.requestId, runId: null, message: `the dashboard's training worker could not start: ${reason}` });
      return;
    }
    if (kind === 'device-lost' || kind === 'out-of-memory') {
      const message = recorder.gpuFailure(kind, 'step');
      this.end(run);
      this.options.send({ type: 'DidPause', runId, message, nonFinite: null, gpuFailure: recorder.info.gpu_failure ?? null });
      return;
    }
    this.end(run, () => recorder.fail(reason));
    this.options.send({ type: 'DidFail', requestId: null, runId, message: reason });
  }

  /** Forgets the run and closes its folder's files, after `last` (its final run.json write). */
  private end(run: RelayedRun, last?: () => void): void {
    if (!this.runs.delete(basename(run.prepared.folder))) return;
    try {
      last?.();
    } finally {
      run.recorder?.close();
    }
  }
}

/**
 * A relayed DidStep (already validated for shape) must continue the run, one step after another up to its last, with
 * a norm per parameter: a hostile or confused trainer must not write a step twice or past the end.
 */
function checkSteps(run: RelayedRun, steps: readonly number[], normCounts: readonly number[]): void {
  for (const [i, step] of steps.entries()) {
    if (step !== run.lastStep + 1 || step > run.prepared.config.training.steps) {
      throw new Error(`the browser trainer sent step ${step} after step ${run.lastStep} of ${run.prepared.config.training.steps}`);
    }
    if (normCounts[i] !== run.parameterNames.length) {
      throw new Error(`the browser trainer sent ${normCounts[i]} gradient norms for step ${step}; the model has ${run.parameterNames.length} parameters`);
    }
    run.lastStep = step;
  }
}

function messageOf(error: unknown): string {
  if (error instanceof UserError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
