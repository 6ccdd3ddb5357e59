import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, parseConfigText } from '../../config';
import { ConfigEditError, formatLearningRate, setConfigLearningRate } from '../../config/editLearningRate';
import { selectBackend } from '../../engine/backends/select';
import { DataError } from '../../engine/data/errors';
import { LrFinderError, findLearningRate, type LrFinderOptions } from '../../engine/train/lrFinder';
import { UserError, loadConfigFile } from '../../node/configFile';
import { loadConfigData } from '../../node/preparedData';
import type { CliCommand } from '../command';
import { singleConfig } from '../overrides';

function numberOption(name: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value)) throw new UserError(`--${name} ${text}: expected a number`);
  return value;
}

export const findLrCommand: CliCommand = {
  name: 'find-lr',
  usage: 'find-lr CONFIG [--start 1e-6] [--end 1] [--steps 100] [--write]',
  summary: 'LR range test: the loss against an exponentially growing learning rate, and a suggested lr',
  options: [
    ['--start LR', 'the first learning rate (default 1e-6)'],
    ['--end LR', 'the last learning rate (default 1)'],
    ['--steps N', 'training steps from start to end (default 100)'],
    ['--write', 'put the suggestion into the config\'s optimizer.lr'],
  ],
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
      data = await loadConfigData(config, loaded.file, (notice) => process.stderr.write(`${file}: note: ${notice}\n`));
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
    let updated: string;
    try {
      updated = setConfigLearningRate(loaded.source, loaded.file, result.suggestion);
    } catch (error) {
      if (error instanceof ConfigEditError) throw new UserError(`${file}: ${error.message}`);
      throw error;
    }
    const check = parseConfigText(updated, file, { configDir: dirname(loaded.file) });
    const errors = check.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new UserError(`not written: the config would not be valid:\n${errors.map(formatDiagnostic).join('\n')}`);
    await writeFile(loaded.file, updated);
    print(`${file}: optimizer.lr = ${formatLearningRate(result.suggestion)}`);
    return 0;
  },
};
