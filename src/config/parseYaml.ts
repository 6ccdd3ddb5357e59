import { Composer, Parser, isAlias, isMap, isScalar, isSeq, type CST, type Document, type YAMLError } from 'yaml';
import { LineIndex, MAX_NESTING, MAX_VALUES, pathKey, setOwn, type NodeLocation, type ParsedDocument, type Problem, type TextRange } from './sourceMap';

const MAX_SYNTAX_ERRORS = 10;
const MAX_ALIASES = 100;

const HINTS: Partial<Record<string, string>> = {
  TAB_AS_INDENT: ' Indent with spaces, not tabs.',
  BAD_INDENT: ' Check the indentation: keys of one mapping start in the same column, nested ones further right.',
  MULTILINE_IMPLICIT_KEY: ' Check that every key is followed by ": " and that no line is indented further than the keys above it.',
  BLOCK_AS_IMPLICIT_KEY: ' Check that every key is followed by ": " and that no line is indented further than the keys above it.',
  UNEXPECTED_TOKEN: ' Check the indentation and that every key is followed by ": ".',
};

/** Reads a `.lab.yaml` text (YAML 1.2) into a value plus key-path locations; syntax errors make the result fatal. */
export function parseYamlConfig(text: string, lines: LineIndex): ParsedDocument {
  // Cheap first guard: yaml's own parser needs seconds for a megabyte of open brackets.
  const bracketPileUp = findBracketPileUp(text);
  if (bracketPileUp !== undefined) return fatalDocument(nestingProblem(bracketPileUp));
  const tokens = Array.from(new Parser().parse(text));
  // yaml's composer recurses (and can exhaust memory) on absurd nesting, so measure depth on the flat CST first.
  const tooDeep = findTooDeepToken(tokens);
  if (tooDeep !== undefined) return fatalDocument(nestingProblem(tooDeep));

  const composer = new Composer({ version: '1.2', uniqueKeys: false, prettyErrors: false, strict: true });
  const documents = Array.from(composer.compose(tokens, true, text.length));
  const problems: Problem[] = [];
  for (const document of documents) for (const error of document.errors) problems.push(syntaxProblem(error, 'error'));
  if (documents.length > 1) {
    const start = documents[1].range[0];
    problems.push({ path: [], severity: 'error', range: [start, start + 3], message: 'YAML syntax error: a config file holds one YAML document; remove the "---" line that starts a second one.' });
  }
  if (problems.length > 0) return fatalDocument(...firstPerOffset(problems).slice(0, MAX_SYNTAX_ERRORS));

  const document = documents[0];
  const walker = new YamlWalker(document, lines);
  const contents = document.contents;
  const value = contents === null ? null : walker.walk(contents, [], 0);
  const rootRange: TextRange = contents === null ? [0, 0] : [contents.range[0], contents.range[1]];
  walker.locations.set(pathKey([]), { value: rootRange });
  for (const warning of document.warnings.slice(0, MAX_SYNTAX_ERRORS)) walker.problems.push(syntaxProblem(warning, 'warning'));
  return { value, locations: walker.locations, problems: walker.problems, fatal: walker.fatal };
}

class YamlWalker {
  readonly locations = new Map<string, NodeLocation>();
  readonly problems: Problem[] = [];
  fatal = false;
  private valueCount = 0;
  private aliasCount = 0;

  constructor(
    private readonly document: Document.Parsed,
    private readonly lines: LineIndex,
  ) {}

  walk(node: unknown, path: string[], depth: number): unknown {
    if (this.fatal) return null;
    if (++this.valueCount > MAX_VALUES) return this.stop(node, path, `the document holds more than ${MAX_VALUES} values; a config needs a few dozen.`);
    if (depth > MAX_NESTING) return this.stop(node, path, nestingMessage());
    if (isAlias(node)) {
      const target = ++this.aliasCount > MAX_ALIASES ? undefined : node.resolve(this.document);
      if (target === undefined) {
        const message = this.aliasCount > MAX_ALIASES ? `more than ${MAX_ALIASES} aliases; a config needs none.` : `unknown alias *${node.source}; define it first with &${node.source}.`;
        return this.stop(node, path, message);
      }
      return this.walk(target, path, depth + 1);
    }
    if (isScalar(node)) return plainScalar(node.value);
    if (isSeq(node)) return node.items.map((item, index) => this.walkChild(item, [...path, String(index)], depth, undefined));
    if (isMap(node)) return this.walkMap(node.items, path, depth);
    return null;
  }

