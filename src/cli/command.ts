/** One `losslab` subcommand: its usage line and how it runs; `args` are the words after the command name. */
export interface CliCommand {
  name: string;
  /** Usage line(s) after `losslab `, e.g. `validate CONFIG      check a config …`. */
  usage: string;
  run(args: string[], context: CliContext): Promise<number>;
}

export interface CliContext {
  version: string;
  /** Writes a line to stdout. */
  print(text: string): void;
}
