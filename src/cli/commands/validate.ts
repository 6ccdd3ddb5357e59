import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfigText } from '../../config';
import { UserError, formatDiagnostic, readConfigSource } from '../../node/configFile';
import { dataFileDiagnostics } from '../../node/dataFiles';
import type { CliCommand } from '../command';
import { singleConfig } from '../overrides';

export const validateCommand: CliCommand = {
  name: 'validate',
  usage: 'validate CONFIG',
  summary: 'check a config and the data files it names, and print every problem, located',
  options: [],
  async run(args, { print }) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const file = singleConfig('validate', positionals);
    const { path, source } = await readConfigSource(file);
    const result = parseConfigText(source, file, { configDir: dirname(path) });
    const dataProblems = await dataFileDiagnostics(source, file, dirname(path));
    const diagnostics = [...result.diagnostics, ...dataProblems].sort((a, b) => a.offset - b.offset);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    for (const w of diagnostics.filter((d) => d.severity === 'warning')) process.stderr.write(`${formatDiagnostic(w)}\n`);
    if (!result.config || errors.length > 0) throw new UserError(errors.map(formatDiagnostic).join('\n'));
    print(`${file}: ok (${result.config.model.kind}, ${result.config.training.steps} steps)`);
    return 0;
  },
};
