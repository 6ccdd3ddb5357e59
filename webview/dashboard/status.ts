import { formatValue } from '../charts/format';
import { formatShare } from '../../src/engine/train/metrics';
import type { StepColumns } from '../../src/protocol/metricColumns';
import type { DashboardRun } from './model';
import { vocabularyText, type AdapterSummary, type RunInfo } from '../../src/protocol/runInfo';

/** The header's status line for the newest run: what it is doing and how far it got. */
export function runStatusText(configFile: string | null, info: RunInfo | null, lastStep: number): string {
  if (!configFile) return 'No config selected: open a *.lab.yaml, *.lab.yml or *.lab.json file, or run “Loss Lab: Open Dashboard” on one.';
  if (!info) return 'No runs yet: press Train to start one.';
  const step = Math.max(info.steps_completed, lastStep);
  const progress = `step ${step} of ${info.total_steps}`;
  const why = info.message ? `: ${info.message}` : '';
  switch (info.status) {
    case 'running':
      return `Training run ${info.id}: ${progress}.`;
    case 'paused':
      return `Run ${info.id} paused at ${progress}${why}.`;
    case 'stopped':
      return `Run ${info.id} stopped at ${progress}.`;
    case 'failed':
      return `Run ${info.id} failed at ${progress}${why}.`;
    case 'interrupted':
      return `Run ${info.id} was interrupted at ${progress}${why}.`;
    case 'finished': {
      const loss = info.final_loss === null ? '' : `, final loss ${formatValue(info.final_loss)}`;
      const val = info.final_val_loss === null ? '' : ` (validation ${formatValue(info.final_val_loss)})`;
      return `Run ${info.id} finished: ${info.total_steps} steps${loss}${val}.`;
    }
  }
}

/** Which backend trained (or trains) the newest run and why it was chosen; `hostNote` is used before any run. */
export function backendText(info: RunInfo | null, hostNote: string | null): string {
  if (info) {
    const adapter = info.backend.adapter ? ` · ${adapterText(info.backend.adapter)}` : '';
    // Runs recorded before tokenizers were described say nothing here rather than a bare size.
    const vocabulary = info.tokenizer ? ` · Vocabulary: ${vocabularyText(info)}` : '';
    return `Backend: ${info.backend.description} — ${info.backend.reason}${adapter}${vocabulary}`;
  }
  if (hostNote) return `Backend: ${hostNote}`;
  return 'Backend: chosen when training starts (losslab.defaultBackend, or the config’s backend key).';
}

/** "Adapter: nvidia hopper (NVIDIA H200)", or "Adapter: mesa software (llvmpipe …), a software fallback". */
export function adapterText(adapter: AdapterSummary): string {
  const name = [adapter.vendor, adapter.architecture].filter((part) => part).join(' ') || 'unknown';
  const detail = adapter.description || adapter.device;
  return `Adapter: ${name}${detail ? ` (${detail})` : ''}${adapter.isFallbackAdapter ? ', a software fallback' : ''}`;
}

/** A run's start time for the run list, from its id (20261129-031502-3fa2 → 2026-11-29 03:15:02). */
export function runTimeLabel(runId: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(runId);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}` : runId;
}

/** Running sums over a run's steps, extended from where the last read stopped (the model only appends to a run's steps). */
interface StepTotals {
  counted: number;
  tokens: number;
  seconds: number;
  padSum: number;
  padSteps: number;
}

// Keyed by the step column's buffer, which a run keeps until it outgrows it (then its totals are counted again).
const totalsByRun = new WeakMap<ArrayBufferLike, StepTotals>();

// Read on every redraw of a live run: a pass over 100 000 steps per run each frame would cost more than the chart.
function stepTotals(steps: StepColumns): StepTotals {
  const { tokens, tokens_per_sec: tokensPerSec, pad_fraction: padFraction } = steps;
  const length = steps.step.length;
  let totals = totalsByRun.get(steps.step.buffer);
  if (!totals || totals.counted > length) {
    totals = { counted: 0, tokens: 0, seconds: 0, padSum: 0, padSteps: 0 };
    totalsByRun.set(steps.step.buffer, totals);
  }
  for (let i = totals.counted; i < length; i++) {
    // An absent pad_fraction (older runs) travels as NaN.
    if (!Number.isNaN(padFraction[i])) {
      totals.padSum += padFraction[i];
      totals.padSteps++;
    }
    if (!(tokensPerSec[i] > 0) || !Number.isFinite(tokens[i])) continue;
    totals.tokens += tokens[i];
    totals.seconds += tokens[i] / tokensPerSec[i];
  }
  totals.counted = length;
  return totals;
}

/** Mean tokens per second over a run's steps (tokens over training time, as run.json's tokens_per_sec); null without steps. */
export function meanThroughput(steps: StepColumns): number | null {
  const totals = stepTotals(steps);
  return totals.seconds > 0 ? totals.tokens / totals.seconds : null;
}

/** Mean pad_fraction over a run's steps; null when none records one (runs from before it was recorded). */
export function meanPadding(steps: StepColumns): number | null {
  const totals = stepTotals(steps);
  return totals.padSteps > 0 ? totals.padSum / totals.padSteps : null;
}

/** What the run table says about a run: the newest of run.json and the metrics received since it was saved. */
export interface RunRowText {
  status: string;
  steps: string;
  loss: string;
  valLoss: string;
  throughput: string;
  padding: string;
}

export function runRowText(run: DashboardRun): RunRowText {
  const { info, steps } = run;
  const loss = run.latestStep('loss') ?? info.final_loss;
  const val = run.latestValLoss ?? info.final_val_loss;
  const throughput = meanThroughput(steps) ?? info.tokens_per_sec;
  const padding = meanPadding(steps);
  return {
    status: info.status,
    steps: `${Math.max(info.steps_completed, run.lastStep)} / ${info.total_steps}`,
    loss: loss === null ? '—' : formatValue(loss),
    valLoss: val === null ? '—' : formatValue(val),
    throughput: throughput === null ? '—' : formatValue(throughput),
    padding: padding === null ? '—' : formatShare(padding),
  };
}
