import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { XAxisMode } from '../charts/series';
import { pausedByGpuFailure, type RunInfo } from '../../src/protocol/runInfo';
import { h, icon, ICONS } from './dom';
import type { DashboardUiState } from './uiState';

/** What the header and toolbar ask the dashboard to do. */
export interface ControlEvents {
  onTrain(): void;
  onStop(runId: string): void;
  onResume(runId: string): void;
  onSmoothing(weight: number): void;
  onXAxis(mode: XAxisMode): void;
  onFitAll(fitAll: boolean): void;
}

const SMOOTHING_DEBOUNCE_MS = 120;
const X_AXIS_LABELS: [XAxisMode, string][] = [['step', 'Step'], ['tokens', 'Tokens (cumulative)'], ['time', 'Wall time']];

/** The header (config, status, backend, Train/Stop) and the toolbar (smoothing, x axis, fit all). */
export class Controls {
  readonly header: HTMLElement;
  readonly toolbar: HTMLElement;
  private readonly configName = h('h1', { class: 'config-name', attrs: { 'data-testid': 'config-name' } });
  private readonly configFile = h('span', { class: 'config-file', attrs: { 'data-testid': 'config-file' } });
  private readonly status = h('p', { class: 'run-status', attrs: { 'data-testid': 'run-status', role: 'status' } });
  private readonly backend = h('p', { class: 'backend-note', attrs: { 'data-testid': 'backend-note' } });
  private readonly train: HTMLElementTagNameMap['vscode-button'];
  private readonly stop: HTMLElementTagNameMap['vscode-button'];
  private readonly resume: HTMLElementTagNameMap['vscode-button'];
  private readonly resumeOnCpu: HTMLElementTagNameMap['vscode-button'];
  private readonly smoothing: HTMLInputElement;
  private readonly smoothingValue = h('output', { class: 'smoothing-value', attrs: { for: 'smoothing' } });
  private readonly xAxis: HTMLElementTagNameMap['vscode-single-select'];
  private readonly fitAll: HTMLElementTagNameMap['vscode-checkbox'];
  private activeRun: RunInfo | null = null;
  /** The newest run when its GPU failed: it has ended paused and resumes on the CPU. */
  private gpuPausedRun: RunInfo | null = null;
  private smoothingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(state: DashboardUiState, events: ControlEvents) {
    this.train = button('Train', 'train-button', ICONS.play, false, () => events.onTrain());
    this.stop = button('Stop', 'stop-button', ICONS.stop, true, () => this.activeRun && events.onStop(this.activeRun.id));
    this.resume = button('Resume', 'resume-button', ICONS.play, false, () => this.activeRun && events.onResume(this.activeRun.id));
    this.resumeOnCpu = button('Resume on CPU', 'resume-cpu-button', ICONS.play, false, () => this.gpuPausedRun && events.onResume(this.gpuPausedRun.id));
    this.header = h('header', { class: 'dashboard-header' }, [
      h('div', { class: 'title-block' }, [h('div', { class: 'title-line' }, [this.configName, this.configFile]), this.status, this.backend]),
      h('div', { class: 'actions' }, [this.resumeOnCpu, this.resume, this.stop, this.train]),
    ]);

    this.smoothing = h('input', {
      attrs: { id: 'smoothing', type: 'range', min: '0', max: '0.99', step: '0.01', 'data-testid': 'smoothing', 'aria-label': 'Smoothing (exponential moving average weight)' },
      on: { input: () => this.smoothingChanged(events) },
    });
    this.smoothing.value = String(state.smoothing);
    this.xAxis = h('vscode-single-select', { attrs: { 'data-testid': 'x-axis', 'aria-label': 'X axis' } },
      X_AXIS_LABELS.map(([value, text]) => h('vscode-option', { attrs: { value }, text })));
    this.xAxis.value = state.xAxis;
    this.xAxis.addEventListener('change', () => events.onXAxis(this.xAxis.value as XAxisMode));
    this.fitAll = h('vscode-checkbox', { attrs: { label: 'Fit all (show outliers)', 'data-testid': 'fit-all' } });
    this.fitAll.checked = state.fitAll;
    this.fitAll.addEventListener('change', () => events.onFitAll(this.fitAll.checked));
    this.toolbar = h('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Chart settings' } }, [
      h('label', { class: 'control' }, [h('span', { class: 'control-label', text: 'Smoothing' }), this.smoothing, this.smoothingValue]),
      h('label', { class: 'control' }, [h('span', { class: 'control-label', text: 'X axis' }), this.xAxis]),
      h('div', { class: 'control' }, [this.fitAll]),
    ]);
    this.showSmoothing(state.smoothing);
  }

  setConfig(name: string | null, file: string | null): void {
    this.configName.textContent = name ?? 'Loss Lab';
    this.configFile.textContent = file ? baseName(file) : '';
    this.configFile.title = file ?? '';
  }

  /** `busy` while a run trains (the status changes with every batch): screen readers announce it once it ends. */
  setStatus(status: string, backend: string, busy: boolean): void {
    if (this.status.textContent !== status) this.status.textContent = status;
    this.status.setAttribute('aria-busy', String(busy));
    if (this.backend.textContent !== backend) this.backend.textContent = backend;
  }

  /** Shows Train, or Stop (and Resume when paused) for the run in progress; Resume on CPU after a GPU failure. */
  setActiveRun(run: RunInfo | null, hasConfig: boolean): void {
    this.gpuPausedRun = run && pausedByGpuFailure(run) ? run : null;
    this.resumeOnCpu.hidden = this.gpuPausedRun === null;
    this.activeRun = run && !this.gpuPausedRun && (run.status === 'running' || run.status === 'paused') ? run : null;
    this.train.hidden = this.activeRun !== null;
    this.train.disabled = !hasConfig;
    this.stop.hidden = this.activeRun === null;
    this.resume.hidden = this.activeRun?.status !== 'paused';
  }

  // The label follows the slider at once; the charts follow once dragging pauses (re-smoothing 100 000 points is not free).
  private smoothingChanged(events: ControlEvents): void {
    const weight = Number(this.smoothing.value);
    this.showSmoothing(weight);
    clearTimeout(this.smoothingTimer);
    this.smoothingTimer = setTimeout(() => events.onSmoothing(weight), SMOOTHING_DEBOUNCE_MS);
  }

  private showSmoothing(weight: number): void {
    this.smoothingValue.textContent = weight.toFixed(2);
  }
}

function button(text: string, testId: string, iconPath: string, secondary: boolean, onClick: () => void): HTMLElementTagNameMap['vscode-button'] {
  const element = h('vscode-button', { attrs: { 'data-testid': testId }, on: { click: onClick } }, [icon(iconPath), text]);
  element.secondary = secondary;
  return element;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