  private walkMap(pairs: ReadonlyArray<{ key: unknown; value: unknown }>, path: string[], depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const firstKeyAt = new Map<string, number>();
    for (const pair of pairs) {
      const keyRange = rangeOf(pair.key);
      if (!isScalar(pair.key) || pair.key.value === null || typeof pair.key.value === 'object') {
        const range = keyRange ?? rangeOf(pair.value) ?? [0, 0];
        this.problems.push({ path, severity: 'error', range, message: 'keys must be plain names like "d_model", not lists, mappings, aliases or empty keys.' });
        continue;
      }
      const key = String(pair.key.value);
      const childPath = [...path, key];
      const earlier = firstKeyAt.get(key);
      if (earlier !== undefined) {
        const line = this.lines.position(earlier).line;
        this.problems.push({ path: childPath, severity: 'error', range: keyRange, message: `duplicate key "${key}"; it is already set on line ${line}. Keep only one.` });
        continue;
      }
      firstKeyAt.set(key, keyRange?.[0] ?? 0);
      setOwn(result, key, this.walkChild(pair.value, childPath, depth, keyRange));
    }
    return result;
  }

  private walkChild(node: unknown, path: string[], depth: number, keyRange: TextRange | undefined): unknown {
    const valueRange = rangeOf(node) ?? (keyRange ? [keyRange[1], keyRange[1]] : [0, 0]);
    if (!this.locations.has(pathKey(path))) this.locations.set(pathKey(path), { key: keyRange, value: valueRange });
    return node === null || node === undefined ? null : this.walk(node, path, depth + 1);
  }

  private stop(node: unknown, path: string[], message: string): null {
    this.fatal = true;
    this.problems.push({ path, severity: 'error', range: rangeOf(node) ?? [0, 0], message });
    return null;
  }
}

// Scalars become JSON-like values; tagged oddities (binary, timestamps, big ints) become numbers or strings.
function plainScalar(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  return String(value);
}

function rangeOf(node: unknown): TextRange | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number' ? [range[0], range[1]] : undefined;
}

function syntaxProblem(error: YAMLError, severity: 'error' | 'warning'): Problem {
  const [start, end] = error.pos;
  const prefix = severity === 'error' ? 'YAML syntax error: ' : 'YAML: ';
  const text = error.message.endsWith('.') ? error.message : `${error.message}.`;
  return { path: [], severity, range: [start, Math.max(start, end)], message: `${prefix}${text}${HINTS[error.code] ?? ''}` };
}

// yaml often reports one slip twice at the same spot; the first report is the clearer one.
function firstPerOffset(problems: Problem[]): Problem[] {
  const seen = new Set<number>();
  return problems.filter((problem) => {
    const start = problem.range?.[0] ?? 0;
    if (seen.has(start)) return false;
    seen.add(start);
    return true;
  });
}

function fatalDocument(...problems: Problem[]): ParsedDocument {
  return { value: null, locations: new Map(), problems, fatal: true };
}

function nestingMessage(): string {
  return `values are nested more than ${MAX_NESTING} levels deep; a config is at most 3 levels deep (e.g. optimizer.betas).`;
}

function nestingProblem(offset: number): Problem {
  return { path: [], severity: 'error', range: [offset, offset + 1], message: nestingMessage() };
}

// Net count of opening brackets anywhere (quotes and comments included, so it can only over-count: only a string
// with dozens of unmatched brackets trips it falsely). It finds flow nesting in linear time; the CST check finds the rest.
function findBracketPileUp(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5b || code === 0x7b) {
      if (++depth > MAX_NESTING) return i;
    } else if ((code === 0x5d || code === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

// Iterative walk over the CST (no recursion): returns the offset of the first collection nested too deeply.
function findTooDeepToken(tokens: CST.Token[]): number | undefined {
  const stack: Array<[CST.Token | null | undefined, number]> = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop() as [CST.Token | null | undefined, number];
    if (!token) continue;
    if (depth > MAX_NESTING) return token.offset;
    if (token.type === 'document') stack.push([token.value, depth + 1]);
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if ('key' in item) stack.push([item.key, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}
