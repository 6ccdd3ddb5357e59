import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { applyOverrides, formatDiagnostic, parseConfigText } from '../config';
import type { ConfigDiagnostic, LabConfig } from '../config/types';

/** A problem the user can fix, already worded for them; the CLI prints it without a stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

export interface LoadedConfig {
  file: string;
  source: string;
  config: LabConfig;
  warnings: ConfigDiagnostic[];
}

/** Reads, parses and validates a config file; every error becomes one located line of a UserError. */
export async function loadConfigFile(file: string, overrides: Record<string, unknown> = {}): Promise<LoadedConfig> {
  const path = resolve(file);
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a config file' : `cannot be read (${code ?? String(error)})`;
    throw new UserError(`${file}: ${why}`);
  }
  const options = { configDir: dirname(path) };
  const result = Object.keys(overrides).length > 0 ? applyOverrides(source, file, overrides, options) : parseConfigText(source, file, options);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.config || errors.length > 0) {
    throw new UserError(errors.map(formatDiagnostic).join('\n'));
  }
  return { file: path, source, config: result.config, warnings: result.diagnostics.filter((d) => d.severity === 'warning') };
}

export { formatDiagnostic };
