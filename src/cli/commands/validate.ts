import { parseArgs } from 'node:util';
import { formatDiagnostic, loadConfigFile } from '../../node/configFile';
import type { CliCommand } from '../command';
import { singleConfig } from '../overrides';

export const validateCommand: CliCommand = {
  name: 'validate',
  usage: 'validate CONFIG',
  summary: 'check a config and print every problem, located',
  options: [],
  async run(args, { print }) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const file = singleConfig('validate', positionals);
    const loaded = await loadConfigFile(file);
    for (const w of loaded.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
    print(`${file}: ok (${loaded.config.model.kind}, ${loaded.config.training.steps} steps)`);
    return 0;
  },
};
