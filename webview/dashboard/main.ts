import './dashboard.css';
import { MessageChannel } from '../../src/protocol/channel';
import type { DashboardToHost } from '../../src/protocol/dashboard';
import type { PackedHostMessage } from '../../src/protocol/metricColumns';
import { CHART_KINDS, type ChartKind } from '../charts/series';
import { readTheme } from '../charts/theme';
import { Dashboard, type DashboardFocus } from './dashboard';
import { validateHostMessage } from './hostMessages';
import { TrainerHost } from './trainerHost';
import { restoreUiState } from './uiState';

/** The part of the webview API the dashboard uses. */
interface VsCodeApi {
  postMessage(message: DashboardToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const body = document.body;
const theme = () => readTheme((name) => getComputedStyle(body).getPropertyValue(name), body.className);

// The host passes the smoothing setting and a one-off focus request as data attributes of <body>.
const state = restoreUiState(vscode.getState(), Number(body.dataset.defaultSmoothing ?? '0.6'));
const focusChart = body.dataset.focusChart;
const focus: DashboardFocus | null = focusChart && (CHART_KINDS as readonly string[]).includes(focusChart) && body.dataset.focusToken
  ? { chart: focusChart as ChartKind, token: body.dataset.focusToken } : null;

const channel = new MessageChannel<PackedHostMessage, DashboardToHost>(
  (message) => vscode.postMessage(message),
  validateHostMessage,
  (reason) => console.warn(`Loss Lab dashboard: ignored a message from the host (${reason})`),
  (error) => console.error('Loss Lab dashboard:', error),
);
const root = document.getElementById('root') ?? body;
const dashboard = new Dashboard(root, state, theme(), { send: (m) => channel.send(m), saveState: (s) => vscode.setState(s) }, focus);
for (const type of ['DidSelectConfig', 'DidAppendMetrics', 'DidAppendGradNorms', 'DidUpdateRun', 'DidUpdateSchedule', 'DidUpdateSweep'] as const) {
  channel.on(type, (message) => dashboard.receive(message));
}
// The host passes the training worker's script URI only when this page may train (losslab.trainingLocation).
const trainer = new TrainerHost(body.dataset.trainerScript ?? null, (message) => channel.send({ type: 'DidRelayFromTrainer', message }));
channel.on('RelayToTrainer', ({ message }) => trainer.relay(message));
window.addEventListener('message', (event: MessageEvent<unknown>) => channel.receive(event.data));
// VS Code swaps the body's theme class (vscode-light / vscode-dark / vscode-high-contrast…) when the theme changes.
new MutationObserver(() => dashboard.setTheme(theme())).observe(body, { attributes: true, attributeFilter: ['class'] });
channel.send({ type: 'Ready' });
