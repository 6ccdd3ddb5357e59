import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { configNameIn } from '../../config/rawValues';
import type { LabConfig } from '../../config/types';
import { MessageChannel } from '../../protocol/channel';
import { validateDashboardMessage, type DashboardToHost, type HostToDashboard, type RunSeries, type SchedulePreview } from '../../protocol/dashboard';
import { packHostMessage } from '../../protocol/metricColumns';
import { pausedByGpuFailure, type RunInfo } from '../../protocol/runInfo';
import { log } from '../log';
import type { BrowserTrainerPort, BrowserTrainerRelay, RunMetricsEvent, TrainingEvents } from '../training/events';
import { explainIfUntrusted } from '../training/workspaceTrust';
import { dashboardHtml } from './html';
import { loadRunHistory, loadRunInfoIfPresent, runFile, runsFolderFor, type StoredRun } from '../../node/runFolder';
import { GradNormsFeed } from './gradNormsFeed';
import { RunStoreFollower } from './runStoreFollower';
import { SweepFollower } from './sweepFollower';
import { SchedulePreviewer } from './schedulePreview';
import { SentLedger } from './sentLedger';
import { TrainerRelay } from './trainerRelay';
import type { DashboardTestHooks, MessageRecord } from './testHooks';
import { backendNote, readConfigText, samePath } from './configSource';

/** Edits of the followed config are previewed this long after typing pauses. */
const SCHEDULE_DEBOUNCE_MS = 150;

/**
 * The dashboard panel: follows one config, sends the webview its whole run history (on every Ready, since the
 * webview is rebuilt each time it is shown), then live metrics and run changes from the training side and, for runs
 * trained elsewhere (the CLI, another window), from the run store on disk, and a new schedule preview whenever the
 * config's text changes. Every message from the webview is validated first.
 */
