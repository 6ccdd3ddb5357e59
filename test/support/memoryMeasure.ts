import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfigFile } from '../../src/node/configFile';
import { readDatasetFiles } from '../../src/node/dataFiles';
import { prepareData } from '../../src/engine/data/prepare';
import { dataFacts, estimateRun } from '../../src/node/memoryCheck';
import type { MemoryEstimate } from '../../src/engine/memoryEstimate';
import { ensureBuilt, tempDir } from './cli';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

/** The estimate `losslab train` makes for a config: the data read and tokenized, the vocabulary counted. */
export async function estimateFor(configFile: string, overrides: Record<string, unknown> = {}): Promise<MemoryEstimate> {
  const { config } = await loadConfigFile(configFile, overrides);
  return estimateRun(config, dataFacts(config, prepareData(config, await readDatasetFiles(config))));
}

export interface MeasuredRun {
  /** The process's peak resident set (getrusage's ru_maxrss, all its threads), in bytes. */
  peakBytes: number;
  code: number | null;
  stderr: string;
  seconds: number;
}

/** Runs `losslab ...args` with a preload that writes the process's peak RSS when it exits. */
export function measuredRun(args: string[], cwd: string): MeasuredRun {
  ensureBuilt();
  const dir = tempDir('losslab-memory-');
  const preload = join(dir, 'peak.cjs');
  const report = join(dir, 'peak.txt');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));\n`);
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--require', preload, CLI, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { peakBytes: Number(readFileSync(report, 'utf8')) * 1024, code: result.status, stderr: result.stderr, seconds };
}

/** Peak RSS of `losslab train CONFIG --out TMP -q ...args`. */
export function measuredTrain(configFile: string, args: string[]): MeasuredRun {
  return measuredRun(['train', configFile, '--out', join(tempDir('losslab-memory-'), 'run'), '-q', ...args], dirname(configFile));
}
