import { CHART_KINDS, type ChartKind, type XAxisMode } from '../charts/series';

/**
 * What the dashboard keeps across hiding, reopening and VS Code restarts (vscode.setState). The host's panel
 * serializer reads `configFile` from it to follow the same config after a restart.
 */
export interface DashboardUiState {
  configFile: string | null;
  smoothing: number;
  xAxis: XAxisMode;
  log: Record<ChartKind, boolean>;
  /** Scale every chart to all of its data, outliers included. */
  fitAll: boolean;
  hiddenRuns: string[];
  /** Runs picked for "Compare configs". */
  selectedRuns: string[];
  /** The last focus request handled (so a reload of the same page does not scroll again). */
  focusToken: string | null;
}

const X_AXES: readonly XAxisMode[] = ['step', 'tokens', 'time'];

export function defaultUiState(smoothing: number): DashboardUiState {
  return {
    configFile: null, smoothing: clampSmoothing(smoothing), xAxis: 'step',
    log: { loss: false, lr: false, 'grad-norm': false, throughput: false },
    fitAll: false, hiddenRuns: [], selectedRuns: [], focusToken: null,
  };
}

/** The saved state, field by field, falling back to defaults for anything missing or malformed. */
export function restoreUiState(saved: unknown, defaultSmoothing: number): DashboardUiState {
  const state = defaultUiState(defaultSmoothing);
  if (typeof saved !== 'object' || saved === null) return state;
  const s = saved as Record<string, unknown>;
  if (typeof s.configFile === 'string') state.configFile = s.configFile;
  if (typeof s.smoothing === 'number') state.smoothing = clampSmoothing(s.smoothing);
  if (typeof s.xAxis === 'string' && (X_AXES as readonly string[]).includes(s.xAxis)) state.xAxis = s.xAxis as XAxisMode;
  if (typeof s.log === 'object' && s.log !== null) {
    for (const kind of CHART_KINDS) state.log[kind] = (s.log as Record<string, unknown>)[kind] === true;
  }
  state.fitAll = s.fitAll === true;
  state.hiddenRuns = strings(s.hiddenRuns);
  state.selectedRuns = strings(s.selectedRuns).slice(-2);
  if (typeof s.focusToken === 'string') state.focusToken = s.focusToken;
  return state;
}

export function clampSmoothing(value: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), 0.99) : 0.6;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, 1000) : [];
}
