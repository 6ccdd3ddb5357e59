import * as vscode from 'vscode';
import type { BackendChoice, LabConfig } from '../../config/types';
import { ENDED_STATUSES, pausedByGpuFailure, type RunInfo } from '../../protocol/runInfo';
import { log } from '../log';
import type { BrowserTrainerPort, BrowserTrainerRelay, RunMetricsEvent, TrainingEvents } from './events';
import { MetricsBatcher } from './metricsBatcher';
import { startRunRequest } from './runRequest';
import { TrainingSupervisor, type RunChange } from './trainingSupervisor';
import { DEFAULT_RESOURCE_LIMITS, type StartRunRequest } from './workerClient';
import { TRAINING_LOCATIONS, choosePlace, type TrainingLocation } from './trainingLocation';
import { loadConfigFile } from '../../node/configFile';
import type { BrowserTrainerToHost } from '../../protocol/browserTrainer';
import { requireWorkspaceTrust } from './workspaceTrust';
import { dataOutsideWorkspace } from './dataLocation';

type BrowserTrainerHost = Parameters<BrowserTrainerRelay['useBrowserTrainerHost']>[0];

/** The config a Train resolves to, or null when it has errors (the run reports them, located). */
async function configOrNull(configFile: string, overrides: Record<string, unknown>): Promise<LabConfig | null> {
  try {
    return (await loadConfigFile(configFile, overrides)).config;
  } catch {
    return null;
  }
}

/** Data outside the workspace is allowed but said, in the log and a notification that asks nothing. */
function showDataOutsideWorkspace(configFile: vscode.Uri, config: LabConfig | null): void {
  const outside = config ? dataOutsideWorkspace(config.data, (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath)) : [];
  if (outside.length === 0) return;
  const message = `${vscode.workspace.asRelativePath(configFile)} trains on data outside the workspace: ${outside.join(', ')}`;
  log().warn(message);
  void vscode.window.showInformationMessage(`Loss Lab: ${message}`);
}

const RESUME_ON_CPU = 'Resume on CPU';

/**
 * The training side as the rest of the extension sees it: VS Code events over the supervisor (metrics batched to
 * losslab.metricsRate), the `losslab.training` context key, and the notifications a run needs. Every entry point
 * that trains (train, resume, resumeFromCheckpoint, resumeOnCpu) passes the Workspace Trust gate first.
 */
export class TrainingManager implements TrainingEvents, BrowserTrainerRelay, vscode.Disposable {
  private readonly runChanged = new vscode.EventEmitter<RunInfo>();
  private readonly metricsReceived = new vscode.EventEmitter<RunMetricsEvent>();
  readonly onDidChangeRun = this.runChanged.event;
  readonly onDidReceiveMetrics = this.metricsReceived.event;
  private readonly batcher: MetricsBatcher;
  private readonly supervisor: TrainingSupervisor;
  private browserHost: BrowserTrainerHost | null = null;

  constructor(workerFile: string, version: string) {
    this.batcher = new MetricsBatcher(
      (event) => this.metricsReceived.fire(event),
      () => vscode.workspace.getConfiguration('losslab').get<number>('metricsRate', 30),
    );
    this.supervisor = new TrainingSupervisor({
      workerFile,
      version,
      resourceLimits: DEFAULT_RESOURCE_LIMITS,
      connectBrowserTrainer: (configFile) => this.connectBrowserTrainer(configFile),
      listener: {
        onRunChanged: (change) => this.runDidChange(change),
        onMetrics: (event) => this.batcher.add(event),
        onWorkerLost: (reason, lost) => this.workerLost(reason, lost),
        log: (level, message) => log()[level](message),
      },
    });
  }

  activeRuns(): readonly RunInfo[] {
    return this.supervisor.activeRuns();
  }

