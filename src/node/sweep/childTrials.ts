import { spawn } from 'node:child_process';
import type { TrialLaunch, TrialRun, TrialRunner } from './driver';

/** The last part of a trial's stderr kept for its failure message. */
const MAX_STDERR_CHARS = 4000;

/**
 * Trains each trial as `losslab train CONFIG --sweep DIR --trial N` in its own process: the very command a user runs
 * (the values come from sweep.json, as `--set` would give them). Each child has its own process group, so a terminal's
 * Ctrl-C reaches only the sweep, which stops every trial once (SIGTERM: after its step, resumable); a sweep killed
 * outright leaves its trials orphaned, and each stops itself after its step (--driver-pid), as resumable.
 */
export class ChildTrialRunner implements TrialRunner {
  constructor(private readonly cliScript: string, private readonly sweepFolder: string) {}

  start(launch: TrialLaunch): TrialRun {
    const args = [
      this.cliScript, 'train', launch.configFile, ...(launch.resume ? ['--resume', launch.runDir] : ['--out', launch.runDir]),
      '--sweep', this.sweepFolder, '--trial', String(launch.index), '--driver-pid', String(process.pid), '--quiet', ...(launch.stopAfterStep !== undefined ? ['--stop-after', String(launch.stopAfterStep)] : []),
    ];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS)));
    const done = new Promise<string | null>((resolve) => {
      child.on('error', (error) => resolve(`could not start losslab train: ${error.message}`));
      child.on('close', (code, signal) => resolve(code === 0 ? null : stderr.trim() || `losslab train ended with ${signal ?? `exit code ${code}`}`));
    });
    let stopped = false;
    return {
      stop: () => {
        if (stopped || child.exitCode !== null) return;
        stopped = true;
        child.kill('SIGTERM');
      },
      done,
    };
  }
}
