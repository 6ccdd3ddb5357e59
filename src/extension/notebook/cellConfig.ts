// A config cell's YAML turned into a config file the training worker can run: a whole config, or `extends: PATH`
// (relative to the notebook) with the cell's keys deep-merged over that file's. Validated with the config schema;
// every problem is located in the cell, even when the merged file is what failed.
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, parseDocument, stringify, type Document, type Node } from 'yaml';
import { parseConfigText } from '../../config';
import type { LabConfig } from '../../config/types';

/** A problem in a cell, with 0-based positions in the cell's text. */
export interface CellProblem {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning';
  message: string;
}

/** What a config cell resolves to: the file text to write (null when there are errors) and its problems. */
export interface ResolvedCellConfig {
  text: string | null;
  config: LabConfig | null;
  problems: CellProblem[];
}

/** Where a cell sits and how files are read (injected so tests need no VS Code). */
export interface CellContext {
  cellText: string;
  /** Folder of the .labnb file: `extends` and data paths in the cell are relative to it. */
  notebookDir: string;
  /** The config file that will be written; data paths in it are made relative to its folder. */
  outFile: string;
  /** The run name when the cell does not set `name`, e.g. "lessons-cell3". */
  defaultName: string;
  readFile(path: string): Promise<string>;
}

type Mapping = Record<string, unknown>;

export async function resolveCellConfig(context: CellContext): Promise<ResolvedCellConfig> {
  const { cellText } = context;
  const document = parseDocument(cellText, { prettyErrors: false });
  const problems: CellProblem[] = document.errors.map((error) => problemAt(cellText, error.pos[0], error.pos[1], `YAML: ${error.message.split('\n')[0]}`));
  if (problems.length > 0) return { text: null, config: null, problems };
  const value: unknown = document.toJS() ?? {};
  if (!isMapping(value)) return { text: null, config: null, problems: [problemAt(cellText, 0, cellText.length, 'a config cell is a YAML mapping: a whole config, or `extends: PATH` plus the keys to change.')] };

  const { extends: base, ...own } = value;
  const outDir = dirname(context.outFile);
  let merged: Mapping = rebaseDataPaths(own, context.notebookDir, outDir);
  if (base !== undefined) {
    const loaded = await loadBase(base, context);
    if (typeof loaded === 'string') return { text: null, config: null, problems: [locate(document, cellText, ['extends'], loaded)] };
    merged = deepMerge(rebaseDataPaths(loaded.value, dirname(loaded.file), outDir), merged);
  }
  if (own.name === undefined) merged = { ...merged, name: context.defaultName };

  const header = base === undefined ? '' : `# extends ${String(base)}\n`;
  const text = `# Written by a Loss Lab notebook cell; edit the cell, not this file.\n${header}${stringify(merged)}`;
  const result = parseConfigText(text, context.outFile, { configDir: outDir });
  for (const diagnostic of result.diagnostics) {
    const path = diagnostic.path === '' ? [] : diagnostic.path.split('.');
    problems.push({ ...locate(document, cellText, path, diagnostic.message, base !== undefined), severity: diagnostic.severity });
  }
  const failed = problems.some((p) => p.severity === 'error');
  return { text: failed ? null : text, config: failed ? null : result.config, problems };
}

async function loadBase(base: unknown, context: CellContext): Promise<{ file: string; value: Mapping } | string> {
  if (typeof base !== 'string' || base.trim() === '') return '`extends` must be the path of a config file, relative to the notebook.';
  const file = resolve(context.notebookDir, base);
  let text: string;
  try {
    text = await context.readFile(file);
  } catch {
    return `cannot read the config that \`extends\` names (${base}).`;
  }
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) return `${base} is not valid YAML: ${document.errors[0].message.split('\n')[0]}`;
  const value: unknown = document.toJS() ?? {};
  if (!isMapping(value)) return `${base} is not a config (a YAML mapping).`;
  if (value.extends !== undefined) return `${base} itself uses \`extends\`; only a notebook cell may extend a config.`;
  return { file, value };
}

/** `override` deep-merged over `base`: mappings merge key by key, anything else (lists included) replaces. */
export function deepMerge(base: Mapping, override: Mapping): Mapping {
  const result: Mapping = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const previous = result[key];
    result[key] = isMapping(previous) && isMapping(value) ? deepMerge(previous, value) : value;
  }
  return result;
}

// data.train / data.val are relative to the file that wrote them; the written config lives elsewhere.
function rebaseDataPaths(config: Mapping, fromDir: string, toDir: string): Mapping {
  const data = config.data;
  if (!isMapping(data)) return config;
  const moved: Mapping = { ...data };
  for (const key of ['train', 'val']) {
    const path = data[key];
    if (typeof path === 'string' && path !== '' && !isAbsolute(path)) moved[key] = relative(toDir, resolve(fromDir, path)).split('\\').join('/');
  }
  return { ...config, data: moved };
}

// The cell node at `path`, or its nearest ancestor in the cell, or `extends` (the base set the value), or line 1.
function locate(document: Document, text: string, path: string[], message: string, hasBase = false): CellProblem {
  const prefix = path.length > 0 ? `${path.join('.')}: ` : '';
  for (let depth = path.length; depth > 0; depth--) {
    const range = rangeOf(document.getIn(path.slice(0, depth), true));
    if (range) return problemAt(text, range[0], range[1], depth === path.length ? message : `${prefix}${message}`);
  }
  const where = hasBase ? keyRangeOf(document, 'extends') : null;
  if (where) return problemAt(text, where[0], where[1], `${prefix}${message}`);
  const firstLineEnd = text.indexOf('\n');
  return problemAt(text, 0, firstLineEnd < 0 ? text.length : firstLineEnd, `${prefix}${message}`);
}

function rangeOf(node: unknown): [number, number] | null {
  const range = (node as Node | undefined)?.range;
  return Array.isArray(range) ? [range[0], range[1]] : null;
}

function keyRangeOf(document: Document, key: string): [number, number] | null {
  const root = document.contents;
  if (!isMap(root)) return null;
  const pair = root.items.find((item) => isScalar(item.key) && item.key.value === key);
  return pair && isScalar(pair.value) && pair.value.range ? [pair.value.range[0], pair.value.range[1]] : null;
}

function problemAt(text: string, start: number, end: number, message: string): CellProblem {
  const [line, column] = position(text, start);
  const [endLine, endColumn] = position(text, Math.max(start, end));
  return { line, column, endLine, endColumn, severity: 'error', message };
}

function position(text: string, offset: number): [number, number] {
  const before = text.slice(0, Math.min(offset, text.length));
  const line = before.split('\n').length - 1;
  return [line, before.length - (before.lastIndexOf('\n') + 1)];
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
