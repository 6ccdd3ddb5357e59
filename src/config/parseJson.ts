import { createScanner, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { LineIndex, MAX_NESTING, MAX_VALUES, pathKey, setOwn, type NodeLocation, type ParsedDocument, type Problem, type TextRange } from './sourceMap';

const MAX_SYNTAX_ERRORS = 10;
// jsonc-parser's SyntaxKind is a const enum, which isolatedModules cannot read: its values, copied.
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const END_OF_FILE = 17;

const READABLE_ERRORS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value (a number, a "string", true, false, null, an {object} or a [list])',
  ColonExpected: 'expected ":" after the key',
  CommaExpected: 'expected "," between two entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the list',
  EndOfFileExpected: 'unexpected text after the end of the JSON value',
  InvalidCommentToken: 'malformed comment',
  UnexpectedEndOfComment: 'comment is not closed with */',
  UnexpectedEndOfString: 'string is not closed with a double quote',
  UnexpectedEndOfNumber: 'number ends too early',
  InvalidUnicode: 'malformed \\u escape in a string',
  InvalidEscapeCharacter: 'invalid escape in a string; use \\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX',
  InvalidCharacter: 'control character (such as a raw tab or line break) inside a string; escape it',
};

/** Reads a `.lab.json` text (comments and trailing commas allowed) into a value plus key-path locations. */
export function parseJsonConfig(sourceText: string, lines: LineIndex): ParsedDocument {
  // A byte-order mark is not JSON; blank it out without shifting offsets.
  const text = sourceText.charCodeAt(0) === 0xfeff ? ` ${sourceText.slice(1)}` : sourceText;
  const tooDeep = findTooDeepBracket(text);
  if (tooDeep !== undefined) {
    const message = `values are nested more than ${MAX_NESTING} levels deep; a config is at most 3 levels deep (e.g. optimizer.betas).`;
    return fatalDocument([{ path: [], severity: 'error', range: [tooDeep, tooDeep + 1], message }]);
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: false, allowTrailingComma: true, allowEmptyContent: true });
  if (errors.length > 0) {
    // One slip often yields several errors at the same offset; the first is the clearest.
    const firstPerOffset = errors.filter((error, index) => index === 0 || errors[index - 1].offset !== error.offset);
    return fatalDocument(firstPerOffset.slice(0, MAX_SYNTAX_ERRORS).map((error) => syntaxProblem(text, error)));
  }

  const walker = new JsonWalker(lines);
  const value = root ? walker.walk(root, []) : null;
  walker.locations.set(pathKey([]), { value: root ? [root.offset, root.offset + root.length] : [0, 0] });
  return { value, locations: walker.locations, problems: walker.problems, fatal: walker.fatal };
}

class JsonWalker {
  readonly locations = new Map<string, NodeLocation>();
  readonly problems: Problem[] = [];
  fatal = false;
  private valueCount = 0;

  constructor(private readonly lines: LineIndex) {}

  walk(node: Node, path: string[]): unknown {
    if (this.fatal) return null;
    if (++this.valueCount > MAX_VALUES) {
      this.fatal = true;
      this.problems.push({ path, severity: 'error', range: rangeOf(node), message: `the document holds more than ${MAX_VALUES} values; a config needs a few dozen.` });
      return null;
    }
    if (node.type === 'array') {
      return (node.children ?? []).map((child, index) => {
        const childPath = [...path, String(index)];
        this.locations.set(pathKey(childPath), { value: rangeOf(child) });
        return this.walk(child, childPath);
      });
    }
    if (node.type === 'object') return this.walkObject(node, path);
    return node.value === undefined ? null : node.value;
  }

  private walkObject(node: Node, path: string[]): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const firstKeyAt = new Map<string, number>();
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (!keyNode || !valueNode) continue;
      const key = String(keyNode.value);
      const childPath = [...path, key];
      const keyRange = rangeOf(keyNode);
      const earlier = firstKeyAt.get(key);
      if (earlier !== undefined) {
        const line = this.lines.position(earlier).line;
        this.problems.push({ path: childPath, severity: 'error', range: keyRange, message: `duplicate key "${key}"; it is already set on line ${line}. Keep only one.` });
        continue;
      }
      firstKeyAt.set(key, keyNode.offset);
      this.locations.set(pathKey(childPath), { key: keyRange, value: rangeOf(valueNode) });
      setOwn(result, key, this.walk(valueNode, childPath));
    }
    return result;
  }
}

function rangeOf(node: Node): TextRange {
  return [node.offset, node.offset + node.length];
}

function syntaxProblem(text: string, error: ParseError): Problem {
  const name = printParseErrorCode(error.error);
  const what = READABLE_ERRORS[name] ?? name;
  const found = error.offset >= text.length ? 'the end of the file' : JSON.stringify(text.slice(error.offset, error.offset + Math.max(1, Math.min(error.length, 20))));
  return { path: [], severity: 'error', range: [error.offset, error.offset + error.length], message: `JSON syntax error: ${what}, found ${found}.` };
}

function fatalDocument(problems: Problem[]): ParsedDocument {
  return { value: null, locations: new Map(), problems, fatal: true };
}

// jsonc-parser's tree builder recurses, so measure bracket depth with its flat scanner first.
function findTooDeepBracket(text: string): number | undefined {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind = scanner.scan(); kind !== END_OF_FILE; kind = scanner.scan()) {
    if (kind === OPEN_BRACE || kind === OPEN_BRACKET) {
      if (++depth > MAX_NESTING) return scanner.getTokenOffset();
    } else if (kind === CLOSE_BRACE || kind === CLOSE_BRACKET) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}
