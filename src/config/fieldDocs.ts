import { describeExpected } from './describe';
import { allowedKeys, findSchemaNode, schemaTypes, type JsonSchemaNode } from './schema';

/** What to put in a field's documentation. */
export interface FieldDocOptions {
  /** Include the schema's description (leave it out where the editor already shows it, as VS Code does for JSON). */
  description?: boolean;
}

const DECAY_FORMULAS: Record<string, string> = {
  constant: 'lr',
  linear: 'lr − (lr − min_lr) · p',
  cosine: 'min_lr + ½ (lr − min_lr) (1 + cos(π p))',
  inverse_sqrt: 'lr · √(max(warmup_steps, 1) / s)',
  exponential: 'lr · gamma^(s − warmup_steps)',
  step: 'lr · gamma^⌊(s − warmup_steps) / step_size⌋',
};

const PROGRESS = 'p = min(1, (s − warmup_steps) / max(1, decay_steps − warmup_steps))';

// One line per schedule key: how it enters learningRate() in src/engine/optim/schedule.ts (s = the 1-based step).
const SCHEDULE_FORMULAS: Record<string, string> = {
  warmup_steps: 'for steps s ≤ warmup_steps, `lr(s) = lr · s / warmup_steps`: a straight ramp up from 0.',
  decay: `after warm-up, \`lr(s) = max(min_lr, f)\` with f as listed for each value and progress \`${PROGRESS}\`.`,
  min_lr: 'after warm-up, `lr(s) = max(min_lr, decayed rate)`: no decay goes below it.',
  decay_steps: `linear and cosine decay reach min_lr at step decay_steps: progress \`${PROGRESS}\`.`,
  gamma: 'exponential: `lr · gamma^(s − warmup_steps)`; step: `lr · gamma^⌊(s − warmup_steps) / step_size⌋`.',
  step_size: 'step decay: `lr(s) = lr · gamma^⌊(s − warmup_steps) / step_size⌋`, one drop by gamma every step_size steps.',
};

/** Markdown documentation of the config field at `path` (header, description, allowed values, formula), or undefined off-schema. */
export function fieldDocumentation(path: readonly string[], options: FieldDocOptions = {}): string | undefined {
  const node = findSchemaNode(path);
  if (!node || path.length === 0) return undefined;
  const parts = [fieldHeader(path, node)];
  if (options.description !== false) parts.push(node.markdownDescription ?? node.description ?? '');
  if (node.properties) parts.push(`Keys: ${sectionKeys(path, node)}.`);
  else if (node.enum) parts.push(`Allowed values:\n${node.enum.map((value, i) => `- ${enumLine(path, node, value, i)}`).join('\n')}`);
  else parts.push(`Allowed: ${describeExpected(node)}.`);
  const formula = scheduleFormula(path);
  if (formula) parts.push(`Formula: ${formula}`);
  return parts.filter((part) => part !== '').join('\n\n');
}

/** Markdown for one allowed value of an enum field (its description and, for schedule.decay, its formula). */
export function enumValueDocumentation(path: readonly string[], value: unknown): string | undefined {
  const node = findSchemaNode(path);
  const index = node?.enum?.indexOf(value) ?? -1;
  if (!node || index < 0) return undefined;
  return `\`${path.join('.')}\`: ${enumLine(path, node, value, index)}`;
}

/** One line of what the schedule key at `path` does to the learning rate, or undefined for other keys. */
export function scheduleFormula(path: readonly string[]): string | undefined {
  if (path.length !== 2 || path[0] !== 'schedule') return undefined;
  return SCHEDULE_FORMULAS[path[1]];
}

/** A plain one-line summary such as `integer · default 64` or `string · required`. */
export function fieldSummary(path: readonly string[], node: JsonSchemaNode): string {
  const parts = [typeLabel(node)];
  const fallback = defaultText(node);
  if (fallback !== undefined) parts.push(`default ${fallback}`);
  if (isRequired(path)) parts.push('required');
  return parts.join(' · ');
}

/** The type in a word or two: "integer", "number or null", "list of numbers", "section". */
export function typeLabel(node: JsonSchemaNode): string {
  if (node.properties) return 'section';
  const types = schemaTypes(node);
  if (types.includes('array')) return `list of ${node.items ? typeLabel(node.items) : 'value'}s`;
  return types.join(' or ') || 'value';
}

/** The schema default as it would be written in a config (`0.001`, `[0.9, 0.999]`, `cosine`), if there is one. */
export function defaultText(node: JsonSchemaNode): string | undefined {
  if (node.default === undefined) return undefined;
  return Array.isArray(node.default) ? `[${node.default.map(String).join(', ')}]` : String(node.default);
}

/** True when the parent mapping's schema lists the key as required. */
export function isRequired(path: readonly string[]): boolean {
  const parent = findSchemaNode(path.slice(0, -1));
  return parent?.required?.includes(path[path.length - 1]) ?? false;
}

function fieldHeader(path: readonly string[], node: JsonSchemaNode): string {
  const [type, ...rest] = fieldSummary(path, node).split(' · ');
  const fallback = defaultText(node);
  const details = rest.map((part) => (fallback !== undefined && part === `default ${fallback}` ? `default \`${fallback}\`` : part));
  return [`**\`${path.join('.')}\`**`, type, ...details].join(' · ');
}

function sectionKeys(path: readonly string[], node: JsonSchemaNode): string {
  return allowedKeys(path)
    .map((key) => (node.required?.includes(key) ? `\`${key}\` (required)` : `\`${key}\``))
    .join(', ');
}

function enumLine(path: readonly string[], node: JsonSchemaNode, value: unknown, index: number): string {
  const description = node.enumDescriptions?.[index];
  const formula = path.join('.') === 'schedule.decay' ? DECAY_FORMULAS[String(value)] : undefined;
  const isDefault = node.default === value ? ' (default)' : '';
  return [`\`${String(value)}\`${isDefault}`, description, formula ? `f = \`${formula}\`` : undefined].filter(Boolean).join(' — ');
}
