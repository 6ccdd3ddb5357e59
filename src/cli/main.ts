import { UserError } from '../node/configFile';
import type { CliCommand } from './command';
import { exportMetricsCommand } from './commands/exportMetrics';
import { exportOnnxCommand } from './commands/exportOnnx';
import { exportTorchCommand } from './commands/exportTorch';
import { findLrCommand } from './commands/findLr';
import { generateCommand } from './commands/generate';
import { reportCommand } from './commands/report';
import { scheduleCommand } from './commands/schedule';
import { trainCommand } from './commands/train';
import { validateCommand } from './commands/validate';

declare const LOSSLAB_VERSION: string;

/** Every subcommand; a new one is one more entry here. */
const COMMANDS: readonly CliCommand[] = [
  trainCommand, validateCommand, scheduleCommand,
  exportOnnxCommand,
  generateCommand,
  exportMetricsCommand,
  reportCommand,
  findLrCommand,
  exportTorchCommand,
];

const USAGE = ['Usage:', ...COMMANDS.map((c) => `  losslab ${c.usage}`), '  losslab --version | --help'].join('\n');

async function main(argv: string[]): Promise<number> {
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v') return (print(LOSSLAB_VERSION), 0);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return (print(USAGE), 0);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UserError(`unknown command "${name}"\n${USAGE}`);
  try {
    return await command.run(args, { version: LOSSLAB_VERSION, print });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UserError(`losslab ${name}: ${error.message}\nUsage: losslab ${command.usage}`);
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UserError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(error.exitCode);
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`losslab: internal error: ${message}\n${process.env.LOSSLAB_DEBUG ? (error as Error).stack ?? '' : 'Set LOSSLAB_DEBUG=1 for details.'}\n`);
    process.exit(70);
  },
);
