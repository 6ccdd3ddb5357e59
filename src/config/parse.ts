import { crossCheck } from './crossChecks';
import { toDiagnostic } from './diagnostics';
import { setOverrides, type AppliedOverride } from './overrides';
import { parseJsonConfig } from './parseJson';
import { parseYamlConfig } from './parseYaml';
import { dirnamePath } from './paths';
import { resolveConfig } from './resolve';
import { checkSweepBlock } from './sweep';
import { LineIndex, MAX_CONFIG_CHARS, pathKey, setOwn, type ParsedDocument, type Problem } from './sourceMap';
import type { ConfigDiagnostic, LabConfig } from './types';
import { checkAgainstSchema, valueAt } from './validate';

/** The outcome of reading a config: `config` is null exactly when some diagnostic has severity 'error'. */
export interface ConfigParseResult {
  config: LabConfig | null;
  diagnostics: ConfigDiagnostic[];
}

/** Options for reading a config text. */
export interface ParseConfigOptions {
  /** Folder that relative data paths resolve against; defaults to the folder part of the file name. */
  configDir?: string;
}

/** More problems than this are cut off with one closing note: nobody reads the 101st. */
const MAX_DIAGNOSTICS = 100;

/** Parses, validates and resolves a `.lab.yaml`/`.lab.yml`/`.lab.json` text, reporting every problem with its location. */
export function parseConfigText(text: string, fileName: string, options?: ParseConfigOptions): ConfigParseResult {
  return readConfig(text, fileName, options, {});
}

/** Like parseConfigText, with dotted-path values (e.g. `{"training.steps": 5}` from `--steps 5`) set over the file's. */
export function applyOverrides(text: string, fileName: string, overrides: Record<string, unknown>, options?: ParseConfigOptions): ConfigParseResult {
  return readConfig(text, fileName, options, overrides);
}

function readConfig(text: string, fileName: string, options: ParseConfigOptions | undefined, overrides: Record<string, unknown>): ConfigParseResult {
  const lines = new LineIndex(typeof text === 'string' ? text : '');
  try {
    if (typeof text !== 'string') return finish([{ path: [], severity: 'error', range: [0, 0], message: 'the config text is not a string.' }], new Map(), lines, fileName, null);
    if (text.length > MAX_CONFIG_CHARS) return finish([tooLargeProblem(text.length)], new Map(), lines, fileName, null);
    const document = /\.json$/i.test(fileName) ? parseJsonConfig(text, lines) : parseYamlConfig(text, lines);
    return checkDocument(document, lines, fileName, options?.configDir ?? dirnamePath(fileName), overrides);
  } catch (error) {
    // Last line of defence for the "never throw" promise: any surprise in a parser becomes a located error.
    const reason = error instanceof RangeError ? 'it is nested too deeply or too large' : 'of an internal error';
    return finish([{ path: [], severity: 'error', range: [0, 0], message: `the config could not be read because ${reason} (${String(error)}).` }], new Map(), lines, fileName, null);
  }
}

function checkDocument(document: ParsedDocument, lines: LineIndex, fileName: string, configDir: string, overrides: Record<string, unknown>): ConfigParseResult {
  const problems = [...document.problems];
  if (document.fatal) return finish(problems, document.locations, lines, fileName, null);
  if (document.value === null && Object.keys(overrides).length === 0) {
    problems.push({ path: [], severity: 'error', range: [0, 0], message: 'the config is empty; it needs at least name, model (with kind) and data (with train).' });
    return finish(problems, document.locations, lines, fileName, null);
  }

  const { value, applied, rejected } = setOverrides(document.value, overrides);
  for (const override of rejected) {
    problems.push({ path: override.path, severity: 'error', message: `cannot apply the override ${override.label}: the section that should hold it is not a mapping.` });
  }
  const schema = checkAgainstSchema(value);
  problems.push(...schema.problems);

  const isValid = (path: string[]): boolean => path.every((_, depth) => !schema.invalidPaths.has(pathKey(path.slice(0, depth + 1)))) && !schema.invalidPaths.has('');
  const config = resolveConfig(withoutInvalid(value, schema.invalidPaths, []), configDir);
  problems.push(
    ...crossCheck({
      config,
      given: (dotted) => valueAt(value, dotted.split('.')) !== undefined && isValid(dotted.split('.')),
      valid: (...dotted) => dotted.every((path) => isValid(path.split('.'))),
    }),
    ...checkSweepBlock(value, config, isValid),
  );
  return finish(labelOverrides(problems, applied), document.locations, lines, fileName, config);
}

// Problems caused by an override say so, since the file itself may look fine at that spot.
function labelOverrides(problems: Problem[], applied: AppliedOverride[]): Problem[] {
  return problems.map((problem) => {
    const cause = applied.find((override) => override.path.length <= problem.path.length && override.path.every((segment, i) => problem.path[i] === segment));
    return cause ? { ...problem, message: `${problem.message} (set by the override ${cause.label})` } : problem;
  });
}

// A copy without invalid values, so that resolution falls back to defaults and cross-checks see well-typed data.
function withoutInvalid(value: unknown, invalid: ReadonlySet<string>, path: string[]): unknown {
  if (invalid.has(pathKey(path))) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const kept = withoutInvalid(child, invalid, [...path, key]);
    if (kept !== undefined) setOwn(copy, key, kept);
  }
  return copy;
}

function finish(problems: Problem[], locations: ParsedDocument['locations'], lines: LineIndex, fileName: string, config: LabConfig | null): ConfigParseResult {
  const diagnostics = problems.map((problem) => toDiagnostic(problem, locations, lines, fileName)).sort((a, b) => a.offset - b.offset);
  if (diagnostics.length > MAX_DIAGNOSTICS) {
    const dropped = diagnostics.length - MAX_DIAGNOSTICS + 1;
    const kept = diagnostics.slice(0, MAX_DIAGNOSTICS - 1);
    const last = diagnostics[MAX_DIAGNOSTICS - 1];
    kept.push({ ...last, path: '', severity: 'error', message: `${dropped} more problems are not shown; fix the ones above first.` });
    return { config: null, diagnostics: kept };
  }
  const failed = diagnostics.some((d) => d.severity === 'error');
  return { config: failed ? null : config, diagnostics };
}

function tooLargeProblem(length: number): Problem {
  const size = `${(length / (1024 * 1024)).toFixed(1)} MB`;
  return { path: [], severity: 'error', range: [MAX_CONFIG_CHARS, MAX_CONFIG_CHARS + 1], message: `the file is too large (${size}); a config file may be at most 1 MB and needs only a few hundred characters.` };
}
