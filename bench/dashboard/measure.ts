/**
 * Drives the real dashboard bundle (dist/webview/dashboard.js and .css, in the page dashboardHtml writes, with its
 * Content Security Policy) in headless Chromium through playwright-core: the host's DidSelectConfig with the bench
 * runs, then hovering across the loss chart and toggling smoothing, timed in the page (bench/dashboard/page.ts).
 */
import { build } from 'esbuild';
import { accessSync, constants, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { dashboardHtml } from '../../src/extension/dashboard/html';
import type { BenchPage, FirstRender, FrameWindow } from './page';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ORIGIN = 'http://losslab-bench.invalid';
const BUNDLE = join(root, 'dist', 'webview', 'dashboard.js');
/** The smoothing the page starts with (losslab.smoothing's default); the toggles alternate between 0 and this. */
const SMOOTHING = 0.6;
// As the UI tests run Chromium: headless, no sandbox (root in a container), no GPU, nothing that phones home.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface DashboardBenchOptions {
  runs: number;
  /** Steps (points per series) of every run. */
  steps: number;
  hoverMs: number;
  /** Smoothing changes: off, on, off, … */
  toggles: number;
  /** Write a CPU profile of the page (first render to the last toggle) here, for DevTools' Performance panel. */
  profile?: string;
  /** Another build of dist/webview/dashboard.js (a copy of an earlier one, to compare against); its .css beside it. */
  bundle?: string;
}

export interface DashboardBenchResult {
  options: DashboardBenchOptions;
  chromium: string;
  firstRender: FirstRender;
  hover: FrameWindow;
  smoothing: FrameWindow & { redrawMs: number[] };
}

/** $CHROMIUM_BIN, else Chromium on PATH (Debian's package installs `chromium`). */
function chromiumPath(): string {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  for (const folder of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
      try {
        accessSync(join(folder, name), constants.X_OK);
        return join(folder, name);
      } catch {
        // not in this folder
      }
    }
  }
  throw new Error('bench:dashboard: no Chromium on PATH: apt-get install -y chromium, or set CHROMIUM_BIN');
}

/** A bundle older than the dashboard's sources would measure old code: refuse it, naming the build command. */
function checkBuiltBundle(): void {
  let built: number;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    throw new Error('bench:dashboard: dist/webview/dashboard.js is missing: run `npm run build` first');
  }
  for (const folder of ['webview/dashboard', 'webview/charts']) {
    for (const file of readdirSync(join(root, folder))) {
      if (statSync(join(root, folder, file)).mtimeMs > built) throw new Error(`bench:dashboard: ${folder}/${file} is newer than dist/webview/dashboard.js: run \`npm run build\` first`);
    }
  }
}

/** The in-page stand-in (page.ts) as one script to run before the dashboard's. */
async function harnessScript(): Promise<string> {
  const result = await build({
    entryPoints: [join(root, 'bench', 'dashboard', 'page.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022',
  });
  return result.outputFiles[0].text;
}

async function servePage(page: Page, bundle: string): Promise<void> {
  const nonce = 'bench';
  const html = dashboardHtml({ cspSource: ORIGIN, scriptUri: `${ORIGIN}/dashboard.js`, styleUri: `${ORIGIN}/dashboard.css`, defaultSmoothing: SMOOTHING, focusChart: null }, nonce)
    .replace('<body ', '<body class="vscode-dark" ');
  const files: Record<string, { body: string | Buffer; contentType: string }> = {
    '/': { body: html, contentType: 'text/html' },
    '/dashboard.js': { body: readFileSync(bundle), contentType: 'text/javascript' },
    '/dashboard.css': { body: readFileSync(bundle.replace(/\.js$/, '.css')), contentType: 'text/css' },
  };
  await page.route(`${ORIGIN}/**`, (route) => {
    const file = files[new URL(route.request().url()).pathname];
    return file ? route.fulfill({ status: 200, ...file }) : route.fulfill({ status: 404, body: '' });
  });
}

type BenchMethod = Exclude<keyof BenchPage, 'ready'>;

/** Calls the in-page stand-in (page.ts) and waits for its answer. */
function call<M extends BenchMethod>(page: Page, method: M, ...args: Parameters<BenchPage[M]>): Promise<Awaited<ReturnType<BenchPage[M]>>> {
  return page.evaluate(([name, values]) => {
    const stand = (globalThis as unknown as { losslabBench: BenchPage }).losslabBench;
    return (stand[name] as (...v: unknown[]) => unknown)(...values);
  }, [method, args] as const) as Promise<Awaited<ReturnType<BenchPage[M]>>>;
}

/** Sweeps the pointer across the loss chart's plot, back and forth, for `ms`: synthetic moves, as fast as they are taken. */
async function hoverAcross(page: Page, ms: number): Promise<void> {
  const box = await page.locator('[data-chart="loss"] canvas').first().boundingBox();
  if (!box) throw new Error('bench:dashboard: the loss chart has no box on the page');
  const y = box.y + box.height / 2;
  const left = box.x + 70;
  const width = box.width - 90;
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    const phase = (i * 6) % (2 * width);
    await page.mouse.move(left + (phase < width ? phase : 2 * width - phase), y);
  }
}

export async function runDashboardBench(options: DashboardBenchOptions): Promise<DashboardBenchResult> {
  if (!options.bundle) checkBuiltBundle();
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
    await page.addInitScript({ content: await harnessScript() });
    await servePage(page, options.bundle ?? BUNDLE);
    await page.goto(`${ORIGIN}/`);
    await page.evaluate(() => (globalThis as unknown as { losslabBench: BenchPage }).losslabBench.ready);
    const profiler = options.profile ? await page.context().newCDPSession(page) : null;
    await profiler?.send('Profiler.enable');
    await profiler?.send('Profiler.start');
    const firstRender = await call(page, 'selectConfig', options.runs, options.steps, SMOOTHING);

    await call(page, 'framesStart');
    await hoverAcross(page, options.hoverMs);
    const hover = await call(page, 'framesStop');

    await page.mouse.move(0, 0);
    await call(page, 'framesStart');
    const redrawMs: number[] = [];
    for (let i = 0; i < options.toggles; i++) redrawMs.push(await call(page, 'setSmoothing', i % 2 === 0 ? 0 : SMOOTHING));
    const toggling = await call(page, 'framesStop');
    if (profiler && options.profile) writeFileSync(options.profile, JSON.stringify((await profiler.send('Profiler.stop')).profile));
    if (errors.length > 0) throw new Error(`bench:dashboard: the page reported errors: ${errors.slice(0, 3).join(' | ')}`);
    return { options, chromium: browser.version(), firstRender, hover, smoothing: { ...toggling, redrawMs } };
  } finally {
    await browser.close();
  }
}
