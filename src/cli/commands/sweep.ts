import { constants as osConstants } from 'node:os';
import { parseArgs } from 'node:util';
import { UserError, loadConfigFile } from '../../node/configFile';
import { parseMemorySize } from '../../node/memoryCheck';
import { readRunInfo, runsFolder } from '../../node/runFolder';
import {
  ChildTrialRunner, SweepDriver, bestLine, createSweep, describeValues, openSweep, planSweep, sweepTable, type OpenedSweep,
} from '../../node/sweep';
import { latestSweep, trialRunFolder, type SweepSummary, type SweepTrial } from '../../node/sweepFolder';
import { quoteArg } from '../../node/shellWords';
import type { CliCommand } from '../command';
import { overridesOf } from '../overrides';

export const sweepCommand: CliCommand = {
  name: 'sweep',
  usage: 'sweep CONFIG [--parallel N] [--steps N] [--seed N] [--resume SWEEP_DIR | --resume latest]',
  summary: 'train every trial of the config\'s sweep block, each an ordinary run, and print the trials best first',
  options: [
    ['--parallel N', 'trials training at once, each in its own process (overrides sweep.parallel)'],
    ['--steps N', 'override training.steps of every trial'],
    ['--seed N', 'seed of method random\'s draws (overrides sweep.seed)'],
    ['--resume SWEEP_DIR', 'continue a stopped sweep: unfinished trials resume from their checkpoints; "latest" is the config\'s newest sweep'],
    ['--max-memory SIZE', 'the memory the trials training at once must fit in together (default: three quarters of the free memory)'],
    ['-q, --quiet', 'print only the table and errors'],
  ],
  async run(args, { print }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        parallel: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' }, resume: { type: 'string' },
        'max-memory': { type: 'string' }, quiet: { type: 'boolean', short: 'q' },
      },
    });
    if (positionals.length > 1) throw new UserError(`losslab sweep: unexpected argument "${positionals[1]}"`);
    const configArg = positionals[0];
    const parallel = values.parallel === undefined ? undefined : count('--parallel', values.parallel, 1, 64);
    const note = (line: string) => {
      if (!values.quiet) process.stderr.write(`${line}\n`);
    };
    let opened: OpenedSweep;
    if (values.resume !== undefined) {
      if (values.steps !== undefined || values.seed !== undefined) throw new UserError('--resume continues a sweep as it was planned; it cannot be combined with --steps or --seed');
      opened = openSweep(await resumedFolder(values.resume, configArg), { parallel, onNotice: note });
      note(`resuming sweep ${opened.summary.sweep_id}: ${opened.summary.trials.filter((t) => unfinished(t)).length} of ${opened.summary.trials.length} trials left`);
    } else {
      if (configArg === undefined) throw new UserError('losslab sweep needs a config file with a sweep block (*.lab.yaml or *.lab.json)');
      const plan = await planSweep({
        configFile: configArg, overrides: overridesOf(values.steps), parallel,
        seed: values.seed === undefined ? undefined : count('--seed', values.seed, 0, 2147483647),
        maxMemoryBytes: values['max-memory'] === undefined ? undefined : parseMemorySize(values['max-memory']),
      });
      opened = createSweep(plan, note);
      const what = plan.spec.method === 'grid' ? `grid over ${Object.keys(plan.spec.parameters).join(', ')}` : `random draws (seed ${plan.seed}) over ${Object.keys(plan.spec.parameters).join(', ')}`;
      note(`sweep ${opened.summary.sweep_id}: ${plan.trials.length} trials, ${what}; ${plan.parallel} at a time`);
    }
    note(`sweep folder: ${opened.writer.folder}`);
    const summary = await drive(opened, note);
    print(sweepTable(summary));
    print(bestLine(summary));
    if (summary.status === 'stopped') note(`continue: losslab sweep ${quoteArg(opened.configFile)} --resume ${quoteArg(opened.writer.folder)}`);
    if (summary.status === 'finished') return 0;
    return summary.status === 'stopped' && stopSignal !== null ? 128 + osConstants.signals[stopSignal] : 1;
  },
};

let stopSignal: NodeJS.Signals | null = null;

/** Trains the sweep's trials in child processes; the first signal stops them after their step, a second quits at once. */
async function drive(opened: OpenedSweep, note: (line: string) => void): Promise<SweepSummary> {
  const total = opened.summary.trials.length;
  const driver = new SweepDriver(
    opened.writer, opened.summary, { configFile: opened.configFile, runsFolder: runsFolder(opened.configFile, opened.summary.config_name) },
    new ChildTrialRunner(process.argv[1], opened.writer.folder),
    { onChange: (summary, trial) => trial && note(trialLine(summary, trial, total)) },
  );
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopSignal !== null) process.exit(128 + osConstants.signals[signal]);
    stopSignal = signal;
    note(`${signal}: stopping the running trials after their step (another signal quits at once)…`);
    driver.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  const ticker = setInterval(() => {
    const line = runningLine(driver);
    if (line) note(line);
  }, PROGRESS_INTERVAL_MS);
  try {
    return await driver.run();
  } finally {
    clearInterval(ticker);
  }
}

/** How often the steps of the running trials are printed while they train. */
const PROGRESS_INTERVAL_MS = 10_000;

/** "training: trial 2 step 14/60, trial 3 step 9/60", read from the trials' run folders; null when none has a step yet. */
function runningLine(driver: SweepDriver): string | null {
  const parts = driver.state.trials.filter((t) => t.status === 'running').flatMap((trial) => {
    const folder = trialRunFolder(driver.folder, trial);
    try {
      const info = folder ? readRunInfo(folder) : null;
      return info && info.steps_completed > 0 ? [`trial ${trial.index + 1} step ${info.steps_completed}/${info.total_steps}`] : [];
    } catch {
      return [];
    }
  });
  return parts.length > 0 ? `training: ${parts.join(', ')}` : null;
}

/** "trial 2/6 finished: val_loss 2.1034 after 60 steps (optimizer.lr=0.003, schedule.warmup_steps=0)". */
function trialLine(summary: SweepSummary, trial: SweepTrial, total: number): string {
  const result = trial.metric === null ? '' : `: ${summary.metric} ${trial.metric.toFixed(4)} after ${trial.step} steps`;
  const why = trial.status === 'failed' || trial.status === 'pruned' ? ` — ${trial.message ?? ''}` : '';
  return `trial ${trial.index + 1}/${total} ${trial.status}${trial.status === 'running' ? '' : result} (${describeValues(trial.values)})${why}`;
}

function unfinished(trial: SweepTrial): boolean {
  return trial.status === 'pending' || trial.status === 'running' || trial.status === 'stopped';
}

/** `--resume latest` is the config's newest sweep; otherwise the folder given. */
async function resumedFolder(resume: string, configArg: string | undefined): Promise<string> {
  if (resume !== 'latest') return resume;
  if (configArg === undefined) throw new UserError('--resume latest needs the config file: losslab sweep CONFIG --resume latest');
  const { file, config } = await loadConfigFile(configArg);
  const folder = latestSweep(file, config.name);
  if (!folder) throw new UserError(`${configArg}: has no sweep to resume yet; losslab sweep ${quoteArg(configArg)} starts one`);
  return folder;
}

function count(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`${flag} ${text}: expected a whole number from ${min} to ${max}`);
  return n;
}
