import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../config';
import type { BackendChoice } from '../config/types';
import { scheduleCurve } from '../engine/optim/schedule';
import { UserError, loadConfigFile } from '../node/configFile';
import { startSession } from '../node/session';
import { Progress } from './progress';

declare const LOSSLAB_VERSION: string;

const USAGE = `Usage:
  losslab train CONFIG [--steps N] [--set KEY=VALUE]… [--backend auto|cpu|webgpu] [--out DIR] [--metrics FILE]
                       [--init-from F.safetensors] [--save-init F.safetensors] [--dump-batches F.safetensors] [--quiet]
  losslab validate CONFIG      check a config and print every problem, located
  losslab schedule CONFIG      print the learning rate of every step without training
  losslab --version | --help`;

const BACKENDS: readonly BackendChoice[] = ['auto', 'cpu', 'webgpu'];

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      steps: { type: 'string' }, set: { type: 'string', multiple: true }, backend: { type: 'string' }, out: { type: 'string' }, metrics: { type: 'string' },
      'init-from': { type: 'string' }, 'save-init': { type: 'string' }, 'dump-batches': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) return print(LOSSLAB_VERSION);
  const [command, configFile, ...extra] = positionals;
  if (values.help || !command) return print(USAGE);
  if (!['train', 'validate', 'schedule'].includes(command)) throw new UserError(`unknown command "${command}"\n${USAGE}`);
  if (!configFile) throw new UserError(`losslab ${command} needs a config file (*.lab.yaml or *.lab.json)\n${USAGE}`);
  if (extra.length > 0) throw new UserError(`unexpected argument "${extra[0]}"\n${USAGE}`);

  if (command === 'validate') {
    const loaded = await loadConfigFile(configFile);
    for (const w of loaded.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
    return print(`${configFile}: ok (${loaded.config.model.kind}, ${loaded.config.training.steps} steps)`);
  }
  if (command === 'schedule') {
    const { config } = await loadConfigFile(configFile, overridesOf(values.steps, values.set));
    const curve = scheduleCurve(config.training.steps, config.optimizer.lr, config.schedule);
    return print(['step\tlr', ...Array.from(curve, (lr, i) => `${i + 1}\t${lr}`)].join('\n'));
  }

  const backend = values.backend;
  if (backend !== undefined && !BACKENDS.includes(backend as BackendChoice)) {
    throw new UserError(`--backend ${backend}: expected one of ${BACKENDS.join(', ')}`);
  }
  let progress = null as Progress | null;
  const session = await startSession({
    configFile, overrides: overridesOf(values.steps, values.set), backend: backend as BackendChoice | undefined, outDir: values.out,
    metricsFile: values.metrics, initFrom: values['init-from'], saveInit: values['save-init'],
    dumpBatches: values['dump-batches'], version: LOSSLAB_VERSION,
  }, {
    onStart: (info, loaded, folder) => {
      for (const w of loaded.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
      progress = new Progress(process.stderr, info.total_steps, Boolean(values.quiet));
      progress.message(`${info.name}: ${info.parameters.toLocaleString('en-US')} parameters on ${info.backend.description} (${info.backend.reason})`);
      progress.message(`run folder: ${folder}`);
    },
    onStep: (m) => progress?.step(m),
    onEval: (m) => progress?.evaluation(m),
    onNonFinite: (r) => {
      progress?.message(`step ${r.step}: ${r.parameter ? `the gradient of ${r.parameter}` : 'the loss'} is not finite (loss ${r.loss}); stopping`);
      session.run.stop();
    },
  });
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    progress?.message('stopping after this step (Ctrl-C again to quit at once)…');
    session.run.stop();
  });
  const status = await session.done;
  progress?.end();
  const info = session.writer.info;
  const summary = `${status}: ${info.steps_completed}/${info.total_steps} steps, loss ${info.final_loss?.toFixed(4) ?? '–'}` +
    (info.final_val_loss !== null ? `, val_loss ${info.final_val_loss.toFixed(4)}` : '') + `, run folder ${session.writer.folder}`;
  if (!values.quiet) process.stderr.write(`${summary}\n`);
  return status === 'finished' ? 0 : status === 'stopped' && interrupts > 0 ? 130 : 1;
}

/** `--set optimizer.lr=0.001` pairs plus `--steps N`; values are checked by the schema like the file's own. */
function overridesOf(steps: string | undefined, assignments: string[] = []): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const match = /^([A-Za-z_][\w.]*)=(.*)$/s.exec(assignment);
    if (!match) throw new UserError(`--set ${assignment}: expected KEY=VALUE with a dotted key, e.g. --set optimizer.lr=0.001`);
    overrides[match[1]] = match[2];
  }
  if (steps !== undefined) {
    const n = Number(steps);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--steps ${steps}: expected a whole number ≥ 1`);
    overrides['training.steps'] = n;
  }
  return overrides;
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
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
