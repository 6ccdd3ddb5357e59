import { LineIndex, pathKey, type NodeLocation, type Problem, type TextRange } from './sourceMap';
import type { ConfigDiagnostic } from './types';

/** "file:line:col: error: path: message", the shape compilers print and editors' problem matchers read. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const path = d.path === '' ? '' : `${d.path}: `;
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${path}${d.message}`;
}

/** True for `*.lab.yaml`, `*.lab.yml` and `*.lab.json` (any folder, any letter case). */
export function isConfigFileName(fileName: string): boolean {
  return /\.lab\.(ya?ml|json)$/i.test(fileName);
}

/** Turns a problem into a diagnostic with 1-based line/column, placing it through the location map when needed. */
export function toDiagnostic(problem: Problem, locations: ReadonlyMap<string, NodeLocation>, lines: LineIndex, file: string): ConfigDiagnostic {
  const length = lines.text.length;
  const [rawStart, rawEnd] = problem.range ?? placeProblem(problem, locations);
  const offset = Math.max(0, Math.min(rawStart, length));
  const end = Math.max(offset, Math.min(rawEnd, length));
  const start = lines.position(offset);
  const stop = lines.position(end);
  return {
    file,
    line: start.line,
    column: start.column,
    endLine: stop.line,
    endColumn: stop.column,
    offset,
    length: end - offset,
    path: problem.path.join('.'),
    severity: problem.severity,
    message: problem.message,
  };
}

// The value itself (or its key for key problems and empty values); for a missing key, the key of the nearest
// parent that exists, or the start of the document.
function placeProblem(problem: Problem, locations: ReadonlyMap<string, NodeLocation>): TextRange {
  const path = problem.path;
  const own = path.length > 0 ? locations.get(pathKey(path)) : undefined;
  if (own) {
    if (problem.at === 'key' && own.key) return own.key;
    if (own.value[1] > own.value[0]) return own.value;
    return own.key ?? own.value;
  }
  for (let depth = path.length - 1; depth >= 1; depth--) {
    const parent = locations.get(pathKey(path.slice(0, depth)));
    if (parent) return parent.key ?? [parent.value[0], parent.value[0]];
  }
  const root = locations.get(pathKey([]));
  return root ? [root.value[0], root.value[0]] : [0, 0];
}
