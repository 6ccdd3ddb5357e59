import { resolvePath } from './paths';
import { configSchema, type JsonSchemaNode } from './schema';
import type { LabConfig } from './types';

type Section = Record<string, unknown>;

/**
 * Fills every default (static ones from schema.json, then the ones that depend on other fields) and resolves data
 * paths against `configDir`. The input must already be schema-valid or stripped of invalid values; missing required
 * fields get placeholders, which only matters when errors were reported anyway.
 */
export function resolveConfig(value: unknown, configDir: string): LabConfig {
  const filled = fillDefaults(configSchema, value);
  // The sweep block plans other runs; a run's own config (config.json, its checkpoint fingerprint) leaves it out.
  delete filled.sweep;
  const model = section(filled, 'model');
  const data = section(filled, 'data');
  const optimizer = section(filled, 'optimizer');
  const schedule = section(filled, 'schedule');
  const training = section(filled, 'training');

  filled.name ??= '';
  model.kind ??= 'gpt';
  model.d_ff ??= 4 * Number(model.d_model);
  if (model.kind === 'gpt') {
    model.n_encoder_layers = 0;
    model.n_decoder_layers = 0;
  } else {
    model.n_layers = 0;
  }

  data.train = resolvePath(configDir, typeof data.train === 'string' ? data.train : '');
  data.val = typeof data.val === 'string' ? resolvePath(configDir, data.val) : null;
  data.val_fraction ??= data.val === null ? 0.1 : 0;

  optimizer.weight_decay ??= optimizer.name === 'adamw' ? 0.01 : 0;
  schedule.decay_steps ??= training.steps;
  training.grad_clip ??= 0;
  return filled as unknown as LabConfig;
}

// Copies the known keys of `value`, adding schema defaults for missing ones and recursing into sections.
function fillDefaults(node: JsonSchemaNode, value: unknown): Section {
  const source: Section = isRecord(value) ? value : {};
  const result: Section = {};
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (key === '$schema') continue;
    if (Object.prototype.hasOwnProperty.call(source, key)) result[key] = child.properties ? fillDefaults(child, source[key]) : copyJson(source[key]);
    else if (child.default !== undefined) result[key] = copyJson(child.default);
    else if (child.properties) result[key] = fillDefaults(child, {});
  }
  return result;
}

function section(config: Section, key: string): Section {
  const value = config[key];
  if (isRecord(value)) return value;
  const created: Section = {};
  config[key] = created;
  return created;
}

function isRecord(value: unknown): value is Section {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Config leaves are scalars or lists of numbers, so copying lists is enough to keep defaults unshared.
function copyJson(value: unknown): unknown {
  return Array.isArray(value) ? value.map(copyJson) : value;
}
