// One run started by a config cell, as its output shows it: the series so far and the summary line, kept up to date
// from the training events. No VS Code API.
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import { ENDED_STATUSES, type RunInfo } from '../../protocol/runInfo';
import { decimateSeries, emptySeries, type OutputRun, type RunSeries, type RunSummary } from './outputData';

export class LiveRun {
  readonly series: RunSeries = emptySeries();
  summary: RunSummary;
  private padSum = 0;
  private padSteps = 0;

  constructor(readonly name: string, readonly runId: string, readonly folder: string, readonly gradClip: number | null, totalSteps: number) {
    this.summary = { status: 'running', steps: 0, totalSteps, finalLoss: null, finalValLoss: null, tokensPerSec: null, padFraction: null, backend: '', message: null };
  }

  get ended(): boolean {
    return ENDED_STATUSES.has(this.summary.status as RunInfo['status']);
  }

  /** Adds new steps and evaluations; returns just the new points (what live renderers are sent). */
  append(steps: readonly StepMetrics[], evals: readonly EvalMetrics[]): RunSeries {
    const added = emptySeries();
    const last = this.series.step.length ? this.series.step[this.series.step.length - 1] : 0;
    for (const s of steps) {
      if (s.step <= last) continue;
      for (const target of [this.series, added]) {
        target.step.push(s.step);
        target.loss.push(s.loss);
        target.lr.push(s.lr);
        target.grad_norm.push(s.grad_norm);
        target.grad_norm_clipped.push(s.grad_norm_clipped);
        target.tokens_per_sec.push(s.tokens_per_sec);
      }
      if (s.pad_fraction !== undefined) {
        this.padSum += s.pad_fraction;
        this.padSteps++;
      }
    }
    for (const e of evals) {
      this.series.evals.push([e.step, e.val_loss]);
      added.evals.push([e.step, e.val_loss]);
    }
    const lastStep = steps[steps.length - 1];
    if (lastStep) this.summary = { ...this.summary, steps: lastStep.step, finalLoss: lastStep.loss, tokensPerSec: lastStep.tokens_per_sec, padFraction: this.padSteps > 0 ? this.padSum / this.padSteps : null };
    const lastEval = evals[evals.length - 1];
    if (lastEval) this.summary = { ...this.summary, finalValLoss: lastEval.val_loss };
    return added;
  }

  /** Takes status, backend and (once ended) the final figures from a RunInfo. */
  update(info: RunInfo): void {
    this.summary = {
      status: info.status,
      steps: info.steps_completed,
      totalSteps: info.total_steps || this.summary.totalSteps,
      finalLoss: info.final_loss ?? this.summary.finalLoss,
      finalValLoss: info.final_val_loss ?? this.summary.finalValLoss,
      tokensPerSec: info.tokens_per_sec ?? this.summary.tokensPerSec,
      padFraction: this.summary.padFraction,
      backend: info.backend?.name ?? this.summary.backend,
      message: info.message,
    };
  }

  /** The run as an output holds it; `decimate` once it has ended, so the notebook model stays small. */
  snapshot(decimate: boolean): OutputRun {
    return { name: this.name, runId: this.runId, folder: this.folder, gradClip: this.gradClip, summary: { ...this.summary }, series: decimate ? decimateSeries(this.series) : cloneSeries(this.series) };
  }
}

function cloneSeries(series: RunSeries): RunSeries {
  return {
    step: [...series.step], loss: [...series.loss], lr: [...series.lr], grad_norm: [...series.grad_norm],
    grad_norm_clipped: [...series.grad_norm_clipped], tokens_per_sec: [...series.tokens_per_sec], evals: [...series.evals],
  };
}
