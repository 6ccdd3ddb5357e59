import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DataError } from '../../engine/data/errors';
import { prepareData } from '../../engine/data/prepare';
import { CHECKED_BACKENDS, DEFAULT_CHECK_TOLERANCE, checkBackends, type BackendCheckRow, type CheckedBackend } from '../../engine/train/backendCheck';
import { UserError, loadConfigFile } from '../../node/configFile';
import { readDatasetFiles } from '../../node/dataFiles';
import type { CliCommand } from '../command';
import { overridesOf } from '../overrides';

const DEFAULT_STEPS = 3;

/** The bundled example checked when no config is given: beside the bundle's folder (dist/), in examples/. */
function defaultConfig(): string {
  const file = join(__dirname, '..', 'examples', 'story.lab.yaml');
  if (!existsSync(file)) throw new UserError('losslab check: the bundled example (examples/story.lab.yaml) is not here; give a CONFIG');
  return file;
}

function backendsOf(values: string[] | undefined): CheckedBackend[] {
  if (!values) return [...CHECKED_BACKENDS];
  const names = values.flatMap((v) => v.split(','));
  for (const name of names) {
    if (!(CHECKED_BACKENDS as readonly string[]).includes(name)) {
      throw new UserError(`--backend ${name}: expected one of ${CHECKED_BACKENDS.join(', ')}`);
    }
  }
  return names as CheckedBackend[];
}

const exp = (x: number | null): string => (x === null ? '' : x.toExponential(1));

/** The table: one row per backend, then a line per backend that disagrees or cannot run. */
function table(rows: readonly BackendCheckRow[]): string[] {
  const header = ['backend', 'result', 'loss Δ (rel)', 'param Δ (rel)', 'tokens/s', 'submits/passes/dispatches per step'];
  const cells = rows.map((r) => [
    r.backend,
    r.status === 'unavailable' ? 'cannot run here' : r.status,
    r.lossMaxAbsDiff === null ? '' : `${exp(r.lossMaxAbsDiff)} (${exp(r.lossRelDiff)})`,
    r.paramMaxAbsDiff === null ? '' : `${exp(r.paramMaxAbsDiff)} (${exp(r.paramRelDiff)})`,
    r.tokensPerSec === null ? '' : r.tokensPerSec.toFixed(0),
    r.gpuWork ? `${r.gpuWork.submits} / ${r.gpuWork.passes} / ${r.gpuWork.dispatches}` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  const notes = rows.flatMap((r) => [
    ...(r.description ? [`${r.backend}: ${r.description}`] : []),
    ...(r.reason ? [`${r.backend}: cannot run here: ${r.reason}`] : []),
    ...(r.selfTestProblem ? [`${r.backend}: the probe step backend: auto runs failed: ${r.selfTestProblem}`] : []),
  ]);
  return [line(header), ...cells.map(line), '', ...notes];
}

export const checkCommand: CliCommand = {
  name: 'check',
  usage: 'check [CONFIG] [--steps N] [--backend NAME] [--tolerance R] [--json]',
  summary: 'train a few steps of a config on each backend that can run here and compare each with the CPU reference',
  options: [
    ['--steps N', `training steps on each backend (default ${DEFAULT_STEPS})`],
    ['--backend NAME', `only these backends (repeatable or comma-separated): ${CHECKED_BACKENDS.join(', ')}; the reference always runs`],
    ['--tolerance R', `largest relative difference of losses and parameters that agrees (default ${DEFAULT_CHECK_TOLERANCE}, as backend: auto)`],
    ['--set KEY=VALUE', 'override any config key, e.g. --set training.batch_size=4 (repeatable)'],
    ['--json', 'print one JSON object instead of the table'],
  ],
  async run(args, { print }) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { steps: { type: 'string' }, backend: { type: 'string', multiple: true }, set: { type: 'string', multiple: true },
        tolerance: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (positionals.length > 1) throw new UserError(`losslab check: unexpected argument "${positionals[1]}"`);
    const steps = values.steps === undefined ? DEFAULT_STEPS : Number(values.steps);
    if (!Number.isInteger(steps) || steps < 1 || steps > 1000) throw new UserError(`--steps ${values.steps}: expected a whole number from 1 to 1000`);
    const tolerance = values.tolerance === undefined ? DEFAULT_CHECK_TOLERANCE : Number(values.tolerance);
    if (!(tolerance >= 0 && tolerance < 1)) throw new UserError(`--tolerance ${values.tolerance}: expected a number from 0 to below 1, e.g. 1e-4`);
    const names = backendsOf(values.backend);
    const file = positionals[0] ?? defaultConfig();
    const { config } = await loadConfigFile(file, overridesOf(undefined, values.set));
    let data;
    try {
      data = prepareData(config, await readDatasetFiles(config));
    } catch (error) {
      if (error instanceof DataError) throw new UserError(`${error.line > 0 ? `${error.file}:${error.line}:${error.column}` : error.file}: error: ${error.reason}`);
      throw error;
    }
    const rows = await checkBackends(config, data, steps, names, tolerance);
    const agree = rows.every((r) => r.status !== 'disagrees');
    if (values.json) {
      print(JSON.stringify({ config: file, steps, tolerance, agree, backends: rows }));
    } else {
      print(`${file}: ${steps} training step${steps === 1 ? '' : 's'} per backend, compared with the CPU reference ` +
        `(tolerance ${tolerance} of the largest loss and parameter)`);
      for (const line of table(rows)) print(line);
      print(agree ? 'every backend that ran agrees with the CPU reference' : 'a backend disagrees with the CPU reference');
    }
    return agree ? 0 : 1;
  },
};
