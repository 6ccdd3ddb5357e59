import type { WorkerToHost } from '../../protocol/worker';

type Check = (m: Record<string, unknown>) => boolean;

const isString = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringOrNull = (value: unknown) => value === null || isString(value);
const isRunInfo = (value: unknown) => isObject(value) && isString(value.id) && isString(value.status) && isObject(value.backend);
const isStep = (value: unknown) => isObject(value) && typeof value.step === 'number' && typeof value.loss === 'number';
const isEval = (value: unknown) => isObject(value) && typeof value.step === 'number' && typeof value.val_loss === 'number';

// The worker is our own code: these checks guard the types the host relies on, not against hostile input.
const CHECKS: Record<WorkerToHost['type'], Check> = {
  DidStartRun: (m) => isString(m.requestId) && isString(m.runId) && isString(m.folder) && isRunInfo(m.info),
  DidStep: (m) => isString(m.runId) && Array.isArray(m.metrics) && m.metrics.every(isStep),
  DidEval: (m) => isString(m.runId) && isEval(m.metrics),
  DidPause: (m) => isString(m.runId) && isString(m.message) && (m.nonFinite === null || isObject(m.nonFinite)) && (m.gpuFailure === null || isObject(m.gpuFailure)),
  DidFinish: (m) => isString(m.runId) && isRunInfo(m.info),
  DidFail: (m) => isStringOrNull(m.requestId) && isStringOrNull(m.runId) && isString(m.message),
  DidNotice: (m) => isString(m.requestId) && isString(m.message),
  DidProbeWebGpu: (m) => isString(m.requestId) && typeof m.passed === 'boolean' && (m.adapter === null || isObject(m.adapter)) && isString(m.reason),
};

/** Checks a message from the training worker; returns it typed, or why it was rejected. */
export function validateWorkerMessage(raw: unknown): WorkerToHost | string {
  if (!isObject(raw)) return 'not an object';
  const type = raw.type;
  if (!isString(type) || !Object.prototype.hasOwnProperty.call(CHECKS, type)) return `unknown message type ${JSON.stringify(type)?.slice(0, 40) ?? String(type)}`;
  return CHECKS[type as WorkerToHost['type']](raw) ? (raw as unknown as WorkerToHost) : `${type}: malformed`;
}