  async train(configFile: vscode.Uri, overrides: Record<string, unknown> = {}): Promise<{ runId: string; folder: string }> {
    requireWorkspaceTrust('train');
    const settings = vscode.workspace.getConfiguration('losslab', configFile);
    const defaultBackend = settings.get<BackendChoice>('defaultBackend', 'auto');
    const request = await startRunRequest(configFile.fsPath, overrides, { defaultBackend, runFolder: settings.get<string>('runFolder', '') });
    const location = settings.get<TrainingLocation>('trainingLocation', 'auto');
    const config = await configOrNull(configFile.fsPath, overrides);
    showDataOutsideWorkspace(configFile, config);
    // The config's backend, or losslab.defaultBackend where it says auto.
    const wanted = config && config.backend !== 'auto' ? config.backend : defaultBackend;
    const choice = await choosePlace(TRAINING_LOCATIONS.includes(location) ? location : 'auto', wanted,
      (allowFallback) => this.supervisor.probeWebGpu(allowFallback));
    if (choice.withoutGpu) request.withoutGpu = choice.withoutGpu;
    const where = choice.place === 'webview' ? ' in the dashboard webview' : '';
    log().info(`train ${configFile.fsPath}${where}${request.backend ? ` (backend ${request.backend})` : ''}${request.outDir ? ` into ${request.outDir}` : ''}${choice.reason ? `: ${choice.reason}` : ''}`);
    const { runId, folder } = await this.supervisor.train(request, choice.place, choice.reason);
    return { runId, folder };
  }

  useBrowserTrainerHost(host: BrowserTrainerHost): vscode.Disposable {
    this.browserHost = host;
    return new vscode.Disposable(() => {
      if (this.browserHost === host) this.browserHost = null;
    });
  }

  relayFromBrowser(message: BrowserTrainerToHost): Promise<void> {
    return this.supervisor.relayFromBrowser(message);
  }

  browserTrainerLost(reason: string): void {
    this.supervisor.browserLost(reason);
  }

  /** Continues a stopped or failed run in its folder from its newest complete checkpoint; resolves once it runs again. */
  async resumeFromCheckpoint(runFolder: string, configFile: string): Promise<{ runId: string; folder: string }> {
    requireWorkspaceTrust('resume a run');
    const defaultBackend = vscode.workspace.getConfiguration('losslab', vscode.Uri.file(configFile)).get<BackendChoice>('defaultBackend', 'auto');
    log().info(`resume ${runFolder}`);
    const { runId, folder } = await this.supervisor.train({
      configFile, overrides: {}, resumeFrom: runFolder, ...(defaultBackend !== 'auto' ? { backend: defaultBackend } : {}),
    });
    return { runId, folder };
  }

  /**
   * Continues a run that paused because its GPU failed, on the CPU reference backend from its newest checkpoint;
   * resolves once it runs again.
   */
  async resumeOnCpu(runFolder: string, info: RunInfo): Promise<{ runId: string; folder: string }> {
    requireWorkspaceTrust('resume a run');
    const failure = info.gpu_failure;
    const why = failure ? `the GPU failed (${failure.kind}) after step ${failure.step}` : 'resumed on the CPU on request';
    log().info(`resume ${runFolder} on the CPU: ${why}`);
    const { runId, folder } = await this.supervisor.train({ configFile: info.config_file, overrides: {}, resumeFrom: runFolder, backend: 'cpu', withoutGpu: why });
    return { runId, folder };
  }

  /**
   * Starts one trial of a sweep as Train would (the trust gate, losslab.defaultBackend where the config says auto), but
   * in a training worker of its own, so parallel trials train at once; into the folder the sweep chose or resuming it.
   * Resolves once the run has started; the worker ends with the trial.
   */
  async trainSweepTrial(configFile: vscode.Uri, trial: Pick<StartRunRequest, 'overrides' | 'outDir' | 'resumeFrom' | 'sweep' | 'stopAfterStep'>): Promise<{ runId: string; folder: string }> {
    requireWorkspaceTrust('run a sweep');
    const defaultBackend = vscode.workspace.getConfiguration('losslab', configFile).get<BackendChoice>('defaultBackend', 'auto');
    log().info(`sweep ${trial.sweep?.id ?? ''} trial ${trial.sweep?.trial ?? ''}: ${trial.resumeFrom ? `resume ${trial.resumeFrom}` : `train ${configFile.fsPath} into ${trial.outDir ?? ''}`}`);
    const { runId, folder } = await this.supervisor.trainInOwnWorker({ configFile: configFile.fsPath, ...trial, ...(defaultBackend !== 'auto' ? { backend: defaultBackend } : {}) });
    return { runId, folder };
  }

