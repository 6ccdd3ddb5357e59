import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { LabConfig } from '../../config/types';
import { MAX_PARAMETERS, estimateParameters, formatCount, knownVocabSize } from '../../config/sizeEstimate';
import type { EvalMetrics, StepMetrics } from '../../engine/train/metrics';
import { RUN_STATUSES } from '../../protocol/runInfo';
import type { StoredRunInfo } from './writer';
import { UserError } from '../configFile';

/** A run folder file that cannot be used as it is: names the file (and line) and what is wrong. */
export class RunFolderError extends UserError {
  /** `code`: the system's error code when the file could not be opened (ENOENT, EISDIR, …), else null. */
  constructor(readonly file: string, readonly line: number | null, readonly reason: string, readonly code: string | null = null) {
    super(`${file}${line === null ? '' : `:${line}`}: ${reason}`);
  }
}

// Generous bounds: a real value never comes near them; a tampered file cannot make a reader render megabytes.
const text = (maxLength = 4096) => ({ type: 'string', maxLength });
const nullable = (schema: object) => ({ anyOf: [{ type: 'null' }, schema] });
const count = { type: 'integer', minimum: 0, maximum: 2 ** 53 - 1 };
const finite = { type: 'number' };

const runInfoSchema = {
  type: 'object',
  required: ['id', 'name', 'config_file', 'status', 'backend', 'versions', 'started_at', 'steps_completed', 'total_steps', 'parameters', 'vocab_size'],
  properties: {
    id: text(200), name: text(200), config_file: text(), status: { enum: RUN_STATUSES },
    backend: {
      type: 'object', required: ['name', 'description', 'reason'],
      properties: {
        name: text(64), description: text(), reason: text(),
        adapter: nullable({
          type: 'object', required: ['vendor', 'architecture', 'device', 'description', 'isFallbackAdapter'],
          properties: { vendor: text(), architecture: text(), device: text(), description: text(), isFallbackAdapter: { type: 'boolean' } },
        }),
      },
    },
    versions: { type: 'object', required: ['losslab', 'node'], properties: { losslab: text(64), node: text(64) } },
    started_at: text(64), finished_at: nullable(text(64)),
    steps_completed: count, total_steps: count, parameters: count, vocab_size: count,
    final_loss: nullable(finite), final_val_loss: nullable(finite), tokens_per_sec: nullable(finite), message: nullable(text()),
    gpu_failure: nullable({
      type: 'object', required: ['kind', 'step', 'checkpoint_step'],
      properties: { kind: { enum: ['device-lost', 'out-of-memory'] }, step: count, checkpoint_step: count },
    }),
    // Optional: runs written before tokenizers were described have none.
    tokenizer: {
      type: 'object', required: ['kind', 'bytes_per_token', 'unknown_tokens', 'sha256'],
      properties: { kind: text(16), bytes_per_token: finite, unknown_tokens: count, sha256: nullable({ type: 'string', pattern: '^[0-9a-f]{64}$' }) },
    },
    // Optional: set on the runs a sweep trains (its id, the trial's index and swept values).
    sweep: {
      type: 'object', required: ['id', 'trial', 'values'],
      // patternProperties: removeAdditional 'all' empties a map declared with additionalProperties.
      properties: { id: text(200), trial: count, values: { type: 'object', maxProperties: 1000, patternProperties: { '': { type: ['number', 'string', 'boolean'] } } } },
    },
    resumes: {
      type: 'array', maxItems: 10_000,
      items: { type: 'object', required: ['at', 'from_step', 'backend'], properties: { at: text(64), from_step: count, backend: text(64) } },
    },
  },
};

const stepSchema = {
  type: 'object',
  required: ['step', 'loss', 'lr', 'grad_norm', 'grad_norm_clipped', 'tokens', 'tokens_per_sec', 'time_ms'],
  properties: {
    step: { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1 }, loss: finite, lr: finite, grad_norm: finite, grad_norm_clipped: finite,
    tokens: count, tokens_per_sec: finite, time_ms: finite,
    // Optional: runs written before it was recorded have none.
    pad_fraction: { type: 'number', minimum: 0, maximum: 1 },
  },
};

const evalSchema = {
  type: 'object', required: ['step', 'val_loss'],
  properties: { step: { type: 'integer', minimum: 0, maximum: 2 ** 53 - 1 }, val_loss: finite },
};

const normsSchema = {
  type: 'object', required: ['step', 'norms'],
  // patternProperties: removeAdditional 'all' empties a map declared with additionalProperties (every norm was dropped).
  properties: { step: { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1 }, norms: { type: 'object', maxProperties: 100_000, patternProperties: { '': finite } } },
};

let compiled: { info: ValidateFunction; step: ValidateFunction; eval: ValidateFunction; norms: ValidateFunction } | null = null;

// Unknown keys are dropped, not refused: a newer Loss Lab may add fields, and a reader uses only what it declares.
function validators(): NonNullable<typeof compiled> {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, removeAdditional: 'all' });
    compiled = { info: ajv.compile(runInfoSchema), step: ajv.compile(stepSchema), eval: ajv.compile(evalSchema), norms: ajv.compile(normsSchema) };
  }
  return compiled;
}

