import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { applyEdits, modify } from 'jsonc-parser';
import { isMap, isScalar, parseDocument } from 'yaml';
import { formatDiagnostic, parseConfigText } from '../../config';
import { selectBackend } from '../../engine/backends/select';
import { DataError } from '../../engine/data/errors';
import { prepareData } from '../../engine/data/prepare';
import { LrFinderError, findLearningRate, type LrFinderOptions } from '../../engine/train/lrFinder';
import { UserError, loadConfigFile } from '../../node/configFile';
import { readDatasetFiles } from '../../node/dataFiles';
import type { CliCommand } from '../command';
import { singleConfig } from '../overrides';

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
  if (doc.errors.length > 0) throw new UserError(`the config is not valid YAML: ${doc.errors[0].message}`);
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

function numberOption(name: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value)) throw new UserError(`--${name} ${text}: expected a number`);
  return value;
}

export const findLrCommand: CliCommand = {
  name: 'find-lr',
  usage: `find-lr CONFIG [--start 1e-6] [--end 1] [--steps 100] [--write]
               LR range test: loss vs an exponentially growing lr; --write puts the suggestion into optimizer.lr`,
  async run(args, { print }) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { start: { type: 'string' }, end: { type: 'string' }, steps: { type: 'string' }, write: { type: 'boolean' } },
    });
    const file = singleConfig('find-lr', positionals);
    const options: LrFinderOptions = {
      start: numberOption('start', values.start, 1e-6), end: numberOption('end', values.end, 1), steps: numberOption('steps', values.steps, 100),
    };
    const loaded = await loadConfigFile(file);
    const { config } = loaded;
    let data;
    try {
      data = prepareData(config, await readDatasetFiles(config));
    } catch (error) {
      if (error instanceof DataError) throw new UserError(`${error.line > 0 ? `${error.file}:${error.line}:${error.column}` : error.file}: error: ${error.reason}`);
      throw error;
    }
    const { backend } = await selectBackend(config.backend);
    print('step\tlr\tloss\tsmoothed');
    let result;
    try {
      result = await findLearningRate(config, data, backend, options, {
        onPoint: (p, step) => print(`${step}\t${p.lr.toExponential(3)}\t${p.loss.toFixed(4)}\t${p.smoothed.toFixed(4)}`),
      });
    } catch (error) {
      if (error instanceof LrFinderError) throw new UserError(`losslab find-lr: ${error.message}`);
      throw error;
    }
    const last = result.points[result.points.length - 1];
    if (result.stop === 'diverged') print(`stopped at lr ${last.lr.toExponential(3)}: the smoothed loss passed 4× its best`);
    if (result.stop === 'not_finite') print(`stopped after lr ${last.lr.toExponential(3)}: the next loss or gradient was not finite`);
    print(`suggested lr: ${formatLearningRate(result.suggestion)} (steepest descent of the smoothed loss)`);
    print(`min-loss/10:  ${formatLearningRate(result.minLossOver10)} (the lr of the lowest smoothed loss, divided by 10)`);
    if (!values.write) return 0;
    const updated = setConfigLearningRate(loaded.source, loaded.file, result.suggestion);
    const check = parseConfigText(updated, file, { configDir: dirname(loaded.file) });
    const errors = check.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new UserError(`not written: the config would not be valid:\n${errors.map(formatDiagnostic).join('\n')}`);
    await writeFile(loaded.file, updated);
    print(`${file}: optimizer.lr = ${formatLearningRate(result.suggestion)}`);
    return 0;
  },
};
