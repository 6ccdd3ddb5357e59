import type { LabConfig } from '../../config/types';
import { GradNormGrid, clipCountText, gradNormSummary, wasClipped, type ParameterNorms } from '../../engine/train/gradNormGrid';
import { formatShare, meanPadFraction, type EvalMetrics, type StepMetrics } from '../../engine/train/metrics';
import { vocabularyText, type RunInfo } from '../../protocol/runInfo';
import { escapeHtml, htmlText } from './escape';
import { staticHtmlPage } from './page';
import { lineChart, type ChartSeries } from './svgChart';
import { gradNormHeatmap } from './svgHeatmap';

/** What a report shows: a run's record (any part may be missing from an interrupted run). */
export interface ReportInput {
  id: string;
  configName: string;
  info: RunInfo | null;
  config: LabConfig | null;
  steps: readonly StepMetrics[];
  evals: readonly EvalMetrics[];
  /** grad_norms.jsonl: every parameter's pre-clip norm per step (absent: the section says none were recorded). */
  gradNorms?: readonly ParameterNorms[];
}

/** The report's heatmap has at most this many step columns (each cell is an SVG rect with its title). */
const HEATMAP_COLUMNS = 160;

const COLORS = { train: '#1f6fd1', val: '#d9480f', lr: '#2b8a3e', pre: '#7048e8', post: '#e8590c', speed: '#0c8599', clipped: '#c92a2a' };

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1c1e21; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #dde1e6; padding-bottom: 4px; }
.sub { color: #5c6370; margin: 0 0 16px; }
table { border-collapse: collapse; } td, th { padding: 3px 12px 3px 0; text-align: left; vertical-align: top; }
th { color: #5c6370; font-weight: 500; white-space: nowrap; } td { font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
.config { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 4px 24px; }
.config h3 { font-size: 14px; margin: 10px 0 2px; }
.chart { background: #fff; } .plot { fill: #fafbfc; stroke: #c9ced6; } .grid { stroke: #e6e9ee; } .axis { stroke: #8a919c; }
.tick, .legend, .axis-label { font-size: 11px; fill: #4a505a; } .chart-title { font-size: 13px; font-weight: 600; fill: #1c1e21; }
.chart-empty { fill: #8a919c; } .marker { stroke: #c92a2a; stroke-dasharray: 3 3; } .marker-label { font-size: 11px; fill: #c92a2a; }
.status-finished { color: #2b8a3e; } .status-failed { color: #c92a2a; } .status-stopped, .status-paused, .status-running { color: #e67700; }
`;

/** A loss to four decimals; anything but a finite number (a missing or tampered field) as a dash. */
const loss = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '–');
/** A count with thousands separators; anything but a number is shown escaped, as written. */
const count = (v: unknown): string => (typeof v === 'number' ? v.toLocaleString('en-US') : htmlText(v));

/** Rows of [label, HTML]: labels are escaped here, values are escaped by whoever built them. */
function table(rows: readonly [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function durationText(info: RunInfo): string {
  if (typeof info.finished_at !== 'string' || typeof info.started_at !== 'string') return '–';
  const seconds = (Date.parse(info.finished_at) - Date.parse(info.started_at)) / 1000;
  return Number.isFinite(seconds) ? `${seconds.toFixed(1)} s` : '–';
}

function statusText(info: RunInfo): string {
  // The class name takes only a known status's letters; the words are escaped.
  const known = /^[a-z]{1,16}$/.test(String(info.status)) ? String(info.status) : 'unknown';
  return `<span class="status-${known}">${htmlText(info.status)}</span>${info.message ? ` — ${htmlText(info.message)}` : ''}`;
}

function facts(input: ReportInput): string {
  const { info, evals } = input;
  const best = evals.reduce<EvalMetrics | null>((b, e) => (b === null || e.val_loss < b.val_loss ? e : b), null);
  const last = input.steps[input.steps.length - 1];
  const padding = meanPadFraction(input.steps);
  const rows: [string, string][] = [
    ['run', htmlText(input.id)],
    ['status', info ? statusText(info) : '–'],
    ['steps', info ? `${htmlText(info.steps_completed)} / ${htmlText(info.total_steps)}` : htmlText(last?.step ?? 0)],
    ['final loss', loss(info?.final_loss ?? last?.loss)],
    ['final val loss', loss(info?.final_val_loss ?? evals[evals.length - 1]?.val_loss)],
    ['best val loss', best ? `${loss(best.val_loss)} at step ${htmlText(best.step)}` : '–'],
    ['tokens / s (mean)', typeof info?.tokens_per_sec === 'number' ? Math.round(info.tokens_per_sec).toLocaleString('en-US') : '–'],
    ['padding (mean share of target positions)', padding === null ? '–' : formatShare(padding)],
    ['clipped steps (pre-clip norm above training.grad_clip)', escapeHtml(clipCountText(input.steps.filter(wasClipped).length, input.steps.length) ?? 'none')],
  ];
  if (info) {
    rows.push(
      ['parameters', count(info.parameters)],
      ['vocabulary', htmlText(vocabularyText(info))],
      ['backend', `${htmlText(info.backend?.description)} <small>(${htmlText(info.backend?.reason)})</small>`],
      ['started', htmlText(info.started_at)],
      ['finished', htmlText(info.finished_at)],
      ['duration', durationText(info)],
      ['config file', htmlText(info.config_file)],
      ['versions', `losslab ${htmlText(info.versions?.losslab)}, Node ${htmlText(info.versions?.node)}`],
    );
  }
  return table(rows);
}

function charts(input: ReportInput): string {
  const steps = input.steps;
  const series = (name: string, color: string, y: (s: StepMetrics) => number, dashed = false): ChartSeries =>
    ({ name, color, dashed, points: steps.map((s) => [s.step, y(s)] as const) });
  const val: ChartSeries = { name: 'val loss', color: COLORS.val, dashed: true, points: input.evals.map((e) => [e.step, e.val_loss] as const) };
  return [
    lineChart([series('train loss', COLORS.train, (s) => s.loss), val], { title: 'Loss', xLabel: 'step' }),
    lineChart([series('learning rate', COLORS.lr, (s) => s.lr)], { title: 'Learning rate', xLabel: 'step' }),
    lineChart([
      series('pre-clip', COLORS.pre, (s) => s.grad_norm), series('post-clip', COLORS.post, (s) => s.grad_norm_clipped, true),
      { name: 'clipped step', color: COLORS.clipped, marksOnly: true, points: steps.filter(wasClipped).map((s) => [s.step, s.grad_norm] as const) },
    ], { title: 'Gradient norm', xLabel: 'step' }),
    lineChart([series('tokens / s', COLORS.speed, (s) => s.tokens_per_sec)], { title: 'Throughput (tokens / s)', xLabel: 'step' }),
  ].join('\n');
}

function gradNormSection(input: ReportInput): string {
  const grid = new GradNormGrid(HEATMAP_COLUMNS);
  grid.append(input.gradNorms ?? []);
  return `${gradNormHeatmap(grid)}\n<p>${escapeHtml(gradNormSummary(grid, `run ${String(input.id)}`))}</p>`;
}

function valueText(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function configSection(config: LabConfig | null): string {
  if (!config) return '<p>config.json is missing from the run folder.</p>';
  const top: [string, string][] = [];
  const sections: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const rows = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, escapeHtml(valueText(v))] as [string, string]);
      sections.push(`<div><h3>${escapeHtml(key)}</h3>${table(rows)}</div>`);
    } else {
      top.push([key, escapeHtml(valueText(value))]);
    }
  }
  return `<div class="config"><div><h3>run</h3>${table(top)}</div>${sections.join('')}</div>`;
}

/**
 * A self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched) describing one run, with a strict CSP
 * of its own: every value from the run folder is escaped, and only the report's own stylesheet may apply.
 */
export function renderReport(input: ReportInput, generator: { version: string; generatedAt: string }): string {
  const name = input.info?.name ?? input.configName;
  const kind = input.config ? `${htmlText(input.config.model?.kind)}, ` : '';
  const body = `<h1>${htmlText(name)}</h1>
<p class="sub">${kind}run ${htmlText(input.id)} · generated by losslab ${htmlText(generator.version)} at ${htmlText(generator.generatedAt)}</p>
<h2>Summary</h2>
${facts(input)}
<h2>Curves</h2>
<div class="charts">
${charts(input)}
</div>
<h2>Gradient norms by layer</h2>
${gradNormSection(input)}
<h2>Resolved config</h2>
${configSection(input.config)}`;
  return staticHtmlPage(`${String(name)} ${String(input.id)} — Loss Lab report`, STYLE, body);
}
