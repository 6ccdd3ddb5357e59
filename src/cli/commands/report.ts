import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGradNorms, readRunRecord } from '../../node/runFolder';
import { renderReport } from '../../export/report/htmlReport';
import { UserError } from '../../node/configFile';
import type { CliCommand } from '../command';

export const reportCommand: CliCommand = {
  name: 'report',
  usage: 'report RUN_DIR [--out report.html]',
  summary: 'a self-contained HTML report of a run (charts, facts, config)',
  options: [['--out FILE', 'where to write the report (default RUN_DIR/report.html)']],
  async run(args, { print, version }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
    if (positionals.length !== 1) throw new UserError('losslab report needs one run folder');
    const run = await readRunRecord(positionals[0]);
    const out = values.out ?? join(run.folder, 'report.html');
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, renderReport({ ...run, gradNorms: await loadGradNorms(run.folder) }, { version, generatedAt: new Date().toISOString() }));
    print(`${out}: report of ${run.configName || 'run'} ${run.id} (${run.steps.length} steps, ${run.evals.length} evaluations)`);
    return 0;
  },
};