/** "field backend.name must be string (it is 3)". */
function describe(error: ErrorObject | undefined, value: unknown): string {
  if (!error) return 'is not valid';
  const path = error.instancePath.split('/').slice(1);
  let at: unknown = value;
  for (const key of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  const field = [...path, ...(error.keyword === 'required' ? [String(error.params.missingProperty)] : [])].join('.');
  if (error.keyword === 'required') return `field ${field} is missing`;
  const shown = JSON.stringify(at)?.slice(0, 60) ?? 'undefined';
  return `${field ? `field ${field}` : 'the record'} ${error.message ?? 'is not valid'} (it is ${shown})`;
}

/** run.json's content, checked field by field; a foreign or tampered file is a RunFolderError naming the field. */
export function checkRunInfo(value: unknown, file: string): StoredRunInfo {
  const validate = validators().info;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RunFolderError(file, null, 'is not a Loss Lab run.json (expected an object with id, status, backend, …)');
  if (!validate(value)) throw new RunFolderError(file, null, `is not a valid run.json: ${describe(validate.errors?.[0], value)}`);
  // Older run.json files may lack these; absent means "none yet".
  return { finished_at: null, final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null, ...value } as unknown as StoredRunInfo;
}

/** One metrics.jsonl record: a step's metrics, or an evaluation's. */
export type MetricsRecord = { kind: 'step'; record: StepMetrics } | { kind: 'eval'; record: EvalMetrics };

/** A parsed metrics.jsonl line, checked; `where` is `file:line` for the error. */
export function checkMetricsRecord(value: unknown, file: string, line: number): MetricsRecord {
  const { step, eval: evaluation } = validators();
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'val_loss' in value) {
    if (evaluation(value)) return { kind: 'eval', record: value as unknown as EvalMetrics };
    throw new RunFolderError(file, line, `not a valid evaluation record: ${describe(evaluation.errors?.[0], value)}`);
  }
  if (step(value)) return { kind: 'step', record: value as unknown as StepMetrics };
  throw new RunFolderError(file, line, `not a valid step record: ${describe(step.errors?.[0], value)}`);
}

/** One grad_norms.jsonl record: the pre-clip norm of every parameter at a step. */
export interface GradNormsRecord {
  step: number;
  norms: Record<string, number>;
}

export function checkGradNormsRecord(value: unknown, file: string, line: number): GradNormsRecord {
  const { norms } = validators();
  if (norms(value)) return value as unknown as GradNormsRecord;
  throw new RunFolderError(file, line, `not a valid gradient-norms record: ${describe(norms.errors?.[0], value)}`);
}

const layers = { type: 'integer', minimum: 0, maximum: 48 };
/** The resolved config's name and model: what building, exporting and naming a run's model uses. Other keys are kept. */
const resolvedConfigSchema = {
  type: 'object', required: ['name', 'model', 'data', 'loss', 'optimizer', 'schedule', 'training'],
  properties: {
    name: text(200), data: { type: 'object', required: ['vocab'], properties: { vocab: { enum: ['byte', 'char', 'word', 'bpe', 'gpt2'] }, vocab_size: { type: 'integer', minimum: 0, maximum: 65536 } } },
    loss: { type: 'object' }, optimizer: { type: 'object' }, schedule: { type: 'object' }, training: { type: 'object' },
    model: {
      type: 'object', required: ['kind', 'd_model', 'n_layers', 'n_encoder_layers', 'n_decoder_layers', 'n_heads', 'd_ff', 'context', 'bias', 'tie_embeddings'],
      properties: {
        kind: { enum: ['gpt', 'encoder-decoder'] }, d_model: { type: 'integer', minimum: 8, maximum: 2048 }, n_layers: layers,
        n_encoder_layers: layers, n_decoder_layers: layers, n_heads: { type: 'integer', minimum: 1, maximum: 64 },
        d_ff: { type: 'integer', minimum: 8, maximum: 16384 }, context: { type: 'integer', minimum: 2, maximum: 4096 },
        bias: { type: 'boolean' }, tie_embeddings: { type: 'boolean' }, activation: { enum: ['gelu', 'gelu_tanh', 'relu'] },
        dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
      },
    },
  },
};
let resolvedConfig: ValidateFunction | null = null;

/**
 * A run's config.json, checked where a model is built from it: a tampered size or kind is a RunFolderError naming
 * the field, not a crash or a model too large to allocate. Keys it does not check are kept as they are.
 */
export function checkResolvedConfig(value: unknown, file: string): LabConfig {
  resolvedConfig ??= new Ajv({ allErrors: false, strict: true }).compile(resolvedConfigSchema);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RunFolderError(file, null, 'is not a resolved Loss Lab config (expected an object with name, model, data, loss, optimizer, schedule, training)');
  }
  if (!resolvedConfig(value)) throw new RunFolderError(file, null, `is not a valid resolved config: ${describe(resolvedConfig.errors?.[0], value)}`);
  const config = value as LabConfig;
  if (config.model.d_model % config.model.n_heads !== 0) throw new RunFolderError(file, null, `model.d_model ${config.model.d_model} is not divisible by model.n_heads ${config.model.n_heads}`);
  const parameters = estimateParameters(config.model, config.data.vocab, knownVocabSize(config.data.vocab, config.data.vocab_size));
  if (parameters > MAX_PARAMETERS) throw new RunFolderError(file, null, `its model would hold ${formatCount(parameters)} parameters; the most Loss Lab builds is ${formatCount(MAX_PARAMETERS)}`);
  return config;
}
