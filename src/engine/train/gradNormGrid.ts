// The per-parameter gradient norms of a run as a layer × step grid: shared by the dashboard, the notebook renderer,
// the HTML report and the exports. No VS Code API and no Node built-ins: the webviews bundle this file too.
import { formatShare, type StepMetrics } from './metrics';

/** One step's pre-clip gradient norm of every parameter, as grad_norms.jsonl records it. */
export interface ParameterNorms {
  step: number;
  norms: Readonly<Record<string, number>>;
}

/** A parameter as a row of the grid: its state-dict name, the layer it belongs to and its name within that layer. */
export interface ParameterRow {
  name: string;
  /** "embeddings", "layer 0", "encoder 1", "decoder 0", "output". */
  layer: string;
  /** The name within its layer, e.g. "attn.c_attn.weight". */
  short: string;
}

/** The largest norm seen, and how it compares with the other parameters at the same step. */
export interface LargestNorm {
  parameter: string;
  step: number;
  value: number;
  /** The median of every parameter's norm at that step. */
  medianAtStep: number;
}

/** The steps a grid column covers (one step until the grid is compacted). */
export interface GridColumn {
  firstStep: number;
  lastStep: number;
}

/** A grid keeps at most this many columns by default: more than a chart's width in pixels. */
export const DEFAULT_MAX_COLUMNS = 1024;

// Where a layer's parameters sit: the prefix names the section, the number the layer within it.
const LAYER_PATTERNS: { pattern: RegExp; section: number; label: string }[] = [
  { pattern: /^transformer\.h\.(\d+)\.(.+)$/, section: 1, label: 'layer' },
  { pattern: /^transformer\.encoder\.layers\.(\d+)\.(.+)$/, section: 1, label: 'encoder' },
  { pattern: /^transformer\.decoder\.layers\.(\d+)\.(.+)$/, section: 3, label: 'decoder' },
];
const EMBEDDING = /(^|\.)(wte|wpe|src_embed|tgt_embed)\./;
const ENCODER_END = /^transformer\.encoder\.norm\./;

