// Reading run folders and running the CLI from inside the extension host (which is Node, or Electron as Node).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETERMINISTIC_FIELDS, type StepMetrics } from '../../../src/engine/train/metrics';
import { readMetrics } from '../../../src/node/runFolder';
import type { RunInfo } from '../../../src/protocol/runInfo';

export { readMetrics };

export function readRunInfo(folder: string): RunInfo {
  return JSON.parse(readFileSync(join(folder, 'run.json'), 'utf8')) as RunInfo;
}

/** The fields of a step that depend only on config and seed (not on timing). */
export function deterministicPart(step: StepMetrics): Pick<StepMetrics, (typeof DETERMINISTIC_FIELDS)[number]> {
  const { step: index, loss, lr, grad_norm, grad_norm_clipped, tokens } = step;
  return { step: index, loss, lr, grad_norm, grad_norm_clipped, tokens };
}

/** Runs `losslab train CONFIG --out OUT --quiet` with the extension's bundled CLI; resolves with its exit code and stderr. */
export function trainWithCli(extensionPath: string, configFile: string, outDir: string): Promise<{ code: number; stderr: string }> {
  // In desktop VS Code process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  const args = [join(extensionPath, 'dist', 'cli.js'), 'train', configFile, '--out', outDir, '--quiet'];
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, args, { env, timeout: 120_000 }, (error, _stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`losslab train did not run: ${error.message}\n${stderr}`));
      else resolve({ code: child.exitCode ?? 0, stderr });
    });
  });
}
