import { schemaTypes, type JsonSchemaNode } from './schema';
import { closestMatch } from './suggest';

const YAML_1_1_BOOLEANS = /^(yes|no|on|off|y|n|true|false)$/i;
const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

/** What a schema node accepts, as a phrase: "an integer ≥ 8 and ≤ 2048", "one of adamw, adam, sgd", … */
export function describeExpected(node: JsonSchemaNode): string {
  if (node.enum) return `one of ${node.enum.map(String).join(', ')}`;
  const types = schemaTypes(node);
  const nullable = types.includes('null') ? ', or null' : '';
  if (types.includes('integer')) return `an integer${describeBounds(node)}${nullable}`;
  if (types.includes('number')) return `a number${describeBounds(node)}${nullable}`;
  if (types.includes('boolean')) return 'a boolean (true or false)';
  if (types.includes('string')) return node.minLength ? 'a non-empty string' : 'a string';
  if (types.includes('array')) return describeList(node);
  if (types.includes('object')) return 'a mapping of keys to values';
  return 'a valid value';
}

/** "must be … , got …" for a value that breaks a schema node's type, range, length, pattern or enum. */
export function valueMessage(node: JsonSchemaNode, value: unknown): string {
  if (node.enum && typeof value === 'string') {
    const allowed = node.enum.map(String);
    const close = closestMatch(value, allowed);
    const suggestion = close ? `; did you mean "${close}"?` : '.';
    return `${quote(value)} is not one of ${allowed.join(', ')}${suggestion}`;
  }
  if (node.pattern && typeof value === 'string' && value.length > 0) {
    return `${node.patternErrorMessage ?? `must match ${node.pattern}`}, got ${quote(value)}.`;
  }
  return `must be ${describeExpected(node)}, got ${describeFound(value)}${hintFor(node, value)}.`;
}

/** A short description of a found value that names its type: `a string ("abc")`, `a list of 3 items`, `3.5`, … */
export function describeFound(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (an empty value or null)';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `a string (${quote(value)})`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `${String(value)} (not a finite number)`;
  if (typeof value === 'boolean') return `${value} (a boolean)`;
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** JSON-quotes a string, shortened so that messages stay one line. */
export function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return JSON.stringify(short);
}

function describeBounds(node: JsonSchemaNode): string {
  const parts: string[] = [];
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined) parts.push(`≤ ${node.maximum}`);
  if (node.exclusiveMaximum !== undefined) parts.push(`< ${node.exclusiveMaximum}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

function describeList(node: JsonSchemaNode): string {
  const item = node.items ? describeExpected(node.items) : 'a value';
  const itemNoun = item.startsWith('a number') ? 'numbers' : 'values';
  const each = node.items ? describeBounds(node.items) : '';
  if (node.minItems !== undefined && node.minItems === node.maxItems) {
    return `a list of exactly ${node.minItems} ${itemNoun}${each ? `, each${each}` : ''}`;
  }
  return `a list of ${itemNoun}${each ? `, each${each}` : ''}`;
}

// Two slips that deserve a pointer: numbers in quotes, and YAML 1.1 words for booleans.
function hintFor(node: JsonSchemaNode, value: unknown): string {
  const types = schemaTypes(node);
  if (typeof value !== 'string') return '';
  if ((types.includes('number') || types.includes('integer')) && NUMERIC_TEXT.test(value)) return '; remove the quotes to make it a number';
  if (types.includes('boolean') && YAML_1_1_BOOLEANS.test(value.trim())) return '; write true or false without quotes';
  return '';
}
