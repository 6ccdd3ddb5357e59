// Seeded mutations of valid configs, for fuzzing the config reader and (for the mutants that stay valid) training.
import { Rng } from '../../src/engine/rng';
import { parseConfigText } from '../../src/config/parse';
import { findSchemaNode, type JsonSchemaNode } from '../../src/config/schema';
import type { LabConfig } from '../../src/config/types';

/** One generated config text and the mutations that produced it. */
export interface ConfigMutant {
  text: string;
  fileName: string;
  operations: string[];
}

/** A value written verbatim into the text (`.nan`, `1e400`, `NaN`), bypassing YAML/JSON quoting. */
class RawToken {
  constructor(readonly text: string) {}
}

type Tree = { [key: string]: TreeValue };
type TreeValue = string | number | boolean | null | RawToken | TreeValue[] | Tree;

/** Small valid configs (gpt and encoder-decoder) the mutator starts from; data paths are relative to the config. */
export const BASE_CONFIGS: readonly Tree[] = [
  {
    name: 'fuzz-gpt',
    seed: 7,
    model: { kind: 'gpt', d_model: 16, n_layers: 1, n_heads: 2, context: 16, activation: 'gelu' },
    data: { train: 'train.txt', vocab: 'char', sequences: 'stream' },
    optimizer: { name: 'adamw', lr: 0.003, betas: [0.9, 0.99] },
    schedule: { warmup_steps: 2, decay: 'cosine', min_lr: 0.0001 },
    training: { steps: 10, batch_size: 4, eval_interval: 5, eval_steps: 2 },
  },
  {
    name: 'fuzz-seq2seq',
    model: { kind: 'encoder-decoder', d_model: 16, n_encoder_layers: 1, n_decoder_layers: 1, n_heads: 4, d_ff: 32, context: 12 },
    data: { train: 'pairs.tsv', val_fraction: 0.2, vocab: 'word', format: 'tsv' },
    loss: { label_smoothing: 0.1 },
    optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true },
    training: { steps: 8, batch_size: 2, grad_clip: null },
  },
];

const STRANGE_TEXT = ['NaN', 'Infinity', '-Infinity', '.nan', '.inf', '-.inf', '1e400', '-0', '0x1F', '1_000', '~', 'yes', 'null', ''];
const UNICODE = ['é', 'ß', '中', '😀', '\u200b', '\u202e', '\ufeff', '\u0000', '\u0007', '\ud800', '\udfff', '\u2028', '\t', '\r'];
const GARBAGE = ['{', '}', '[', ']', ':', ',', '"', "'", '#', '&', '*', '!', '|', '>', '%', '@', '`', '-', '?', '\\'];

/** Produces an endless, reproducible stream of mutated configs (YAML and JSON) from one seed. */
export class ConfigMutator {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed, 0xc0f1);
  }

  next(): ConfigMutant {
    const tree = clone(this.pick(BASE_CONFIGS));
    const json = this.rng.uniform() < 0.4;
    const operations: string[] = [];
    const treeOps = this.rng.int(4);
    for (let i = 0; i < treeOps; i++) operations.push(this.mutateTree(tree));
    let text = json ? toJson(tree) : toYaml(tree);
    if (this.rng.uniform() < 0.35) {
      const [changed, operation] = this.mutateText(text);
      text = changed;
      operations.push(operation);
    }
    return { text, fileName: json ? 'fuzz/run.lab.json' : 'fuzz/run.lab.yaml', operations };
  }

  private mutateTree(tree: Tree): string {
    const leaves = leafPaths(tree);
    const path = this.pick(leaves);
    const roll = this.rng.int(8);
    if (roll === 0) return this.deleteAt(tree, this.rng.uniform() < 0.8 ? path : path.slice(0, 1));
    if (roll === 1) return this.setAt(tree, path, this.otherType(), 'swap type');
    if (roll === 2) return this.setAt(tree, path, this.outOfRange(path), 'out of range');
    if (roll === 3) return this.setAt(tree, path, this.pick([1e308, -1e308, 2 ** 53 + 1, new RawToken('1e400'), 'x'.repeat(5000)]), 'huge');
    if (roll === 4) return this.setAt(tree, path, new RawToken(this.pick(STRANGE_TEXT)), 'strange token');
    if (roll === 5) return this.addKey(tree, path);
    return this.setAt(tree, path, this.validValue(path), 'valid value');
  }

  private mutateText(text: string): [string, string] {
    const at = this.rng.int(text.length + 1);
    const roll = this.rng.int(4);
    if (roll === 0) return [text.slice(0, at), `truncate at ${at}`];
    if (roll === 1) {
      const bytes = Array.from({ length: 1 + this.rng.int(6) }, () => (this.rng.uniform() < 0.5 ? this.pick(GARBAGE) : String.fromCharCode(this.rng.int(256))));
      return [text.slice(0, at) + bytes.join('') + text.slice(at), `garbage at ${at}`];
    }
    if (roll === 2) return [text.slice(0, at) + this.pick(UNICODE) + text.slice(at), `unicode at ${at}`];
    const lines = text.split('\n');
    const line = this.rng.int(lines.length);
    lines.splice(line, 0, lines[line]);
    return [lines.join('\n'), `duplicate line ${line + 1}`];
  }

  private deleteAt(tree: Tree, path: string[]): string {
    const parent = containerAt(tree, path.slice(0, -1));
    if (parent && !Array.isArray(parent)) delete parent[path[path.length - 1]];
    return `delete ${path.join('.')}`;
  }

  private setAt(tree: Tree, path: string[], value: TreeValue, operation: string): string {
    const parent = containerAt(tree, path.slice(0, -1));
    const key = path[path.length - 1];
    if (Array.isArray(parent)) parent[Number(key)] = value;
    else if (parent) parent[key] = value;
    return `${operation} ${path.join('.')}`;
  }

  // A misspelled, foreign or known key next to an existing one.
  private addKey(tree: Tree, path: string[]): string {
    const parent = containerAt(tree, path.slice(0, -1));
    if (!parent || Array.isArray(parent)) return 'add key (skipped)';
    const key = path[path.length - 1];
    const name = this.pick([`${key}x`, key.slice(1), 'lr', 'steps', 'kind', 'val', 'momentum', 'n_layers', 'format', '__proto__', 'ünïcode']);
    // defineProperty, so that `__proto__` becomes a real key rather than changing the prototype.
    Object.defineProperty(parent, name, { value: this.validValue([...path.slice(0, -1), name]), enumerable: true, writable: true, configurable: true });
    return `add key ${name}`;
  }

  private otherType(): TreeValue {
    return this.pick<TreeValue>(['text', 3, 2.5, -4, true, false, null, [], [1, 2], {}, { a: 1 }]);
  }

  private outOfRange(path: string[]): TreeValue {
    const node = findSchemaNode(path);
    const options: TreeValue[] = [-1, 0, 1.5];
    if (node?.minimum !== undefined) options.push(node.minimum - 1, node.minimum - 0.5);
    if (node?.maximum !== undefined) options.push(node.maximum + 1, node.maximum * 10);
    if (node?.exclusiveMinimum !== undefined) options.push(node.exclusiveMinimum);
    if (node?.exclusiveMaximum !== undefined) options.push(node.exclusiveMaximum);
    return this.pick(options);
  }

  // A value the schema accepts (cross-field rules may still object).
  private validValue(path: string[]): TreeValue {
    const node = findSchemaNode(path);
    if (!node) return this.otherType();
    if (node.enum) return this.pick(node.enum as TreeValue[]);
    const type = Array.isArray(node.type) ? node.type[0] : node.type;
    if (type === 'boolean') return this.rng.uniform() < 0.5;
    if (type === 'integer') return this.validInteger(node);
    if (type === 'number') return this.validNumber(node);
    if (type === 'array') return [this.validNumber(node.items ?? {}), this.validNumber(node.items ?? {})];
    if (type === 'string') return node.pattern ? `run-${this.rng.int(1000)}` : `data/file${this.rng.int(10)}.txt`;
    return {};
  }

  private validInteger(node: JsonSchemaNode): number {
    const low = node.minimum ?? 0;
    const high = Math.min(node.maximum ?? low + 64, low + 64);
    return low + this.rng.int(high - low + 1);
  }

  private validNumber(node: JsonSchemaNode): number {
    const low = node.minimum ?? node.exclusiveMinimum ?? 0;
    const high = Math.min(node.maximum ?? node.exclusiveMaximum ?? low + 1, low + 1);
    const value = low + this.rng.uniform() * (high - low);
    return value === node.exclusiveMinimum ? high / 2 : value;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.rng.int(items.length)];
  }
}

