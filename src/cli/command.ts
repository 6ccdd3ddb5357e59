/** One `losslab` subcommand: its usage, its help and how it runs; `args` are the words after the command name. */
export interface CliCommand {
  name: string;
  /** The synopsis after `losslab `, e.g. `validate CONFIG`. */
  usage: string;
  /** What the command does, in one line. */
  summary: string;
  /** One entry per option: how it is written (with its argument) and what it does, in one line. */
  options: readonly (readonly [flag: string, help: string])[];
  run(args: string[], context: CliContext): Promise<number>;
}

export interface CliContext {
  version: string;
  /** Writes a line to stdout. */
  print(text: string): void;
}

/** `losslab CMD --help`: the synopsis, what it does and one line per option. */
export function commandHelp(command: CliCommand): string {
  const options = [...command.options, ['-h, --help', 'print this help and exit'] as const];
  const width = Math.max(...options.map(([flag]) => flag.length));
  return [
    `Usage: losslab ${command.usage}`,
    '',
    command.summary,
    '',
    'Options:',
    ...options.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`),
  ].join('\n');
}

/** Whether the words ask for help (`--help` or `-h` before any `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}