export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'losslab.dashboard';

  private config: vscode.Uri | null;
  private configName: string | null = null;
  private runsFolder: string | null = null;
  /** Runs of the followed config the webview has been told about, by id → run folder (null: not known here). */
  private runs = new Map<string, string | null>();
  private ready = false;
  /** While a history load is under way, live messages wait here and follow the history (the webview drops repeats). */
  private queued: HostToDashboard[] | null = null;
  private generation = 0;
  /** Follows the runs folder on disk while the webview is shown. */
  private follower: RunStoreFollower | null = null;
  /** Follows the config's newest sweep.json while the webview is shown. */
  private sweeps: SweepFollower | null = null;
  private readonly sent = new SentLedger();
  private readonly gradNorms = new GradNormsFeed((message) => this.post(message));
  private scheduleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly previewer = new SchedulePreviewer();
  private readonly channel: MessageChannel<DashboardToHost, HostToDashboard>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  /** Set when this page hosts the browser trainer. */
  private readonly trainer: TrainerRelay | null;

  /** `record` (test mode only) keeps every posted message and rejection for the extension-host tests. */
  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly training: TrainingEvents & BrowserTrainerRelay,
    config: vscode.Uri | null,
    focusChart: string | null = null,
    private readonly record: MessageRecord | null = null,
  ) {
    this.config = config;
    this.channel = new MessageChannel<DashboardToHost, HostToDashboard>(
      (message) => {
        this.sent.record(message);
        this.record?.posted.push(message);
        void this.panel.webview.postMessage(packHostMessage(message));
      },
      validateDashboardMessage,
      (reason) => {
        this.record?.rejected.push(reason);
        log().warn(`dashboard: rejected a message from the webview: ${reason}`);
      },
      (error, message) => this.reportError(`Loss Lab: ${message.type} failed`, error),
    );
    this.channel.on('Ready', () => this.webviewReady());
    this.channel.on('Train', () => this.train());
    this.channel.on('StopTraining', ({ runId }) => this.runs.has(runId) ? this.training.stop(runId) : log().warn(`dashboard: Stop for unknown run ${runId}`));
    this.channel.on('ResumeTraining', ({ runId }) => this.resume(runId));
    this.channel.on('OpenConfigDiff', ({ runA, runB }) => this.openConfigDiff(runA, runB));
    this.channel.on('SaveChartImage', ({ chart, dataUrl }) => this.saveChartImage(chart, dataUrl));
    this.trainer = this.hostsTrainer ? new TrainerRelay(training, (message) => this.channel.send(message), (reason) => this.record?.rejected.push(reason)) : null;
    this.channel.on('DidRelayFromTrainer', ({ message }) => this.trainer?.fromTrainer(message));

    // The only folders the page may load from: the build output and the media folder; nothing remote.
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')] };
    panel.iconPath = { light: vscode.Uri.joinPath(extensionUri, 'media', 'dashboard-light.svg'), dark: vscode.Uri.joinPath(extensionUri, 'media', 'dashboard-dark.svg') };
    this.setHtml(focusChart);
    this.setTitle();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.channel.receive(raw)),
      // Hidden webviews are torn down (no retainContextWhenHidden); the rebuilt page asks again with Ready.
      panel.onDidChangeViewState(({ webviewPanel }) => {
        // A page that hosts the browser trainer is kept alive while hidden (and keeps following its runs).
        if (webviewPanel.visible || this.hostsTrainer) return;
        this.ready = false;
        this.stopFollowing();
      }),
      panel.onDidDispose(() => this.dispose()),
      training.onDidChangeRun((info) => this.runChanged(info)),
      training.onDidReceiveMetrics((event) => this.metricsReceived(event)),
      vscode.workspace.onDidChangeTextDocument(({ document }) => this.documentChanged(document)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('losslab.runFolder')) void this.sendSelection();
      }),
    );
  }

  /** The config the dashboard follows (null: none yet). */
  get configUri(): vscode.Uri | null {
    return this.config;
  }

  /** Follows another config (same one: nothing changes); `focusChart` reloads the page to bring that chart into view. */
  follow(config: vscode.Uri | null, focusChart: string | null = null): void {
    const changed = (config?.toString() ?? null) !== (this.config?.toString() ?? null);
    if (changed) {
      this.config = config;
      this.configName = null;
      this.runsFolder = null;
      this.stopFollowing();
      this.previewer.reset();
      this.setTitle();
    }
    if (focusChart) this.setHtml(focusChart);
    else if (changed) void this.sendSelection();
  }

  /** Whether this page hosts the browser trainer: created to keep its page (and so its Web Worker) while hidden. */
  get hostsTrainer(): boolean {
    return this.panel.options.retainContextWhenHidden === true;
  }

  /** The relay to the browser trainer, once the webview is ready for it. */
  trainerPort(): Promise<BrowserTrainerPort> {
    if (!this.trainer) throw new Error('this dashboard was not opened to host the training worker');
    return this.trainer.port();
  }

  /** The hooks of the extension-host tests, or undefined outside test mode. */
  testHooks(): DashboardTestHooks | undefined {
    const record = this.record;
    if (!record) return undefined;
    return { receive: (raw) => this.channel.receive(raw), rejected: record.rejected, posted: record.posted };
  }

  dispose(): void {
    // A read in flight (gradient norms, run history) may finish after this: post() then sends nothing.
    this.ready = false;
    this.trainer?.dispose();
    clearTimeout(this.scheduleTimer);
    this.stopFollowing();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
    this.disposed.fire();
    this.disposed.dispose();
  }

  private setHtml(focusChart: string | null): void {
    this.ready = false;
    this.trainer?.pageReloading();
    const { webview } = this.panel;
    const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', file)).toString();
    webview.html = dashboardHtml({
      cspSource: webview.cspSource, scriptUri: asset('dashboard.js'), styleUri: asset('dashboard.css'),
      defaultSmoothing: vscode.workspace.getConfiguration('losslab').get<number>('smoothing', 0.6), focusChart,
      trainerScriptUri: this.hostsTrainer ? asset('trainer.js') : null,
    });
  }

  private setTitle(): void {
    const name = this.configName ?? (this.config ? this.config.path.split('/').pop() : null);
    this.panel.title = name ? `Loss Lab: ${name}` : 'Loss Lab';
  }

  private webviewReady(): void {
    this.ready = true;
    void this.sendSelection();
    this.trainer?.pageReady();
  }

  // Loads the followed config's whole history and schedule, then sends it (a newer call supersedes an older one).
  private async sendSelection(): Promise<void> {
    if (!this.ready) return;
    const generation = ++this.generation;
    this.stopFollowing();
    this.queued ??= [];
    // Runs that start while the history loads are added by runChanged and kept alongside the loaded ones.
    this.runs = new Map();
    this.gradNorms.reset();
    const config = this.config;
    const text = config ? await readConfigText(config) : null;
    const preview = config && text !== null ? this.previewer.update(text, config.fsPath) : null;
    const name = preview?.config?.name ?? (config && text !== null ? configNameIn(text, config.fsPath) ?? null : null);
    const runsFolder = config?.scheme === 'file' && name
      ? runsFolderFor(config.fsPath, name, vscode.workspace.getConfiguration('losslab', config).get<string>('runFolder', '')) : null;
    const stored = runsFolder ? await loadRunHistory(runsFolder, (problem) => log().warn(`dashboard: skipped a run: ${problem.message}`)) : [];
    if (generation !== this.generation) return;
    this.configName = name;
    this.runsFolder = runsFolder;
    for (const { folder, series } of stored) this.runs.set(series.info.id, folder);
    const runs: RunSeries[] = stored.map(({ series }) => ({ ...series, info: this.freshInfo(series.info) }));
    this.setTitle();
    const queued = this.queued ?? [];
    this.queued = null;
    this.post({
      type: 'DidSelectConfig', configFile: config?.fsPath ?? null, configName: name, runs,
      schedule: preview ? schedulePreviewOrNull(preview.preview) : null,
      backendNote: config ? this.backendNote(config, preview?.config ?? null) : null,
    });
    for (const message of queued) this.post(message);
    for (const [runId, folder] of this.runs) this.sendGradNorms(runId, folder);
    if (runsFolder && this.ready) this.startFollowing(runsFolder, stored);
    if (config?.scheme === 'file' && name && this.ready) this.sweeps = new SweepFollower(config.fsPath, name, (sweep) => this.post({ type: 'DidUpdateSweep', sweep }));
  }

  // Runs the extension trains stream from the training side; the ledger keeps anything from being sent twice.
  private startFollowing(runsFolder: string, stored: readonly StoredRun[]): void {
    this.follower = new RunStoreFollower(runsFolder, stored, {
      trainedHere: (runId) => this.training.activeRuns().some((active) => active.id === runId),
      runRead: (folder, info, steps, evals) => {
        this.runs.set(info.id, folder);
        for (const message of this.sent.unsent(info, steps, evals)) this.post(message);
        this.sendGradNorms(info.id, folder);
      },
    });
  }

  private stopFollowing(): void {
    this.follower?.dispose();
    this.follower = null;
    this.sweeps?.dispose();
    this.sweeps = null;
  }

  private backendNote(config: vscode.Uri, parsed: LabConfig | null): string {
    const active = this.training.activeRuns().find((info) => samePath(info.config_file, config.fsPath)) ?? null;
    return backendNote(active, parsed, vscode.workspace.getConfiguration('losslab', config).get<string>('defaultBackend', 'auto'));
  }

  // run.json is written at start and on status changes; the training side's copy of an active run is fresher.
  private freshInfo(info: RunInfo): RunInfo {
    return this.training.activeRuns().find((active) => active.id === info.id) ?? info;
  }

  private post(message: HostToDashboard): void {
    if (!this.ready) return;
    if (this.queued && message.type !== 'DidSelectConfig') this.queued.push(message);
    else this.channel.send(message);
  }

  private followsRunOf(configFile: string): boolean {
    return this.config?.scheme === 'file' && samePath(configFile, this.config.fsPath);
  }

  private runChanged(info: RunInfo): void {
    if (!this.followsRunOf(info.config_file)) return;
    this.runs.set(info.id, this.runs.get(info.id) ?? (this.runsFolder ? join(this.runsFolder, info.id) : null));
    this.post({ type: 'DidUpdateRun', info });
    // A run that ended may have norms written after its last metrics batch was sent.
    if (info.status !== 'running') this.sendGradNorms(info.id, this.runs.get(info.id) ?? null);
  }

  // The norms follow the metrics of the same steps (the worker writes both before it reports the step).
  private sendGradNorms(runId: string, folder: string | null): void {
    if (folder && this.ready) this.gradNorms.update(runId, folder);
  }

  private metricsReceived(event: RunMetricsEvent): void {
    if (!this.followsRunOf(event.configFile)) return;
    if (!this.runs.has(event.runId)) {
      const info = this.training.activeRuns().find((active) => active.id === event.runId);
      if (!info) return;
      this.runChanged(info);
    }
    this.post({ type: 'DidAppendMetrics', runId: event.runId, steps: event.steps, evals: event.evals });
    this.sendGradNorms(event.runId, this.runs.get(event.runId) ?? null);
  }

  private documentChanged(document: vscode.TextDocument): void {
    if (!this.config || document.uri.toString() !== this.config.toString()) return;
    clearTimeout(this.scheduleTimer);
    this.scheduleTimer = setTimeout(() => {
      const { preview, config } = this.previewer.update(document.getText(), document.uri.fsPath);
      // A new name means another runs folder: reload the history for it.
      if (config && config.name !== this.configName) void this.sendSelection();
      else this.post({ type: 'DidUpdateSchedule', schedule: preview });
    }, SCHEDULE_DEBOUNCE_MS);
  }

  // Train goes through the losslab.train command, which checks workspace trust and saves the edited config first.
  private async train(): Promise<void> {
    if (!this.config) return;
    await vscode.commands.executeCommand('losslab.train', this.config);
  }

  // A run paused by a GPU failure has ended: it continues on the CPU from its checkpoint, in its folder (both paths pass the trust gate).
  private async resume(runId: string): Promise<void> {
    const folder = this.runs.get(runId);
    if (folder === undefined) return log().warn(`dashboard: Resume for unknown run ${runId}`);
    const stored = folder ? await loadRunInfoIfPresent(folder).catch((error: Error) => (log().warn(`dashboard: ${error.message}`), null)) : null;
    if (folder && stored && pausedByGpuFailure(stored)) await this.training.resumeOnCpu(folder, stored);
    else await this.training.resume(runId);
  }

  private async openConfigDiff(runA: string, runB: string): Promise<void> {
    const folderA = this.runs.get(runA);
    const folderB = this.runs.get(runB);
    // Only runs this dashboard listed: a run id from the webview never becomes a path on its own.
    if (!folderA || !folderB) {
      log().warn(`dashboard: OpenConfigDiff for a run it does not show (${runA}, ${runB})`);
      return;
    }
    const uri = (folder: string) => vscode.Uri.file(runFile(folder, 'config'));
    await vscode.commands.executeCommand('vscode.diff', uri(folderA), uri(folderB), `${runA} ↔ ${runB}`);
  }

  private async saveChartImage(chart: string, dataUrl: string): Promise<void> {
    const folder = this.config?.scheme === 'file' ? dirname(this.config.fsPath) : undefined;
    const fileName = `${this.configName ?? 'losslab'}-${chart}.png`;
    const target = await vscode.window.showSaveDialog({
      title: 'Save Chart as PNG',
      defaultUri: folder ? vscode.Uri.file(join(folder, fileName)) : undefined,
      filters: { 'PNG image': ['png'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
    log().info(`dashboard: saved the ${chart} chart to ${target.fsPath}`);
  }

  // A button that would train in an untrusted workspace is answered by the trust gate's own warning.
  private reportError(message: string, error: unknown): void {
    if (explainIfUntrusted(error)) return;
    const detail = error instanceof Error ? error.message : String(error);
    log().error(`${message}: ${detail}`);
    void vscode.window.showErrorMessage(`${message}: ${detail}`);
  }
}

// A config that never validated has no schedule to show (an empty preview with only an error still says why).
function schedulePreviewOrNull(preview: SchedulePreview): SchedulePreview | null {
  return preview.lrs.length === 0 && preview.error === null ? null : preview;
}