/** The layer a parameter belongs to, and its order: embeddings, the layers in turn, the final norm and head. */
export function parameterRow(name: string): ParameterRow & { order: [number, number] } {
  for (const { pattern, section, label } of LAYER_PATTERNS) {
    const match = pattern.exec(name);
    if (match) return { name, layer: `${label} ${match[1]}`, short: match[2], order: [section, Number(match[1])] };
  }
  if (EMBEDDING.test(name)) return { name, layer: 'embeddings', short: name.replace(/^transformer\./, ''), order: [0, 0] };
  if (ENCODER_END.test(name)) return { name, layer: 'encoder', short: name.replace(/^transformer\.encoder\./, ''), order: [2, 0] };
  return { name, layer: 'output', short: name.replace(/^transformer\.(decoder\.)?/, ''), order: [4, 0] };
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Every parameter's pre-clip norm over the steps, appended as records arrive: rows are parameters in layer order,
 * columns steps. Past `maxColumns` neighbouring columns merge (each keeping the larger norm), so a run of any length
 * costs a bounded grid while a spike stays visible; the largest norm is tracked exactly, from every record.
 */
export class GradNormGrid {
  readonly columns: GridColumn[] = [];
  /** Per parameter name: its norm in each column (the largest of the column's steps), NaN where none. */
  private readonly cells = new Map<string, number[]>();
  private rows: (ParameterRow & { order: [number, number]; seen: number })[] = [];
  private stepsPerColumn = 1;
  private stepsInLast = 0;
  private steps = 0;
  private last = 0;
  private best: LargestNorm | null = null;
  private latestRecord: ParameterNorms | null = null;

  constructor(private readonly maxColumns = DEFAULT_MAX_COLUMNS) {}

  /** The parameters as rows, in layer order. */
  get parameters(): readonly ParameterRow[] {
    return this.rows;
  }

  get stepCount(): number {
    return this.steps;
  }

  get lastStep(): number {
    return this.last;
  }

  get largest(): LargestNorm | null {
    return this.best;
  }

  /** The newest record appended. */
  get latest(): ParameterNorms | null {
    return this.latestRecord;
  }

  /** A parameter's norm in each column. */
  row(name: string): readonly number[] {
    return this.cells.get(name) ?? [];
  }

  /** Appends records in step order; a step at or before the last one held is ignored (a history resend). */
  append(records: readonly ParameterNorms[]): void {
    for (const record of records) {
      if (record.step <= this.last) continue;
      this.appendOne(record);
    }
  }

  private appendOne(record: ParameterNorms): void {
    this.last = record.step;
    this.steps++;
    this.latestRecord = record;
    if (this.columns.length === 0 || this.stepsInLast >= this.stepsPerColumn) {
      if (this.columns.length >= this.maxColumns) this.compact();
      this.columns.push({ firstStep: record.step, lastStep: record.step });
      for (const values of this.cells.values()) values.push(Number.NaN);
      this.stepsInLast = 0;
    }
    const column = this.columns.length - 1;
    this.columns[column].lastStep = record.step;
    this.stepsInLast++;
    const finite: number[] = [];
    let top: { name: string; value: number } | null = null;
    for (const [name, value] of Object.entries(record.norms)) {
      if (!Number.isFinite(value)) continue;
      const values = this.cellsOf(name);
      if (!(values[column] >= value)) values[column] = value;
      finite.push(value);
      if (!top || value > top.value) top = { name, value };
    }
    if (top && (!this.best || top.value > this.best.value)) {
      this.best = { parameter: top.name, step: record.step, value: top.value, medianAtStep: median(finite) };
    }
  }

  private cellsOf(name: string): number[] {
    let values = this.cells.get(name);
    if (!values) {
      values = new Array<number>(this.columns.length).fill(Number.NaN);
      this.cells.set(name, values);
      this.rows.push({ ...parameterRow(name), seen: this.rows.length });
      this.rows.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.seen - b.seen);
    }
    return values;
  }

  // Halves the columns: each pair becomes one covering both, holding the larger norm of the two.
  private compact(): void {
    const merged: GridColumn[] = [];
    for (let i = 0; i < this.columns.length; i += 2) {
      const next = this.columns[i + 1];
      merged.push({ firstStep: this.columns[i].firstStep, lastStep: next ? next.lastStep : this.columns[i].lastStep });
    }
    for (const [name, values] of this.cells) {
      const pooled: number[] = [];
      for (let i = 0; i < values.length; i += 2) pooled.push(maxOf(values[i], values[i + 1] ?? Number.NaN));
      this.cells.set(name, pooled);
    }
    this.columns.splice(0, this.columns.length, ...merged);
    this.stepsPerColumn *= 2;
  }
}

function maxOf(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}