/** The first `count` mutants (from `seed`) that read without errors, with their resolved configs, e.g. to train on. */
export function validMutants(seed: number, count: number, configDir: string): Array<ConfigMutant & { config: LabConfig }> {
  const mutator = new ConfigMutator(seed);
  const found: Array<ConfigMutant & { config: LabConfig }> = [];
  for (let tries = 0; found.length < count && tries < count * 100; tries++) {
    const mutant = mutator.next();
    const { config } = parseConfigText(mutant.text, mutant.fileName, { configDir });
    if (config) found.push({ ...mutant, config });
  }
  return found;
}

function clone(tree: Tree): Tree {
  return JSON.parse(JSON.stringify(tree)) as Tree;
}

function isTree(value: TreeValue): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawToken);
}

function leafPaths(tree: TreeValue, path: string[] = []): string[][] {
  if (isTree(tree)) return Object.entries(tree).flatMap(([key, child]) => leafPaths(child, [...path, key]));
  if (Array.isArray(tree)) return tree.length === 0 ? [path] : tree.flatMap((child, index) => leafPaths(child, [...path, String(index)]));
  return [path];
}

function containerAt(tree: Tree, path: string[]): Tree | TreeValue[] | undefined {
  let current: TreeValue = tree;
  for (const segment of path) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isTree(current)) current = current[segment];
    else return undefined;
  }
  return Array.isArray(current) || isTree(current) ? current : undefined;
}

function scalarText(value: TreeValue): string {
  if (value instanceof RawToken) return value.text;
  return JSON.stringify(value) ?? 'null';
}

/** JSON text of a tree, with raw tokens written as they are. */
function toJson(value: TreeValue, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[${value.map((item) => toJson(item, inner)).join(', ')}]`;
  if (!isTree(value)) return scalarText(value);
  const members = Object.entries(value).map(([key, child]) => `${inner}${JSON.stringify(key)}: ${toJson(child, inner)}`);
  return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n${indent}}`;
}

/** Block-style YAML text of a tree (lists in flow style), with raw tokens written as they are. */
function toYaml(tree: Tree, indent = ''): string {
  return Object.entries(tree)
    .map(([key, child]) => {
      const name = /^[A-Za-z_][\w.-]*$/.test(key) ? key : JSON.stringify(key);
      if (isTree(child) && Object.keys(child).length > 0) return `${indent}${name}:\n${toYaml(child, `${indent}  `)}`;
      return `${indent}${name}: ${flowYaml(child)}\n`;
    })
    .join('');
}

function flowYaml(value: TreeValue): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (isTree(value)) return `{${Object.entries(value).map(([key, child]) => `${JSON.stringify(key)}: ${flowYaml(child)}`).join(', ')}}`;
  return scalarText(value);
}
