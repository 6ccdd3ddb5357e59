import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { metricRows, toCsv, toJsonl } from '../../export/metrics/metricsTable';
import { loadGradNorms, readRunRecord } from '../../node/runFolder';
import { UserError } from '../../node/configFile';
import type { CliCommand } from '../command';

export const exportMetricsCommand: CliCommand = {
  name: 'export-metrics',
  usage: 'export-metrics RUN_DIR… [--format csv|jsonl] [--grad-norms] [--out FILE]',
  summary: 'one row per (run, step) of every run, val_loss merged by step; stdout unless --out',
  options: [
    ['--format csv|jsonl', 'the output format (default: jsonl when --out ends in .jsonl, csv otherwise)'],
    ['--grad-norms', 'add a grad_norm:<parameter> column per parameter: its pre-clip gradient norm at the step (grad_norms.jsonl)'],
    ['--out FILE', 'write to FILE instead of stdout'],
  ],
  async run(args, { print }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' }, out: { type: 'string' }, 'grad-norms': { type: 'boolean' } } });
    if (positionals.length === 0) throw new UserError('losslab export-metrics needs one or more run folders');
    const format = values.format ?? (values.out?.endsWith('.jsonl') ? 'jsonl' : 'csv');
    if (format !== 'csv' && format !== 'jsonl') throw new UserError(`--format ${format}: expected csv or jsonl`);
    const runs = [];
    for (const folder of positionals) {
      const run = await readRunRecord(folder);
      const gradNorms = values['grad-norms'] ? await loadGradNorms(run.folder) : undefined;
      runs.push({ runId: run.id, configName: run.configName, steps: run.steps, evals: run.evals, gradNorms });
    }
    const rows = metricRows(runs);
    const text = format === 'csv' ? toCsv(rows) : toJsonl(rows);
    if (values.out === undefined) {
      // Waits for the write: the CLI exits right after, and a large export to a pipe may still be in flight.
      await new Promise<void>((done) => process.stdout.write(text, () => done()));
      return 0;
    }
    await mkdir(dirname(values.out), { recursive: true });
    await writeFile(values.out, text);
    print(`${values.out}: ${rows.length} rows from ${runs.length} run${runs.length === 1 ? '' : 's'} (${format})`);
    return 0;
  },
};
