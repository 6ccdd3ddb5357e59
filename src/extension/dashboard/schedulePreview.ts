import { parseConfigText } from '../../config';
import type { ConfigDiagnostic, LabConfig } from '../../config/types';
import { scheduleCurve } from '../../engine/optim/schedule';
import type { SchedulePreview } from '../../protocol/dashboard';

/**
 * Longest preview sent to the dashboard. The schema allows 10 million steps; a preview that long would be an 80 MB
 * array in the extension host and far more as a message, so longer schedules show their first steps.
 */
export const MAX_PREVIEW_STEPS = 200_000;

/** A preview and the config it came from (null when the text does not validate). */
export interface SchedulePreviewResult {
  preview: SchedulePreview;
  config: LabConfig | null;
}

/**
 * Turns a config's current text (unsaved edits included) into the learning-rate schedule the dashboard draws
 * dashed. While the text does not validate, the last valid preview is kept and the first error is reported with it.
 */
export class SchedulePreviewer {
  private last: SchedulePreview | null = null;

  update(text: string, fileName: string): SchedulePreviewResult {
    const { config, diagnostics } = parseConfigText(text, fileName);
    if (!config) {
      const error = describeError(diagnostics.find((d) => d.severity === 'error'));
      return { preview: { lrs: this.last?.lrs ?? [], gradClip: this.last?.gradClip ?? 0, error }, config: null };
    }
    const steps = Math.min(config.training.steps, MAX_PREVIEW_STEPS);
    const lrs = Array.from(scheduleCurve(steps, config.optimizer.lr, config.schedule));
    this.last = { lrs, gradClip: config.training.grad_clip, error: null };
    return { preview: this.last, config };
  }

  /** Forgets the last valid preview (the dashboard now follows another config). */
  reset(): void {
    this.last = null;
  }
}

function describeError(diagnostic: ConfigDiagnostic | undefined): string {
  if (!diagnostic) return 'the config does not validate';
  const where = diagnostic.path ? `${diagnostic.path}: ` : '';
  return `line ${diagnostic.line}: ${where}${diagnostic.message}`;
}
