import { DataError } from './errors';
import { encodeChunked, encodeCompact, textChunks, type TokenIds } from './tokenIds';
import type { Vocabulary } from './vocab';

/** One non-blank line of a `lines` dataset; `line` is 1-based. */
export interface SourceLine {
  text: string;
  line: number;
}

/** One encoder-decoder example; `line` is 1-based. */
export interface SourcePair {
  source: string;
  target: string;
  line: number;
}

/** A dataset file parsed into text, before tokenization (the vocabulary is built from this). */
export type DatasetText =
  | { kind: 'stream'; file: string; text: string }
  | { kind: 'lines'; file: string; lines: SourceLine[] }
  | { kind: 'pairs'; file: string; pairs: SourcePair[] };

/** One encoder-decoder example as token ids (no specials). */
export interface TokenPair {
  source: TokenIds;
  target: TokenIds;
}

/**
 * A tokenized dataset: one token stream (gpt `stream`), one sequence per line (gpt `lines`) or source/target pairs,
 * the ids in the vocabulary's compact array type (see tokenIds.ts).
 */
export type Dataset =
  | { kind: 'stream'; file: string; tokens: TokenIds }
  | { kind: 'lines'; file: string; sequences: TokenIds[] }
  | { kind: 'pairs'; file: string; pairs: TokenPair[] };

const PAIR_SHAPE = '{"source": "...", "target": "..."}';

/**
 * Strips a UTF-8 byte-order mark and turns CRLF into LF, so a file saved on Windows trains the same model; a text
 * with neither is returned as it is, not copied.
 */
