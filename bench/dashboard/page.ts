/**
 * The bench's stand-in for VS Code inside the dashboard's page, run before the real dashboard bundle: it answers
 * acquireVsCodeApi(), posts the host's messages to the page as VS Code does (window message events), and records
 * animation frames, the dashboard's draws and long tasks. Bundled by esbuild into one script (bench/dashboard/measure.ts).
 */
import type { DashboardToHost, DidSelectConfig } from '../../src/protocol/dashboard';
import { packHostMessage } from '../../src/protocol/metricColumns';
import { benchRuns, benchSchedule } from './data';

/** The user-timing entry the dashboard adds for every redraw (webview/dashboard/dashboard.ts). */
const DRAW_MEASURE = 'losslab-dashboard-draw';

// The few DOM members used here: the bench is type-checked with the Node project, which has no DOM library.
interface SliderLike {
  value: string;
  dispatchEvent(event: Event): boolean;
}
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface BenchGlobal {
  postMessage(message: unknown, targetOrigin: string): void;
  requestAnimationFrame(callback: (time: number) => void): number;
  addEventListener(type: string, listener: () => void, capture: boolean): void;
  acquireVsCodeApi: () => { postMessage(message: DashboardToHost): void; getState(): unknown; setState(state: unknown): void };
  losslabBench: BenchPage;
}
interface TimingEntry {
  entryType: string;
  name: string;
  startTime: number;
  duration: number;
}
declare const window: BenchGlobal;
/** The browser's, which also reports long tasks (Node's types know only Node's entry types). */
declare const PerformanceObserver: new (callback: (list: { getEntries(): TimingEntry[] }) => void) => { observe(options: { entryTypes: string[] }): void };
declare const document: {
  querySelector(selector: string): unknown;
  querySelectorAll(selector: string): ArrayLike<{ hidden: boolean }>;
};

/** When the dashboard showed a selection, in ms from the moment the host's message was posted. */
export interface FirstRender {
  /** window.postMessage itself (the structured clone of the runs). */
  postMs: number;
  /** Until the dashboard's first draw began: the message handled, the model and every run's lines built. */
  drawStartMs: number;
  /** That draw: four charts, their summaries, header and run table. */
  drawMs: number;
  /** Until the next animation frame began, by when the drawn frame was painted: the time to first render. */
  firstRenderMs: number;
  /** Pixels of the loss chart that differ from its top-left (background) pixel: > 0 when lines were drawn. */
  lossPixelsDrawn: number;
}

/** What happened in the page between framesStart() and framesStop(). */
export interface FrameWindow {
  /** Gaps between consecutive animation frames, ms. */
  frameMs: number[];
  durationMs: number;
  longTasks: number;
  longTaskMs: number;
  /** mousemove events the page received. */
  mouseMoves: number;
  /** Hover readouts on screen at the end. */
  readoutsShown: number;
}

export interface BenchPage {
  ready: Promise<void>;
  selectConfig(runs: number, steps: number, smoothing: number): Promise<FirstRender>;
  /** Moves the smoothing slider as a user does; resolves with ms from the move until its redraw was painted. */
  setSmoothing(weight: number): Promise<number>;
  framesStart(): void;
  framesStop(): FrameWindow;
}

let state: unknown;
let markReady: () => void = () => undefined;
const ready = new Promise<void>((resolve) => (markReady = resolve));
window.acquireVsCodeApi = () => ({
  postMessage: (message) => {
    if (message.type === 'Ready') markReady();
  },
  getState: () => state,
  setState: (next) => void (state = next),
});

// Every animation frame's callback time, and every draw of the dashboard, as they happen.
const frames: number[] = [];
const frameTimes: number[] = [];
const onFrame = (time: number) => {
  frames.push(performance.now());
  frameTimes.push(time);
  window.requestAnimationFrame(onFrame);
};
window.requestAnimationFrame(onFrame);
const draws: { start: number; end: number }[] = [];
const longTasks: { start: number; duration: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.entryType === 'longtask') longTasks.push({ start: entry.startTime, duration: entry.duration });
    else if (entry.name === DRAW_MEASURE) draws.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  }
}).observe({ entryTypes: ['measure', 'longtask'] });
let mouseMoves = 0;
window.addEventListener('mousemove', () => void mouseMoves++, true);

const nextFrame = () => new Promise<void>((resolve) => window.requestAnimationFrame(() => resolve()));

/** Waits, frame by frame, until `find` returns a value (the observer reports entries a little after they happen). */
async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`bench page: no ${what} within ${timeoutMs / 1000} s`);
    await nextFrame();
  }
}

const drawAfter = (time: number) => waitFor(() => draws.find((d) => d.start >= time), 'dashboard draw');
const frameAfter = (time: number) => waitFor(() => frames.find((f) => f > time), 'animation frame');

function lossPixelsDrawn(): number {
  const canvas = document.querySelector('[data-chart="loss"] canvas') as CanvasLike | null;
  const pixels = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
  if (!pixels) return 0;
  let differing = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i] !== pixels[0] || pixels[i + 1] !== pixels[1] || pixels[i + 2] !== pixels[2]) differing++;
  }
  return differing;
}

let windowStart = 0;
let windowFrom = { frames: 0, mouseMoves: 0 };

window.losslabBench = {
  ready,
  async selectConfig(runs, steps, smoothing) {
    const message: DidSelectConfig = {
      type: 'DidSelectConfig', configFile: '/bench/bench.lab.yaml', configName: 'bench',
      runs: benchRuns(runs, steps), schedule: benchSchedule(steps), backendNote: null,
    };
    const slider = document.querySelector('[data-testid="smoothing"]') as SliderLike;
    if (Number(slider.value) !== smoothing) throw new Error(`bench page: smoothing starts at ${slider.value}, expected ${smoothing}`);
    // Packed as the host packs it, before posting (VS Code then moves the typed arrays as binary).
    const packed = packHostMessage(message);
    await nextFrame();
    await nextFrame();
    const start = performance.now();
    window.postMessage(packed, '*');
    const posted = performance.now();
    const draw = await drawAfter(start);
    const frame = await frameAfter(draw.end);
    return { postMs: posted - start, drawStartMs: draw.start - start, drawMs: draw.end - draw.start, firstRenderMs: frame - start, lossPixelsDrawn: lossPixelsDrawn() };
  },
  async setSmoothing(weight) {
    const slider = document.querySelector('[data-testid="smoothing"]') as SliderLike;
    const start = performance.now();
    slider.value = String(weight);
    slider.dispatchEvent(new Event('input'));
    const draw = await drawAfter(start);
    return (await frameAfter(draw.end)) - start;
  },
  framesStart() {
    windowStart = performance.now();
    windowFrom = { frames: frameTimes.length, mouseMoves };
  },
  framesStop() {
    const times = frameTimes.slice(windowFrom.frames);
    const tasks = longTasks.filter((t) => t.start >= windowStart);
    return {
      frameMs: times.slice(1).map((t, i) => t - times[i]),
      durationMs: performance.now() - windowStart,
      longTasks: tasks.length,
      longTaskMs: tasks.reduce((sum, t) => sum + t.duration, 0),
      mouseMoves: mouseMoves - windowFrom.mouseMoves,
      readoutsShown: Array.from(document.querySelectorAll('.readout')).filter((r) => !r.hidden).length,
    };
  },
};
