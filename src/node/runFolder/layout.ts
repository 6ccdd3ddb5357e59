import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** The files of a run folder, by what they hold; nothing outside this module spells these names. */
export const RUN_FILES = {
  info: 'run.json',
  metrics: 'metrics.jsonl',
  gradNorms: 'grad_norms.jsonl',
  config: 'config.json',
  configSource: 'config.source.txt',
  vocab: 'vocab.json',
  tokenizer: 'tokenizer.json',
  lock: 'run.lock',
  checkpoints: 'checkpoints',
  finalCheckpoint: 'checkpoints/final.safetensors',
  onnx: 'model.onnx',
} as const;

export type RunFileKey = keyof typeof RUN_FILES;

/** The path of one of a run folder's files. */
export function runFile(folder: string, key: RunFileKey): string {
  return join(folder, RUN_FILES[key]);
}

/** The folder of a config's runs: `.losslab/runs/<config name>/` beside the config file. */
export function runsFolder(configFile: string, configName: string): string {
  return join(dirname(configFile), '.losslab', 'runs', configName);
}

/**
 * The folder of a config's runs as losslab.runFolder places them: `.losslab/runs/<name>/` beside the config when the
 * setting is empty, else `<runFolder>/<name>/` with a relative runFolder resolved against the config's folder.
 */
export function runsFolderFor(configFile: string, configName: string, runFolderSetting: string): string {
  const custom = runFolderSetting.trim();
  return custom ? join(resolve(dirname(configFile), custom), configName) : runsFolder(configFile, configName);
}

/** Sortable, unique enough for one person's runs: 20261129-031502-3fa2. */
export function newRunId(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}

/** Run ids (folder names) in a runs folder, oldest first; none when the folder does not exist. */
export function listRunIds(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** listRunIds without blocking the caller's thread (the extension host). */
export async function listRunIdsAsync(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