/** A norm with three significant digits (1.18, 0.0727, 3.41e-5). */
export function formatNorm(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

/**
 * The grid in words: how many parameters and steps, the largest norm (which parameter, at which step, against the
 * median parameter at that step) and the largest at the newest step.
 */
export function gradNormSummary(grid: GradNormGrid, runLabel: string): string {
  const largest = grid.largest;
  if (!largest || grid.stepCount === 0) return `Gradient norms by layer, ${runLabel}: no steps yet.`;
  const ratio = largest.medianAtStep > 0 ? ` — ${formatRatio(largest.value / largest.medianAtStep)} the median parameter norm at that step (${formatNorm(largest.medianAtStep)})` : '';
  const head = `Gradient norms by layer, ${runLabel}: ${grid.parameters.length} parameters over ${grid.stepCount} step${grid.stepCount === 1 ? '' : 's'}.`;
  const text = `${head} Largest pre-clip norm: ${largest.parameter}, ${formatNorm(largest.value)} at step ${largest.step}${ratio}.`;
  const latest = grid.latest;
  if (!latest || latest.step === largest.step) return text;
  let top: [string, number] | null = null;
  for (const entry of Object.entries(latest.norms)) if (Number.isFinite(entry[1]) && (!top || entry[1] > top[1])) top = entry;
  return top ? `${text} At step ${latest.step} the largest is ${top[0]}, ${formatNorm(top[1])}.` : text;
}

function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio) : Number(ratio.toPrecision(2))}×`;
}

/** Whether a step's gradients were clipped: clipping scales them, so the post-clip norm is below the pre-clip norm. */
export function wasClipped(step: Pick<StepMetrics, 'grad_norm' | 'grad_norm_clipped'>): boolean {
  return step.grad_norm_clipped < step.grad_norm;
}

/** "clipped at 12 of 30 steps (40%)", or null when no step was clipped. */
export function clipCountText(clipped: number, steps: number): string | null {
  if (clipped === 0 || steps === 0) return null;
  return `clipped at ${clipped} of ${steps} step${steps === 1 ? '' : 's'} (${formatShare(clipped / steps)})`;
}

/** Norms column-wise, parameter names once: `norms[i][j]` is `parameters[j]` at `steps[i]` (null: not recorded). */
export interface GradNormColumns {
  parameters: string[];
  steps: number[];
  norms: (number | null)[][];
}

/** Records as columns (the names of every record, in first-seen order); a non-finite norm becomes null, as in JSON. */
export function toGradNormColumns(records: readonly ParameterNorms[]): GradNormColumns {
  const index = new Map<string, number>();
  for (const record of records) for (const name of Object.keys(record.norms)) if (!index.has(name)) index.set(name, index.size);
  const parameters = [...index.keys()];
  const norms = records.map((record) => {
    const row = new Array<number | null>(parameters.length).fill(null);
    for (const [name, value] of Object.entries(record.norms)) row[index.get(name) as number] = Number.isFinite(value) ? value : null;
    return row;
  });
  return { parameters, steps: records.map((record) => record.step), norms };
}

/** Columns back as records (nulls left out). */
export function fromGradNormColumns(columns: GradNormColumns): ParameterNorms[] {
  return columns.steps.map((step, i) => {
    const norms: Record<string, number> = {};
    columns.parameters.forEach((name, j) => {
      const value = columns.norms[i]?.[j];
      if (typeof value === 'number') norms[name] = value;
    });
    return { step, norms };
  });
}

/**
 * At most `maxSteps` records: consecutive records pooled into one holding each parameter's largest norm, at the last
 * step of the pool (a spike survives; which step of the pool it came from does not). Fewer records pass unchanged.
 */
export function poolGradNorms(records: readonly ParameterNorms[], maxSteps: number): ParameterNorms[] {
  if (records.length <= maxSteps) return records.slice();
  const size = Math.ceil(records.length / maxSteps);
  const pooled: ParameterNorms[] = [];
  for (let start = 0; start < records.length; start += size) {
    const norms: Record<string, number> = {};
    const end = Math.min(records.length, start + size);
    for (let i = start; i < end; i++) {
      for (const [name, value] of Object.entries(records[i].norms)) if (!(norms[name] >= value)) norms[name] = value;
    }
    pooled.push({ step: records[end - 1].step, norms });
  }
  return pooled;
}

/** The grid's smallest and largest positive norms, as log10 (the colour scale's ends); null when it has none. */
export function logNormRange(grid: GradNormGrid): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const row of grid.parameters) {
    for (const value of grid.row(row.name)) {
      if (!(value > 0)) continue;
      const log = Math.log10(value);
      if (log < min) min = log;
      if (log > max) max = log;
    }
  }
  return min <= max ? { min, max: max > min ? max : min + 1 } : null;
}

// Viridis at five stops: dark for small norms, yellow for large, readable in light and dark themes and by most colour-blind readers.
const HEAT_STOPS: readonly (readonly [number, number, number])[] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** The colour of position `t` in [0, 1] of the scale, as #rrggbb. */
export function heatColor(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [HEAT_STOPS[i], HEAT_STOPS[i + 1]];
  return `#${a.map((c, k) => Math.round(c + (b[k] - c) * f).toString(16).padStart(2, '0')).join('')}`;
}

/** Where a norm falls on the colour scale of `range` (log10 ends), in [0, 1]. */
export function heatPosition(value: number, range: { min: number; max: number }): number {
  return (Math.log10(value) - range.min) / (range.max - range.min);
}
