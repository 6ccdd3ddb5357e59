import { findSchemaNode, schemaTypes } from './schema';
import { setOwn } from './sourceMap';

const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

/** One applied override, remembered so that problems it causes can say where the value came from. */
export interface AppliedOverride {
  path: string[];
  /** `training.steps=5`, as a CLI user would write it. */
  label: string;
}

/**
 * Returns a copy of `value` with every dotted-path override set (creating missing sections). Strings from a command
 * line are converted when the schema wants a number, boolean or null there, so `{"training.steps": "5"}` works.
 */
export function setOverrides(value: unknown, overrides: Record<string, unknown>): { value: unknown; applied: AppliedOverride[]; rejected: AppliedOverride[] } {
  const root = copyTree(value);
  const applied: AppliedOverride[] = [];
  const rejected: AppliedOverride[] = [];
  for (const [dotted, raw] of Object.entries(overrides)) {
    const path = dotted.split('.');
    const converted = convertForSchema(path, raw);
    const override = { path, label: `${dotted}=${labelOf(converted)}` };
    if (isRecord(root) && setAtPath(root, path, converted)) applied.push(override);
    else rejected.push(override);
  }
  return { value: root, applied, rejected };
}

function setAtPath(root: Record<string, unknown>, path: string[], value: unknown): boolean {
  let current = root;
  for (const segment of path.slice(0, -1)) {
    if (!Object.prototype.hasOwnProperty.call(current, segment)) setOwn(current, segment, {});
    const next = current[segment];
    if (!isRecord(next)) return false;
    current = next;
  }
  setOwn(current, path[path.length - 1], value);
  return true;
}

function convertForSchema(path: string[], raw: unknown): unknown {
  const node = findSchemaNode(path);
  if (!node || typeof raw !== 'string') return raw;
  const types = schemaTypes(node);
  const text = raw.trim();
  if ((types.includes('number') || types.includes('integer')) && NUMERIC_TEXT.test(text)) return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  if (types.includes('null') && text === 'null') return null;
  return raw;
}

function labelOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

function copyTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyTree);
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) setOwn(copy, key, copyTree(child));
  return copy;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
