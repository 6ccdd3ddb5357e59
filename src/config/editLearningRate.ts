import { applyEdits, modify } from 'jsonc-parser';
import { isMap, isScalar, parseDocument } from 'yaml';

/** The config text cannot be edited (it does not parse). */
export class ConfigEditError extends Error {}

/** A learning rate as written into a config: three significant digits (0.00316, 3.16e-7). */
export function formatLearningRate(lr: number): string {
  return String(Number(lr.toPrecision(3)));
}

const splice = (text: string, from: number, to: number, insert: string): string => text.slice(0, from) + insert + text.slice(to);

/** The column of offset `at` (characters since its line's start). */
const columnOf = (text: string, at: number): number => at - (text.lastIndexOf('\n', at - 1) + 1);

type Ranged = { range?: [number, number, number] | null } | null | undefined;

/**
 * Sets optimizer.lr in YAML text, touching nothing else: an existing value is replaced in place (comments and layout
 * stay); a missing one becomes the last key of `optimizer` (block or flow style), or a new `optimizer:` section at the
 * end. Other shapes (e.g. `optimizer:` with no value) go through the yaml Document API's re-serialisation, which
 * keeps comments but may re-flow other lines.
 */
function setYamlLearningRate(text: string, value: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigEditError(`the config is not valid YAML: ${doc.errors[0].message}`);
  const current = doc.getIn(['optimizer', 'lr'], true);
  if (isScalar(current) && current.range) return splice(text, current.range[0], current.range[1], value);
  const optimizer = doc.get('optimizer', true);
  if (isMap(optimizer) && optimizer.items.length > 0) {
    const lastEnd = (optimizer.items[optimizer.items.length - 1].value as Ranged)?.range?.[1];
    const firstStart = (optimizer.items[0].key as Ranged)?.range?.[0];
    if (lastEnd !== undefined && firstStart !== undefined) {
      if (optimizer.flow) return splice(text, lastEnd, lastEnd, `, lr: ${value}`);
      const newline = text.indexOf('\n', lastEnd - 1);
      const at = newline < 0 ? text.length : newline;
      return splice(text, at, at, `\n${' '.repeat(columnOf(text, firstStart))}lr: ${value}`);
    }
  }
  if (optimizer === undefined && isMap(doc.contents) && !doc.contents.flow) {
    return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}optimizer:\n  lr: ${value}\n`;
  }
  doc.setIn(['optimizer', 'lr'], Number(value));
  return doc.toString();
}

/** Sets optimizer.lr in JSON (or JSONC) text with jsonc-parser's minimal edit, in the file's own indentation. */
function setJsonLearningRate(text: string, value: string): string {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  const tabs = indent.startsWith('\t');
  const formattingOptions = { insertSpaces: !tabs, tabSize: tabs ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
  return applyEdits(text, modify(text, ['optimizer', 'lr'], Number(value), { formattingOptions }));
}

/** The config text with optimizer.lr set to `lr` (three significant digits); JSON for *.json, YAML otherwise. */
export function setConfigLearningRate(text: string, fileName: string, lr: number): string {
  const value = formatLearningRate(lr);
  return /\.json$/i.test(fileName) ? setJsonLearningRate(text, value) : setYamlLearningRate(text, value);
}
