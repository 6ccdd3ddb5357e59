import { constants as osConstants } from 'node:os';
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES as BACKENDS, type BackendChoice } from '../../config/types';
import { UserError, formatDiagnostic } from '../../node/configFile';
import { gpuFaultFromEnv, injectGpuFault } from '../../node/gpuFault';
import { parseMemorySize } from '../../node/memoryCheck';
import { nonFiniteMessage } from '../../node/runRecorder';
import { resumeSession, startSession, type SessionObserver, type TrainingSession } from '../../node/session';
import type { CliCommand } from '../command';
import { overridesOf, singleConfig } from '../overrides';
import { quoteArg } from '../../node/shellWords';
import { Progress, backendLines } from '../progress';
import { plannedTrials } from '../../config/sweepTrials';
import type { RunSweepTag } from '../../protocol/runInfo';
import { sweepBlockOf } from '../../node/sweep';
import { readSweep } from '../../node/sweepFolder';

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
    ['--max-memory SIZE', 'refuse a run estimated to need more (e.g. 2G, 800M; default: three quarters of the free memory)'],
    ['--stop-after STEP', 'stop cleanly after STEP, as Ctrl-C would; --resume continues the run'],
    ['--sweep SWEEP_DIR --trial N', 'train the trial with index N in SWEEP_DIR/sweep.json (what losslab sweep runs): its values as overrides, named in run.json'],
    ['--driver-pid PID', 'stop cleanly after the step, as Ctrl-C would, once process PID (the losslab sweep that started this run) is no longer its parent'],
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
        'max-memory': { type: 'string' }, 'stop-after': { type: 'string' }, sweep: { type: 'string' }, trial: { type: 'string' },
        'driver-pid': { type: 'string' },
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
    let session = null as TrainingSession | null;
    let stopSignal = null as NodeJS.Signals | null;
    // The first signal stops after the step in progress (run.json then says stopped); a second one quits at once.
    const onStopSignal = (signal: NodeJS.Signals) => {
      if (stopSignal !== null) process.exit(128 + osConstants.signals[signal]);
      stopSignal = signal;
      progress?.message(signal === 'SIGINT' ? 'stopping after this step (Ctrl-C again to quit at once)…' : `${signal}: stopping after this step (another signal quits at once)…`);
      session?.run.stop();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
    const driverPid = values['driver-pid'] === undefined ? undefined : stepNumber('--driver-pid', values['driver-pid']);
    let driverLost = false;
    // A sweep killed outright (SIGKILL) cannot stop its trials: each stops itself once it has been orphaned.
    const stopIfOrphaned = () => {
      if (driverPid === undefined || driverLost || process.ppid === driverPid) return;
      driverLost = true;
      progress?.message(`the sweep (process ${driverPid}) is gone: stopping after this step; losslab sweep --resume continues it`);
      session?.run.stop();
    };
    const fault = values.resume === undefined ? gpuFaultFromEnv(process.env.LOSSLAB_TEST_GPU_FAULT) : null;
    const maxMemoryBytes = values['max-memory'] === undefined ? undefined : parseMemorySize(values['max-memory']);
    const trial = sweepTrialOf(values.sweep, values.trial);
    const common = {
      configFile, overrides: { ...overridesOf(values.steps, values.set), ...trial?.overrides }, backend: backend as BackendChoice | undefined, metricsFile: values.metrics, maxMemoryBytes, version,
      sweep: trial?.tag, stopAfterStep: values['stop-after'] === undefined ? undefined : stepNumber('--stop-after', values['stop-after']),
    };
    const observer: SessionObserver = {
      onStart: (info, loaded, folder) => {
        for (const w of loaded.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
        progress = new Progress(process.stderr, info.total_steps, Boolean(values.quiet));
        for (const line of backendLines(info, Boolean(values.verbose))) progress.message(line);
        progress.message(`run folder: ${folder}`);
        if (values.resume !== undefined) progress.message(`resuming from the checkpoint of step ${info.steps_completed}`);
        const sweep = trial ? null : sweepBlockOf(loaded);
        if (sweep) progress.message(`the config has a sweep block: this run trains the values written in the config; losslab sweep ${quoteArg(configFile)} trains its ${plannedTrials(sweep)} trials`);
      },
      onStep: (m) => {
        progress?.step(m);
        injectGpuFault(fault, m.step);
        stopIfOrphaned();
      },
      onEval: (m) => progress?.evaluation(m),
      onNonFinite: (r) => {
        progress?.message(nonFiniteMessage(r, 'stopped'));
        session?.run.stop();
      },
      onNotice: (message) => {
        if (!values.quiet) process.stderr.write(`${message}\n`);
      },
    };
    session = values.resume !== undefined
      ? await resumeSession({ ...common, runDir: values.resume }, observer)
      : await startSession({
        ...common, outDir: values.out, initFrom: values['init-from'], saveInit: values['save-init'], dumpBatches: values['dump-batches'],
      }, observer);
    // A signal or a non-finite step that came while the session was being set up.
    if (stopSignal !== null || session.run.status === 'paused') session.run.stop();
    stopIfOrphaned();
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
    if (status === 'stopped' && info.steps_completed > 0 && !values.quiet) {
      process.stderr.write(`continue: losslab train ${quoteArg(configFile)} --resume ${quoteArg(session.writer.folder)}\n`);
    }
    if (status === 'finished') return 0;
    return status === 'stopped' && stopSignal !== null ? 128 + osConstants.signals[stopSignal] : 1;
  },
};

/** `--sweep DIR --trial N`: the trial's values from sweep.json as overrides, and run.json's sweep tag. */
function sweepTrialOf(folder: string | undefined, index: string | undefined): { overrides: Record<string, unknown>; tag: RunSweepTag } | null {
  if (folder === undefined && index === undefined) return null;
  if (folder === undefined || index === undefined) throw new UserError('--sweep SWEEP_DIR and --trial N go together: they train trial N of that sweep');
  const summary = readSweep(folder);
  const n = Number(index);
  const trial = summary.trials.find((t) => t.index === n);
  if (!trial) throw new UserError(`--trial ${index}: ${folder} has trials 0 to ${summary.trials.length - 1}`);
  return { overrides: { ...summary.overrides, ...trial.values }, tag: { id: summary.sweep_id, trial: n, values: trial.values } };
}

function stepNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${text}: expected a whole number ≥ 1`);
  return n;
}

/** Signals that ask a training run to stop cleanly: Ctrl-C, kill's default, and a closed terminal. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
