/**
 * `npm run bench:dashboard`: the real dashboard bundle in headless Chromium, fed the host's messages for 10 finished
 * runs of 100 000 steps (loss, val_loss every 250 steps, lr, gradient norms before and after clipping, tokens/s):
 * time to first render, frame times while the pointer sweeps across the loss chart, and while smoothing is toggled.
 *   npm run build && npm run bench:dashboard -- [--runs N] [--steps N] [--hover-ms MS] [--toggles N] [--json] [--profile FILE] [--bundle FILE]
 * --profile writes the page's CPU profile (a .cpuprofile file DevTools opens) from the first message to the last toggle;
 * --bundle measures another build of dashboard.js (e.g. a copy of an earlier dist/webview/dashboard.js, .css beside it).
 * Goals (issue 17): first render < 1 s, hover ≥ 30 frames/s. Timings are the page's own clock (bench/dashboard/page.ts).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runDashboardBench, type DashboardBenchResult } from './dashboard/measure';
import { summarizeDashboardBench, type DashboardBenchSummary } from './dashboard/summary';

function table(result: DashboardBenchResult, summary: DashboardBenchSummary): string {
  const { runs, steps } = result.options;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const rows: [string, string, string, string][] = [
    ['time to first render', ms(summary.firstRenderMs), '< 1000 ms', summary.firstRenderPass ? 'PASS' : 'FAIL'],
    ['  postMessage (structured clone)', ms(result.firstRender.postMs), '', ''],
    ['  message handled, lines built', ms(result.firstRender.drawStartMs - result.firstRender.postMs), '', ''],
    ['  first draw (4 charts, words)', ms(result.firstRender.drawMs), '', ''],
    ['hover: frames/s', summary.hoverFps.toFixed(1), '≥ 30', summary.hoverPass ? 'PASS' : 'FAIL'],
    ['hover: frame time p50 / p95', `${summary.hoverFrameP50.toFixed(1)} / ${summary.hoverFrameP95.toFixed(1)} ms`, '', ''],
    ['hover: pointer moves handled/s', summary.hoverMovesPerSec.toFixed(0), '', ''],
    ['hover: long tasks (total)', `${result.hover.longTasks} (${ms(result.hover.longTaskMs)})`, '', ''],
    ['smoothing toggle → painted p50 / max', `${ms(summary.toggleP50)} / ${ms(summary.toggleMax)}`, '', ''],
    ['smoothing: frame time p50 / p95', `${summary.toggleFrameP50.toFixed(1)} / ${summary.toggleFrameP95.toFixed(1)} ms`, '', ''],
  ];
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => `${r[0].padEnd(width[0])}  ${r[1].padStart(width[1])}  ${r[2].padEnd(width[2])}  ${r[3]}`.trimEnd());
  return [
    `Dashboard bench: ${runs} runs × ${steps.toLocaleString('en')} steps, Chromium ${result.chromium} (headless, software raster), load average ${summary.loadAverage.map((x) => x.toFixed(2)).join(', ')}`,
    ...lines,
    'First render: from posting the host\'s DidSelectConfig to the first animation frame after the dashboard drew it.',
    'Smoothing toggles include the slider\'s 120 ms debounce.',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    runs: { type: 'string', default: '10' }, steps: { type: 'string', default: '100000' },
    'hover-ms': { type: 'string', default: '3000' }, toggles: { type: 'string', default: '6' }, json: { type: 'boolean', default: false },
    profile: { type: 'string' }, bundle: { type: 'string' },
  } });
  const count = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`bench:dashboard: --${name} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
  const result = await runDashboardBench({
    runs: count('runs', values.runs, 1), steps: count('steps', values.steps, 2), hoverMs: count('hover-ms', values['hover-ms'], 100), toggles: count('toggles', values.toggles, 1),
    profile: values.profile, bundle: values.bundle,
  });
  const summary = summarizeDashboardBench(result, loadavg());
  console.log(values.json ? JSON.stringify({ ...summary, raw: result }) : table(result, summary));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
