import Ajv, { type ValidateFunction } from 'ajv';
import { describeExpected, valueMessage } from './describe';
import { allowedKeys, configSchema, findSchemaNode, schemaSections } from './schema';
import { pathKey, type Problem } from './sourceMap';
import { closestMatch } from './suggest';

/** Schema problems plus the key paths whose values are unusable (for the cross-field checks to skip). */
export interface SchemaCheck {
  problems: Problem[];
  invalidPaths: Set<string>;
}

const DETAILED_ERRORS = 500;

let compiled: ValidateFunction | undefined;

// Compiled once, on first use: compiling costs milliseconds, validating microseconds.
function validator(): ValidateFunction {
  if (!compiled) {
    // strict mode also makes `number`/`integer` reject NaN and Infinity.
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(['markdownDescription', 'patternErrorMessage', 'enumDescriptions']);
    compiled = ajv.compile(configSchema);
  }
  return compiled;
}

/** Validates a parsed value against schema.json and turns every Ajv error into a readable, placeable problem. */
export function checkAgainstSchema(value: unknown): SchemaCheck {
  const validate = validator();
  const problems: Problem[] = [];
  const invalidPaths = new Set<string>();
  if (validate(value)) return { problems, invalidPaths };

  const valuePaths = new Map<string, string[]>();
  for (const [index, error] of (validate.errors ?? []).entries()) {
    const at = pointerToPath(error.instancePath);
    if (error.keyword === 'additionalProperties') {
      const key = String((error.params as { additionalProperty: unknown }).additionalProperty);
      // Spelling suggestions cost a little each; past the first few hundred problems nobody reads them.
      const message = index < DETAILED_ERRORS ? unknownKeyMessage(at, key) : 'unknown key.';
      problems.push({ path: [...at, key], severity: 'error', at: 'key', message });
      invalidPaths.add(pathKey([...at, key]));
    } else if (error.keyword === 'required') {
      const key = String((error.params as { missingProperty: unknown }).missingProperty);
      problems.push({ path: [...at, key], severity: 'error', message: missingKeyMessage(at, key) });
      invalidPaths.add(pathKey([...at, key]));
    } else {
      valuePaths.set(pathKey(at), at);
    }
  }
  for (const path of valuePaths.values()) problems.push(valueProblem(value, path));
  for (const path of valuePaths.values()) invalidPaths.add(pathKey(isIndex(path[path.length - 1]) ? path.slice(0, -1) : path));
  return { problems, invalidPaths };
}

/** `unknown key; did you mean "d_model"? Allowed keys in model: …` with a hint when the key belongs to another section. */
export function unknownKeyMessage(parent: readonly string[], key: string): string {
  const allowed = allowedKeys(parent);
  const near = closestMatch(key, allowed);
  const parts = ['unknown key'];
  const homes = sectionsWithKey(key, parent);
  if (homes.length > 0) {
    parts.push(`"${key}" belongs ${homes.join(' or ')}.`);
  } else if (near) {
    parts.push(`did you mean "${near}"?`);
  } else {
    const elsewhere = closestKeyElsewhere(key, parent);
    if (elsewhere) parts.push(`did you mean ${elsewhere}?`);
  }
  const first = parts.length === 1 ? 'unknown key.' : `${parts[0]}; ${parts.slice(1).join(' ')}`;
  const where = parent.length === 0 ? 'at the top level' : `in ${parent.join('.')}`;
  return `${first} Allowed keys ${where}: ${allowed.join(', ')}.`;
}

function missingKeyMessage(parent: readonly string[], key: string): string {
  const node = findSchemaNode([...parent, key]);
  const what = node ? ` (${describeExpected(node)})` : '';
  return `required key is missing: add "${key}"${what} to ${sectionLabel(parent)}.`;
}

function valueProblem(root: unknown, path: string[]): Problem {
  const node = findSchemaNode(path);
  const value = valueAt(root, path);
  const message = node ? valueMessage(node, value) : 'is not allowed here.';
  return { path, severity: 'error', message };
}

function sectionLabel(path: readonly string[]): string {
  return path.length === 0 ? 'the top level' : path.join('.');
}

// Sections (other than `parent`) whose schema has a key spelled exactly `key`.
function sectionsWithKey(key: string, parent: readonly string[]): string[] {
  return schemaSections()
    .filter((section) => pathKey(section) !== pathKey(parent) && allowedKeys(section).includes(key))
    .map((section) => (section.length === 0 ? 'at the top level' : `in ${section.join('.')}`));
}

// A typo of a key from another section, e.g. `warmup` under training → schedule.warmup_steps.
function closestKeyElsewhere(key: string, parent: readonly string[]): string | undefined {
  const candidates = schemaSections()
    .filter((section) => pathKey(section) !== pathKey(parent))
    .flatMap((section) => allowedKeys(section).map((name) => [...section, name].join('.')));
  const byLeaf = new Map(candidates.map((full) => [full.slice(full.lastIndexOf('.') + 1), full]));
  const leaf = closestMatch(key, [...byLeaf.keys()]);
  return leaf ? byLeaf.get(leaf) : undefined;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isIndex(segment: string | undefined): boolean {
  return segment !== undefined && /^\d+$/.test(segment);
}

/** The value at a key path, or undefined when the path does not exist. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
