import { BACKEND_CHOICES as BACKENDS, type BackendChoice } from '../config/types';
import type { RunSweepTag } from '../protocol/runInfo';
import type { HostToWorker } from '../protocol/worker';
import { isBoundedString, isPlainObject } from '../protocol/guards';

const MAX_ID_CHARS = 128;
const MAX_PATH_CHARS = 4096;
const MAX_OVERRIDES = 256;
const MAX_REASON_CHARS = 1000;

/** Validates a message from the extension host: known type, exact keys, bounded strings; nothing else reaches a run. */
export function validateHostToWorker(raw: unknown): HostToWorker | string {
  if (!isPlainObject(raw)) return 'not an object';
  const m = raw;
  // Optional fields posted as `undefined` survive structured cloning as keys; treat them as absent.
  const keys = Object.keys(m).filter((key) => m[key] !== undefined).sort().join(',');
  switch (m.type) {
    case 'StopRun':
    case 'ResumeRun':
      return keys === 'runId,type' && isBoundedString(m.runId, MAX_ID_CHARS) ? { type: m.type, runId: m.runId } : `${m.type}: needs a run id`;
    case 'StartRun':
      return validateStartRun(m);
    case 'ProbeWebGpu':
      return keys === 'allowFallback,requestId,type' && isBoundedString(m.requestId, MAX_ID_CHARS) && typeof m.allowFallback === 'boolean'
        ? { type: 'ProbeWebGpu', requestId: m.requestId, allowFallback: m.allowFallback } : 'ProbeWebGpu: needs a request id and allowFallback';
    default:
      return `unknown message type ${JSON.stringify(m.type)?.slice(0, 40) ?? String(m.type)}`;
  }
}

function validateStartRun(m: Record<string, unknown>): HostToWorker | string {
  const allowed = new Set(['type', 'requestId', 'configFile', 'overrides', 'backend', 'outDir', 'resumeFrom', 'withoutGpu', 'sweep', 'stopAfterStep']);
  const extra = Object.keys(m).filter((key) => !allowed.has(key));
  if (extra.length > 0) return `StartRun: unexpected keys ${extra.join(',').slice(0, 80)}`;
  if (!isBoundedString(m.requestId, MAX_ID_CHARS)) return 'StartRun: needs a request id';
  if (!isBoundedString(m.configFile, MAX_PATH_CHARS)) return 'StartRun: needs the path of a config file';
  if (!isPlainObject(m.overrides) || Object.keys(m.overrides).length > MAX_OVERRIDES) return 'StartRun: overrides must be an object of config paths';
  if (m.backend !== undefined && !BACKENDS.includes(m.backend as BackendChoice)) return `StartRun: backend must be one of ${BACKENDS.join(', ')}`;
  if (m.outDir !== undefined && !isBoundedString(m.outDir, MAX_PATH_CHARS)) return 'StartRun: outDir must be a folder path';
  if (m.resumeFrom !== undefined && !isBoundedString(m.resumeFrom, MAX_PATH_CHARS)) return 'StartRun: resumeFrom must be a run folder path';
  if (m.withoutGpu !== undefined && !isBoundedString(m.withoutGpu, MAX_REASON_CHARS)) return 'StartRun: withoutGpu must be a reason';
  if (m.sweep !== undefined && !isSweepTag(m.sweep)) return 'StartRun: sweep must be {id, trial, values} with scalar values';
  if (m.stopAfterStep !== undefined && !(Number.isInteger(m.stopAfterStep) && (m.stopAfterStep as number) >= 1)) return 'StartRun: stopAfterStep must be a step number';
  return {
    type: 'StartRun', requestId: m.requestId, configFile: m.configFile, overrides: m.overrides,
    ...(m.backend !== undefined ? { backend: m.backend as BackendChoice } : {}),
    ...(m.outDir !== undefined ? { outDir: m.outDir as string } : {}),
    ...(m.resumeFrom !== undefined ? { resumeFrom: m.resumeFrom as string } : {}),
    ...(m.withoutGpu !== undefined ? { withoutGpu: m.withoutGpu as string } : {}),
    ...(m.sweep !== undefined ? { sweep: m.sweep as RunSweepTag } : {}),
    ...(m.stopAfterStep !== undefined ? { stopAfterStep: m.stopAfterStep as number } : {}),
  };
}

function isSweepTag(value: unknown): value is RunSweepTag {
  if (!isPlainObject(value) || Object.keys(value).sort().join(',') !== 'id,trial,values') return false;
  const values = value.values;
  return isBoundedString(value.id, MAX_ID_CHARS) && Number.isInteger(value.trial) && (value.trial as number) >= 0 && isPlainObject(values)
    && Object.keys(values).length <= MAX_OVERRIDES && Object.values(values).every((v) => ['number', 'string', 'boolean'].includes(typeof v));
}