function normalize(contents: string): string {
  const text = contents.charCodeAt(0) === 0xfeff ? contents.slice(1) : contents;
  // split/join, not replace: V8 matches regular expressions on replace's result slowly and with ~2 bytes of garbage a character.
  return text.includes('\r\n') ? text.split('\r\n').join('\n') : text;
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** Parses a gpt text file: `stream` keeps the whole text as one stream; `lines` keeps each non-blank line. */
export function parseGptText(contents: string, file: string, sequences: 'stream' | 'lines'): DatasetText {
  const text = normalize(contents);
  if (sequences === 'stream') {
    if (text === '') throw new DataError(file, 0, 0, 'the file is empty: expected text to train on');
    return { kind: 'stream', file, text };
  }
  const lines: SourceLine[] = [];
  text.split('\n').forEach((line, i) => {
    if (!isBlank(line)) lines.push({ text: line, line: i + 1 });
  });
  if (lines.length === 0) {
    throw new DataError(file, 0, 0, 'the file has no non-blank lines: with `sequences: lines` each non-blank line is one training sequence');
  }
  return { kind: 'lines', file, lines };
}

/** The file extension, lower-cased, with its dot ('' when there is none). */
function extensionOf(file: string): string {
  const name = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** Parses an encoder-decoder file; `auto` picks TSV or JSONL by the file's extension. */
export function parsePairs(contents: string, file: string, format: 'auto' | 'tsv' | 'jsonl'): DatasetText {
  let resolved = format;
  if (resolved === 'auto') {
    const ext = extensionOf(file);
    if (ext === '.tsv') resolved = 'tsv';
    else if (ext === '.jsonl') resolved = 'jsonl';
    else {
      const got = ext === '' ? 'has no extension' : `has extension "${ext}"`;
      throw new DataError(file, 0, 0, `cannot tell the format: the file ${got}; known extensions are .tsv (source<TAB>target) and .jsonl (${PAIR_SHAPE}), or set data.format`);
    }
  }
  const pairs: SourcePair[] = [];
  normalize(contents).split('\n').forEach((text, i) => {
    if (!isBlank(text)) pairs.push(resolved === 'tsv' ? parseTsvLine(text, file, i + 1) : parseJsonlLine(text, file, i + 1));
  });
  if (pairs.length === 0) throw new DataError(file, 0, 0, `the file has no examples: expected one example per line`);
  return { kind: 'pairs', file, pairs };
}

function parseTsvLine(text: string, file: string, line: number): SourcePair {
  const tab = text.indexOf('\t');
  if (tab < 0) throw new DataError(file, line, 1, `line ${line} has no tab: expected "source<TAB>target"`);
  const secondTab = text.indexOf('\t', tab + 1);
  if (secondTab >= 0) {
    const tabs = text.split('\t').length - 1;
    throw new DataError(file, line, secondTab + 1, `line ${line} has ${tabs} tabs: expected exactly one, as in "source<TAB>target" (the source and target cannot contain tabs)`);
  }
  const source = text.slice(0, tab);
  const target = text.slice(tab + 1);
  if (isBlank(source)) throw new DataError(file, line, 1, `line ${line} has an empty source: expected text before the tab`);
  if (isBlank(target)) throw new DataError(file, line, tab + 2, `line ${line} has an empty target: expected text after the tab`);
  return { source, target, line };
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseJsonlLine(text: string, file: string, line: number): SourcePair {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(detail);
    const column = position ? Number(position[1]) + 1 : 1;
    throw new DataError(file, line, column, `line ${line} is not valid JSON (${detail}): expected ${PAIR_SHAPE}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError(file, line, 1, `line ${line} is ${describeJson(value)}: expected an object ${PAIR_SHAPE}`);
  }
  const record = value as Record<string, unknown>;
  const field = (key: 'source' | 'target'): string => {
    const column = Math.max(text.indexOf(`"${key}"`), 0) + 1;
    if (!(key in record)) throw new DataError(file, line, 1, `line ${line} has no "${key}" key: expected ${PAIR_SHAPE}`);
    const got = record[key];
    if (typeof got !== 'string') throw new DataError(file, line, column, `line ${line}: "${key}" is ${describeJson(got)}: expected a string`);
    if (isBlank(got)) throw new DataError(file, line, column, `line ${line} has an empty "${key}": expected some text`);
    return got;
  };
  return { source: field('source'), target: field('target'), line };
}

/** Every text in a parsed dataset, for building a vocabulary; a stream comes in chunks, so symbols are counted chunk by chunk. */
export function datasetTexts(parsed: DatasetText): string[] {
  if (parsed.kind === 'stream') return textChunks(parsed.text);
  if (parsed.kind === 'lines') return parsed.lines.map((l) => l.text);
  return parsed.pairs.flatMap((p) => [p.source, p.target]);
}

/** Encodes a parsed dataset with `vocab`. A stream needs at least 2 tokens: one input and its next-token target. */
export function tokenizeDataset(parsed: DatasetText, vocab: Vocabulary): Dataset {
  const encode = (text: string): TokenIds => encodeCompact(vocab, text);
  if (parsed.kind === 'stream') {
    const tokens = encodeChunked(vocab, parsed.text);
    if (tokens.length < 2) {
      throw new DataError(parsed.file, 0, 0, `the file has ${tokens.length} ${vocab.kind} token${tokens.length === 1 ? '' : 's'}: a stream needs at least 2 (an input and its next-token target)`);
    }
    return { kind: 'stream', file: parsed.file, tokens };
  }
  if (parsed.kind === 'lines') return { kind: 'lines', file: parsed.file, sequences: parsed.lines.map((l) => encode(l.text)) };
  return { kind: 'pairs', file: parsed.file, pairs: parsed.pairs.map((p) => ({ source: encode(p.source), target: encode(p.target) })) };
}

/** Tokens in a stream, or examples in a lines/pairs dataset. */
export function datasetSize(dataset: Dataset): number {
  if (dataset.kind === 'stream') return dataset.tokens.length;
  return dataset.kind === 'lines' ? dataset.sequences.length : dataset.pairs.length;
}

/**
 * Holds out the last `valFraction` of the stream (in tokens) or of the examples, so the split is deterministic. A
 * stream's two sides are views of its ids, not copies. Throws a DataError when either side would be empty (a stream
 * side needs 2 tokens).
 */
export function splitDataset(dataset: Dataset, valFraction: number): { train: Dataset; val: Dataset } {
  const { file } = dataset;
  if (!(valFraction > 0 && valFraction < 1)) {
    throw new DataError(file, 0, 0, `val_fraction is ${valFraction}: expected a number between 0 and 1 (exclusive) to split the training data`);
  }
  const size = datasetSize(dataset);
  const valSize = Math.round(size * valFraction);
  const minimum = dataset.kind === 'stream' ? 2 : 1;
  if (valSize < minimum || size - valSize < minimum) {
    const unit = dataset.kind === 'stream' ? 'tokens' : 'examples';
    throw new DataError(file, 0, 0, `val_fraction ${valFraction} of ${size} ${unit} gives ${valSize} for validation and ${size - valSize} for training; each side needs at least ${minimum}: change val_fraction, add data, or set data.val to a separate file`);
  }
  const cut = size - valSize;
  if (dataset.kind === 'stream') {
    return {
      train: { kind: 'stream', file, tokens: dataset.tokens.subarray(0, cut) },
      val: { kind: 'stream', file, tokens: dataset.tokens.subarray(cut) },
    };
  }
  if (dataset.kind === 'lines') {
    return {
      train: { kind: 'lines', file, sequences: dataset.sequences.slice(0, cut) },
      val: { kind: 'lines', file, sequences: dataset.sequences.slice(cut) },
    };
  }
  return {
    train: { kind: 'pairs', file, pairs: dataset.pairs.slice(0, cut) },
    val: { kind: 'pairs', file, pairs: dataset.pairs.slice(cut) },
  };
}
