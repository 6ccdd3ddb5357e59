import { parseArgs } from 'node:util';
import { BACKEND_CHOICES as BACKENDS, type BackendChoice } from '../../config/types';
import { UserError, formatDiagnostic } from '../../node/configFile';
import { gpuFaultFromEnv, injectGpuFault } from '../../node/gpuFault';
import { resumeSession, startSession, type SessionObserver } from '../../node/session';
import type { CliCommand } from '../command';
import { overridesOf, singleConfig } from '../overrides';
import { Progress, backendLines } from '../progress';

export const trainCommand: CliCommand = {
  name: 'train',
  usage: 'train CONFIG [--steps N] [--backend NAME] [--out DIR] [--resume RUN_DIR] [options]',
  summary: 'train the config\'s model into a new run folder, or continue a stopped or crashed run with --resume',
  options: [
    ['--steps N', 'override training.steps'],
    ['--set KEY=VALUE', 'override any config key, e.g. --set optimizer.lr=0.001 (repeatable)'],
    ['--backend NAME', `override the config's backend: ${BACKENDS.join(', ')} (cpu-reference is the slow reference)`],
    ['--out DIR', 'the run folder (default .losslab/runs/NAME/RUN_ID beside the config)'],
    ['--metrics FILE', 'also append every metrics line to FILE'],
    ['--init-from F.safetensors', 'start from these weights instead of a random initialisation'],
    ['--save-init F.safetensors', 'write the initial weights to F'],
    ['--dump-batches F.safetensors', 'write every batch the run used to F'],
    ['--resume RUN_DIR', 'continue RUN_DIR from its newest complete checkpoint'],
    ['-q, --quiet', 'print nothing but errors'],
    ['--verbose', 'also print why the backend was chosen and the GPU adapter'],
  ],
  async run(args, { version }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        steps: { type: 'string' }, set: { type: 'string', multiple: true }, backend: { type: 'string' }, out: { type: 'string' },
        metrics: { type: 'string' }, 'init-from': { type: 'string' }, 'save-init': { type: 'string' },
        'dump-batches': { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, resume: { type: 'string' }, verbose: { type: 'boolean' },
      },
    });
    const configFile = singleConfig('train', positionals);
    const backend = values.backend;
    if (backend !== undefined && !BACKENDS.includes(backend as BackendChoice)) {
      throw new UserError(`--backend ${backend}: expected one of ${BACKENDS.join(', ')}`);
    }
    const fresh = (['out', 'init-from', 'save-init', 'dump-batches'] as const).filter((k) => values[k] !== undefined);
    if (values.resume !== undefined && fresh.length > 0) {
      throw new UserError(`--resume continues a run in its own folder from its checkpoint; it cannot be combined with --${fresh.join(', --')}`);
    }
    let progress = null as Progress | null;
    const fault = values.resume === undefined ? gpuFaultFromEnv(process.env.LOSSLAB_TEST_GPU_FAULT) : null;
    const common = { configFile, overrides: overridesOf(values.steps, values.set), backend: backend as BackendChoice | undefined, metricsFile: values.metrics, version };
    const observer: SessionObserver = {
      onStart: (info, loaded, folder) => {
        for (const w of loaded.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
        progress = new Progress(process.stderr, info.total_steps, Boolean(values.quiet));
        for (const line of backendLines(info, Boolean(values.verbose))) progress.message(line);
        progress.message(`run folder: ${folder}`);
        if (values.resume !== undefined) progress.message(`resuming from the checkpoint of step ${info.steps_completed}`);
      },
      onStep: (m) => {
        progress?.step(m);
        injectGpuFault(fault, m.step);
      },
      onEval: (m) => progress?.evaluation(m),
      onNonFinite: (r) => {
        progress?.message(`step ${r.step}: ${r.parameter ? `the gradient of ${r.parameter}` : 'the loss'} is not finite (loss ${r.loss}); stopping`);
        session.run.stop();
      },
    };
    const session = values.resume !== undefined
      ? await resumeSession({ ...common, runDir: values.resume }, observer)
      : await startSession({
        ...common, outDir: values.out, initFrom: values['init-from'], saveInit: values['save-init'], dumpBatches: values['dump-batches'],
      }, observer);
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
    // A GPU failure pauses the run whatever --quiet says: the sentence names the step and the checkpoint to go on from.
    if (status === 'paused' && info.gpu_failure) {
      process.stderr.write(`${info.message ?? 'the GPU failed; the run paused'}\n` +
        `continue on the CPU: losslab train ${quoteArg(configFile)} --resume ${quoteArg(session.writer.folder)} --backend cpu\n`);
    }
    return status === 'finished' ? 0 : status === 'stopped' && interrupts > 0 ? 130 : 1;
  },
};

/** An argument as a shell needs it: quoted when it holds anything but safe path characters. */
function quoteArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
