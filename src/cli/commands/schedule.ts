import { parseArgs } from 'node:util';
import { scheduleCurve } from '../../engine/optim/schedule';
import { loadConfigFile } from '../../node/configFile';
import type { CliCommand } from '../command';
import { overridesOf, singleConfig } from '../overrides';

const LINES_PER_WRITE = 10_000;

export const scheduleCommand: CliCommand = {
  name: 'schedule',
  usage: 'schedule CONFIG [--steps N] [--set KEY=VALUE]…',
  summary: 'print the learning rate of every step without training',
  options: [
    ['--steps N', 'override training.steps'],
    ['--set KEY=VALUE', 'override any config key, e.g. --set schedule.warmup_steps=10 (repeatable)'],
  ],
  async run(args, { print }) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true, options: { steps: { type: 'string' }, set: { type: 'string', multiple: true } },
    });
    const { config } = await loadConfigFile(singleConfig('schedule', positionals), overridesOf(values.steps, values.set));
    const curve = scheduleCurve(config.training.steps, config.optimizer.lr, config.schedule);
    print('step\tlr');
    // In blocks, each written before the next is built: ten million steps would otherwise be one 2 GB string.
    for (let start = 0; start < curve.length; start += LINES_PER_WRITE) {
      const block = Array.from(curve.subarray(start, start + LINES_PER_WRITE), (lr, i) => `${start + i + 1}\t${lr}\n`).join('');
      await new Promise<void>((resolve, reject) => process.stdout.write(block, (error) => (error ? reject(error) : resolve())));
    }
    return 0;
  },
};
