import type { DashboardBenchResult } from './measure';

/** The bench's figures against the goals of issue 17: first render < 1 s, hover ≥ 30 frames/s. */
export interface DashboardBenchSummary {
  firstRenderMs: number;
  firstRenderPass: boolean;
  /** Frames over the hover window's seconds (a long frame counts as the frames it cost). */
  hoverFps: number;
  hoverPass: boolean;
  hoverFrameP50: number;
  hoverFrameP95: number;
  hoverMovesPerSec: number;
  toggleP50: number;
  toggleMax: number;
  toggleFrameP50: number;
  toggleFrameP95: number;
  loadAverage: number[];
}

export const FIRST_RENDER_GOAL_MS = 1000;
export const HOVER_GOAL_FPS = 30;

/** The value below which a share `q` of the sorted values lie (nearest rank); NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function summarizeDashboardBench(result: DashboardBenchResult, loadAverage: number[]): DashboardBenchSummary {
  const { firstRender, hover, smoothing } = result;
  const hoverSpan = hover.frameMs.reduce((sum, ms) => sum + ms, 0);
  const hoverFps = hoverSpan > 0 ? (1000 * hover.frameMs.length) / hoverSpan : Number.NaN;
  return {
    firstRenderMs: firstRender.firstRenderMs,
    firstRenderPass: firstRender.firstRenderMs < FIRST_RENDER_GOAL_MS,
    hoverFps,
    hoverPass: hoverFps >= HOVER_GOAL_FPS,
    hoverFrameP50: quantile(hover.frameMs, 0.5),
    hoverFrameP95: quantile(hover.frameMs, 0.95),
    hoverMovesPerSec: (1000 * hover.mouseMoves) / hover.durationMs,
    toggleP50: quantile(smoothing.redrawMs, 0.5),
    toggleMax: Math.max(...smoothing.redrawMs),
    toggleFrameP50: quantile(smoothing.frameMs, 0.5),
    toggleFrameP95: quantile(smoothing.frameMs, 0.95),
    loadAverage,
  };
}
