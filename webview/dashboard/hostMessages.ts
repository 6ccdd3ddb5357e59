import { isEvalColumns, isStepColumns, type PackedHostMessage } from '../../src/protocol/metricColumns';

/**
 * Checks a message from the extension host before the dashboard acts on it. The host is trusted, so this checks
 * shape (type, and the fields the dashboard indexes into; metrics as columns of one length with finite steps), which
 * catches a protocol mismatch early and names it.
 */
export function validateHostMessage(raw: unknown): PackedHostMessage | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object';
  const m = raw as Record<string, unknown>;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const runInfo = (v: unknown) => isObject(v) && typeof v.id === 'string' && typeof v.status === 'string' && isObject(v.backend);
  const schedule = (v: unknown) => isObject(v) && Array.isArray(v.lrs) && typeof v.gradClip === 'number';
  switch (m.type) {
    case 'DidSelectConfig':
      return (m.configFile === null || typeof m.configFile === 'string') && Array.isArray(m.runs)
        && m.runs.every((r: unknown) => isObject(r) && runInfo(r.info) && isStepColumns(r.steps) && isEvalColumns(r.evals))
        && (m.schedule === null || schedule(m.schedule))
        ? (m as unknown as PackedHostMessage) : 'DidSelectConfig: malformed';
    case 'DidAppendMetrics':
      return typeof m.runId === 'string' && isStepColumns(m.steps) && isEvalColumns(m.evals) ? (m as unknown as PackedHostMessage) : 'DidAppendMetrics: malformed';
    case 'DidAppendGradNorms':
      return typeof m.runId === 'string' && Array.isArray(m.parameters) && Array.isArray(m.steps) && Array.isArray(m.norms) && m.norms.length === m.steps.length
        ? (m as unknown as PackedHostMessage) : 'DidAppendGradNorms: malformed';
    case 'DidUpdateSweep':
      return m.sweep === null || (isObject(m.sweep) && Array.isArray(m.sweep.trials) && Array.isArray(m.sweep.parameters))
        ? (m as unknown as PackedHostMessage) : 'DidUpdateSweep: malformed';
    case 'DidUpdateRun':
      return runInfo(m.info) ? (m as unknown as PackedHostMessage) : 'DidUpdateRun: malformed';
    case 'DidUpdateSchedule':
      return schedule(m.schedule) ? (m as unknown as PackedHostMessage) : 'DidUpdateSchedule: malformed';
    case 'RelayToTrainer':
      // The trainer validates its own messages in full; the dashboard only passes them on.
      return isObject(m.message) && typeof m.message.type === 'string' ? (m as unknown as PackedHostMessage) : 'RelayToTrainer: malformed';
    default:
      return `unknown message type ${JSON.stringify(m.type)?.slice(0, 40)}`;
  }
}