  /** Stops `runId`, or the only active run; several active runs need an id (the command asks which). */
  async stop(runId?: string): Promise<void> {
    const active = this.supervisor.activeRuns();
    const target = runId ?? (active.length === 1 ? active[0].id : undefined);
    if (target) this.supervisor.stop(target);
  }

  async resume(runId: string): Promise<void> {
    requireWorkspaceTrust('resume a run');
    this.supervisor.resume(runId);
  }

  whenRunEnds(runId: string): Promise<RunInfo> {
    return this.supervisor.whenRunEnds(runId);
  }

  killWorkerForTesting(): Promise<void> {
    return this.supervisor.killWorker('the training worker was killed (killWorkerForTesting)');
  }

  /** The worker thread id a run of this session trained in (extension host only), so tests can tell workers apart. */
  workerThreadForTesting(runId: string): number | undefined {
    return this.supervisor.workerThreadOf(runId);
  }

  /** Stops the runs in progress (each ends stopped, after its step) and ends the worker; deactivate waits for it. */
  shutdown(): Promise<void> {
    return this.supervisor.dispose();
  }

  dispose(): void {
    this.batcher.dispose();
    void this.supervisor.dispose();
    this.runChanged.dispose();
    this.metricsReceived.dispose();
  }

  private runDidChange({ info, nonFinite, workerLost }: RunChange): void {
    // Listeners get every metric of a run before they hear that it paused or ended.
    if (info.status === 'paused' || ENDED_STATUSES.has(info.status)) this.batcher.flush(info.id);
    log().info(`run ${info.id} (${info.name}): ${info.status}${info.message && info.status !== 'running' ? ` — ${info.message}` : ''}`);
    this.runChanged.fire(info);
    void vscode.commands.executeCommand('setContext', 'losslab.training', this.supervisor.activeRuns().length > 0);
    if (info.status === 'paused' && nonFinite !== undefined) void this.offerResume(info);
    if (pausedByGpuFailure(info)) void this.offerResumeOnCpu(info);
    if (info.status === 'failed' && !workerLost) void this.showFailure(`Loss Lab: ${info.name} failed: ${info.message ?? 'no reason given'}`);
  }

  private async connectBrowserTrainer(configFile: string): Promise<BrowserTrainerPort> {
    if (!this.browserHost) throw new Error('training in the webview needs the Loss Lab dashboard, which is not available');
    return this.browserHost.connect(vscode.Uri.file(configFile));
  }

  private async offerResume(info: RunInfo): Promise<void> {
    const choice = await vscode.window.showWarningMessage(`Loss Lab: ${info.name} paused. ${info.message ?? ''}`, 'Resume', 'Stop');
    if (choice === 'Resume') this.supervisor.resume(info.id);
    else if (choice === 'Stop') this.supervisor.stop(info.id);
  }

  private async offerResumeOnCpu(info: RunInfo): Promise<void> {
    const folder = this.supervisor.runFolder(info.id);
    if (!folder) return;
    const choice = await vscode.window.showWarningMessage(`Loss Lab: ${info.name} paused. ${info.message ?? ''}`, RESUME_ON_CPU);
    if (choice !== RESUME_ON_CPU) return;
    try {
      await this.resumeOnCpu(folder, info);
    } catch (error) {
      void this.showFailure(`Loss Lab could not resume ${info.name} on the CPU: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private workerLost(reason: string, lost: RunInfo[]): void {
    if (lost.length === 0) return;
    const runs = lost.map((info) => `${info.name} (${info.id})`).join(', ');
    log().error(`${reason}; marked failed: ${runs}`);
    void this.showFailure(`Loss Lab: ${reason}. ${lost.length === 1 ? 'Its run was' : `${lost.length} runs were`} marked failed (${runs}); the metrics so far are kept.`);
  }

  private async showFailure(message: string): Promise<void> {
    if ((await vscode.window.showErrorMessage(message, 'Show Log')) === 'Show Log') await vscode.commands.executeCommand('losslab.showLog');
  }
}
