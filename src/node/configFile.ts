import { dirname, resolve } from 'node:path';
import { applyOverrides, formatDiagnostic, parseConfigText } from '../config';
import { MAX_CONFIG_CHARS } from '../config/sourceMap';
import type { ConfigDiagnostic, LabConfig } from '../config/types';
import { readRegularFile } from './safeFile';
import { UserError } from './userError';

/** A config is refused before it is read when its bytes alone exceed the parser's character limit. */
export const MAX_CONFIG_BYTES = MAX_CONFIG_CHARS;

export { UserError };

export interface LoadedConfig {
  file: string;
  source: string;
  config: LabConfig;
  warnings: ConfigDiagnostic[];
}

/**
 * The text of a config file and its absolute path. Only a regular file of at most MAX_CONFIG_BYTES is read (a FIFO,
 * a device or a folder is refused at once); errors are UserErrors that name the file as given.
 */
export async function readConfigSource(file: string): Promise<{ path: string; source: string }> {
  const path = resolve(file);
  const bytes = await readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES, what: 'config file' });
  return { path, source: bytes.toString('utf8') };
}

/** Reads, parses and validates a config file; every error becomes one located line of a UserError. */
export async function loadConfigFile(file: string, overrides: Record<string, unknown> = {}): Promise<LoadedConfig> {
  const { path, source } = await readConfigSource(file);
  const options = { configDir: dirname(path) };
  const result = Object.keys(overrides).length > 0 ? applyOverrides(source, file, overrides, options) : parseConfigText(source, file, options);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.config || errors.length > 0) {
    throw new UserError(errors.map(formatDiagnostic).join('\n'));
  }
  return { file: path, source, config: result.config, warnings: result.diagnostics.filter((d) => d.severity === 'warning') };
}

export { formatDiagnostic };
