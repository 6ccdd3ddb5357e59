import { parseArgs } from 'node:util';
import { exportTorch } from '../../export/torch/exportTorch';
import type { CliCommand } from '../command';
import { overridesOf, singleConfig } from '../overrides';
import { quoteArg } from '../../node/shellWords';

/**
 * The printed torchrun line. `--redirects 1 --tee 1`: torch 1.13's launcher on Python 3.11 cannot parse its own
 * default of 0. A c10d rendezvous on port 0 (a free port) instead of `--standalone`, which takes 29400 on torch 1.13,
 * so two exports can train at once.
 */
export function torchrunCommand(script: string): string {
  return `torchrun --nproc_per_node N --rdzv_backend c10d --rdzv_endpoint localhost:0 --redirects 1 --tee 1 ${script}`;
}

export const exportTorchCommand: CliCommand = {
  name: 'export-torch',
  usage: 'export-torch CONFIG [--out DIR] [--init-from F.safetensors] [--steps N] [--set KEY=VALUE]… [--allow-outside-data]',
  summary: 'write a standalone PyTorch train.py (torchrun-ready) that reproduces the run, with its data and initial weights',
  options: [
    ['--out DIR', 'the export folder (default .losslab/torch/NAME beside the config)'],
    ['--init-from F.safetensors', 'start from these weights instead of the ones the config\'s seed gives'],
    ['--steps N', 'override training.steps'],
    ['--set KEY=VALUE', 'override any config key (repeatable)'],
    ['--allow-outside-data', 'also copy data files from outside the config\'s folder into the export'],
  ],
  async run(args, { print }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' }, 'init-from': { type: 'string' }, steps: { type: 'string' }, set: { type: 'string', multiple: true },
        'allow-outside-data': { type: 'boolean' },
      },
    });
    const result = await exportTorch({
      configFile: singleConfig('export-torch', positionals), overrides: overridesOf(values.steps, values.set),
      outDir: values.out, initFrom: values['init-from'], allowOutsideData: values['allow-outside-data'],
      onNotice: (notice) => process.stderr.write(`note: ${notice}\n`),
    });
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    const script = quoteArg(`${result.folder}/train.py`);
    print(`${result.folder}: ${result.files.join(', ')} (${result.parameters.toLocaleString('en-US')} parameters)`);
    print(`run it with: python3 ${script}`);
    print(`or on N processes: ${torchrunCommand(script)}`);
    return 0;
  },
};
