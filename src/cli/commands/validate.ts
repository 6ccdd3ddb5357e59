import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfigText } from '../../config';
import { UserError, formatDiagnostic, readConfigSource } from '../../node/configFile';
import { dataFileDiagnostics } from '../../node/dataFiles';
import { loadConfigData } from '../../node/preparedData';
import type { PreparedData } from '../../engine/data/prepare';
import { dataFacts, estimateRun, fitsBudget, formatMemory, keyPosition, largestParts, memoryBudget } from '../../node/memoryCheck';
import { formatTokenizerFacts, tokenizerFacts } from '../../node/tokenizerFacts';
import { userFacing } from '../../node/userFacing';
import type { LabConfig } from '../../config/types';
import type { CliCommand } from '../command';
import { singleConfig } from '../overrides';

export const validateCommand: CliCommand = {
  name: 'validate',
  usage: 'validate CONFIG',
  summary: 'check a config and the data files it names, and print every problem, located',
  options: [],
  async run(args, { print }) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const file = singleConfig('validate', positionals);
    const { path, source } = await readConfigSource(file);
    const result = parseConfigText(source, file, { configDir: dirname(path) });
    const dataProblems = await dataFileDiagnostics(source, file, dirname(path));
    const diagnostics = [...result.diagnostics, ...dataProblems].sort((a, b) => a.offset - b.offset);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    for (const w of diagnostics.filter((d) => d.severity === 'warning')) process.stderr.write(`${formatDiagnostic(w)}\n`);
    if (!result.config || errors.length > 0) throw new UserError(errors.map(formatDiagnostic).join('\n'));
    const memory = await memoryLines(result.config, source, file);
    print(`${file}: ok (${result.config.model.kind}, ${result.config.training.steps} steps)`);
    for (const line of memory.lines) print(line);
    for (const warning of memory.warnings) process.stderr.write(`${file}: warning: ${warning}\n`);
    return 0;
  },
};

/** The memory estimate (the vocabulary counted from the data), its largest parts and what this machine allows now. */
async function memoryLines(config: LabConfig, source: string, file: string): Promise<{ lines: string[]; warnings: string[] }> {
  const data = await loadData(config, source, file);
  const facts = dataFacts(config, data);
  const estimate = estimateRun(config, facts);
  const budget = memoryBudget(config);
  const lines = [
    `vocabulary: ${facts.vocabSize.toLocaleString('en-US')} tokens (${config.data.vocab}), ${facts.dataTokens.toLocaleString('en-US')} tokens of data`,
    formatTokenizerFacts(tokenizerFacts(config, data)),
    `estimated peak memory: ${formatMemory(estimate.peakBytes)} (largest: ${largestParts(estimate)})`,
  ];
  const warnings: string[] = [];
  if (estimate.wasm) lines.push(`cpu backend's WebAssembly memory: ${formatMemory(estimate.wasm.bytes)} of at most ${formatMemory(estimate.wasm.limitBytes)}`);
  if (estimate.gpu) {
    lines.push(`GPU buffers: ${formatMemory(estimate.gpu.bytes)}; the largest is ${estimate.gpu.largestBuffer.tensor}, ${formatMemory(estimate.gpu.largestBuffer.bytes)}`);
    for (const p of estimate.gpu.limitProblems) {
      warnings.push(`${p.tensor} (${formatMemory(p.bytes)}) is above WebGPU's default ${p.limit} of ${formatMemory(p.limitBytes)}: adapters that keep the default refuse it; lower ${p.key}`);
    }
  }
  if (estimate.wasm && estimate.wasm.bytes > estimate.wasm.limitBytes) {
    warnings.push(`train would refuse this run on the cpu backend: its tensors need more than the ${formatMemory(estimate.wasm.limitBytes)} one WebAssembly memory holds`);
  } else if (!fitsBudget(estimate, budget)) {
    warnings.push(`train would refuse this run here: the limit is ${formatMemory(budget.bytes)} (${budget.source})`);
  }
  return { lines, warnings };
}

/** The config's data, read and tokenized as train does; a problem in it is placed at the config key that names the file. */
async function loadData(config: LabConfig, source: string, file: string): Promise<PreparedData> {
  try {
    return await userFacing(async () => loadConfigData(config, file, (notice) => process.stderr.write(`${file}: note: ${notice}\n`)));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const key = error.message.includes('data.vocab_size is') ? 'data.vocab_size' : config.data.val !== null && error.message.includes(config.data.val) ? 'data.val' : 'data.train';
    const at = keyPosition(source, file, key);
    throw new UserError(`${file}:${at.line}:${at.column}: error: ${key}: ${error.message}`);
  }
}
