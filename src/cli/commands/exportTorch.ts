import { parseArgs } from 'node:util';
import { exportTorch } from '../../export/torch/exportTorch';
import type { CliCommand } from '../command';
import { overridesOf, singleConfig } from '../overrides';

export const exportTorchCommand: CliCommand = {
  name: 'export-torch',
  usage: `export-torch CONFIG [--out DIR] [--init-from F.safetensors] [--steps N] [--set KEY=VALUE]…
               write a standalone PyTorch train.py (torchrun-ready) that reproduces the run`,
  async run(args, { print }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string' }, 'init-from': { type: 'string' }, steps: { type: 'string' }, set: { type: 'string', multiple: true } },
    });
    const result = await exportTorch({
      configFile: singleConfig('export-torch', positionals), overrides: overridesOf(values.steps, values.set),
      outDir: values.out, initFrom: values['init-from'],
    });
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    const script = `${result.folder}/train.py`;
    print(`${result.folder}: ${result.files.join(', ')} (${result.parameters.toLocaleString('en-US')} parameters)`);
    print(`run it with: python3 ${script}`);
    print(`or on N processes: torchrun --nproc_per_node N ${script}`);
    return 0;
  },
};
