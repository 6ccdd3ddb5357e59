import { UserError } from '../node/configFile';
import { commandHelp, wantsHelp, type CliCommand } from './command';
import { checkCommand } from './commands/check';
import { exportMetricsCommand } from './commands/exportMetrics';
import { exportOnnxCommand } from './commands/exportOnnx';
import { exportTorchCommand } from './commands/exportTorch';
import { findLrCommand } from './commands/findLr';
import { generateCommand } from './commands/generate';
import { reportCommand } from './commands/report';
import { scheduleCommand } from './commands/schedule';
import { sweepCommand } from './commands/sweep';
import { trainCommand } from './commands/train';
import { tokenizeCommand } from './commands/tokenize';
import { validateCommand } from './commands/validate';
import { fileSystemUserError } from './fsErrors';

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
  sweepCommand,
  checkCommand,
  tokenizeCommand,
];

const USAGE = [
  'Usage:',
  ...COMMANDS.map((c) => `  losslab ${c.usage}\n      ${c.summary}`),
  '  losslab --version | --help',
  '',
  'losslab COMMAND --help (or losslab help COMMAND) prints that command\'s options.',
].join('\n');

function commandNamed(name: string): CliCommand {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UserError(`losslab: unknown command "${name}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')} (losslab --help describes them)`);
  return command;
}

async function main(argv: string[]): Promise<number> {
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v') return (print(LOSSLAB_VERSION), 0);
  if (name === undefined || name === '--help' || name === '-h') return (print(USAGE), 0);
  if (name === 'help') {
    if (args.length > 1) throw new UserError(`losslab help: expected at most one command name, got ${args.length}`);
    return (print(args.length === 0 ? USAGE : commandHelp(commandNamed(args[0]))), 0);
  }
  const command = commandNamed(name);
  if (wantsHelp(args)) return (print(commandHelp(command)), 0);
  try {
    return await command.run(args, { version: LOSSLAB_VERSION, print });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UserError(`losslab ${name}: ${error.message}\nUsage: losslab ${command.usage}\n(losslab ${name} --help lists the options)`);
    }
    throw fileSystemUserError(error) ?? error;
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
