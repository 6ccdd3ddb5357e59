import { copyFile, mkdir, realpath, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { LabConfig } from '../../config/types';
import { CpuBackend } from '../../engine/backends/cpu';
import { BpeVocabulary } from '../../engine/data/bpe/bpeVocabulary';
import { createModel } from '../../engine/nn';
import { loadWeights, readWeights } from '../../engine/train/weights';
import { UserError, loadConfigFile } from '../../node/configFile';
import { loadConfigData } from '../../node/preparedData';
import { readWeightsFile, userFacing, writeWeightsFile } from '../../node/session';
import { torchTrainScript } from './script';

/** What to export: a config (with overrides, as `losslab train` takes them) and optionally other initial weights. */
export interface TorchExportOptions {
  configFile: string;
  overrides?: Record<string, unknown>;
  /** Output folder; default `.losslab/torch/<config name>/` beside the config. */
  outDir?: string;
  /** Initial weights (e.g. a checkpoint) instead of the ones the config's seed gives. */
  initFrom?: string;
  /** Copy data files from outside the config's folder too; without it such a file is refused (the export is meant to be shared). */
  allowOutsideData?: boolean;
  /** Hears what loading the data told the user (a damaged token cache entry rebuilt). */
  onNotice?: (message: string) => void;
}

/** A written export. */
export interface TorchExport {
  folder: string;
  /** Paths relative to `folder`. */
  files: string[];
  config: LabConfig;
  parameters: number;
  /** Where the script cannot follow Loss Lab step for step, in one sentence each. */
  warnings: string[];
}

/**
 * Writes a standalone PyTorch project that reproduces `losslab train CONFIG`: train.py, config.json (the resolved
 * config with data paths relative to it), vocab.json, init.safetensors (the initial weights) and data/ (copies of the
 * dataset files). Data and weights problems are UserErrors.
 */
export async function exportTorch(options: TorchExportOptions): Promise<TorchExport> {
  const loaded = await loadConfigFile(options.configFile, options.overrides);
  const { config } = loaded;
  const data = await userFacing(async () => loadConfigData(config, loaded.file, (notice) => options.onNotice?.(notice)));
  const model = createModel(config.model, data.vocab.size, new CpuBackend(), config.seed);
  if (options.initFrom) {
    const initial = await readWeightsFile(options.initFrom);
    await userFacing(async () => loadWeights(model.params, initial), options.initFrom);
  }
  const folder = resolve(options.outDir ?? join(dirname(loaded.file), '.losslab', 'torch', config.name));
  await mkdir(join(folder, 'data'), { recursive: true });
  const dataFiles = dataCopies(config);
  if (!options.allowOutsideData) await refuseOutsideData(loaded.file, config);
  for (const { from, to } of dataFiles) await copyFile(from, join(folder, to));
  const exported: LabConfig = {
    ...config,
    data: { ...config.data, train: dataFiles[0].to, val: dataFiles[1]?.to ?? null },
  };
  await writeFile(join(folder, 'config.json'), `${JSON.stringify(exported, null, 2)}\n`);
  await writeFile(join(folder, 'vocab.json'), `${JSON.stringify(data.vocab.toJSON())}\n`);
  const tokenizer = data.vocab instanceof BpeVocabulary ? ['tokenizer.json'] : [];
  if (tokenizer.length > 0) await writeFile(join(folder, 'tokenizer.json'), `${JSON.stringify((data.vocab as BpeVocabulary).tokenizerJson())}\n`);
  await writeWeightsFile(join(folder, 'init.safetensors'), await readWeights(model.params), { kind: 'initial weights', config: config.name });
  await writeFile(join(folder, 'train.py'), torchTrainScript(config.name), { mode: 0o755 });
  return {
    folder, config, parameters: model.params.count, warnings: torchWarnings(config),
    files: ['train.py', 'config.json', 'vocab.json', ...tokenizer, 'init.safetensors', ...dataFiles.map((f) => f.to)],
  };
}

/**
 * A data file outside the config's folder (links followed) is copied into the export only when asked: an export is
 * made to be handed on, and a config could name any readable file on this machine.
 */
async function refuseOutsideData(configFile: string, config: LabConfig): Promise<void> {
  const folder = await realpath(dirname(configFile));
  const files = [['data.train', config.data.train], ['data.val', config.data.val]] as const;
  for (const [key, file] of files) {
    if (file === null) continue;
    const inside = relative(folder, await realpath(file).catch(() => resolve(file)));
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new UserError(`${configFile}: ${key}: ${file} is outside the config's folder ${folder}; export-torch copies it into the ` +
        'export only with --allow-outside-data (or move the file beside the config)');
    }
  }
}

/** data/<file name> for the training file and the validation file (renamed when both have the same name). */
function dataCopies(config: LabConfig): { from: string; to: string }[] {
  const train = { from: config.data.train, to: `data/${basename(config.data.train)}` };
  if (config.data.val === null) return [train];
  const name = basename(config.data.val);
  return [train, { from: config.data.val, to: name === basename(config.data.train) ? `data/val-${name}` : `data/${name}` }];
}

function torchWarnings(config: LabConfig): string[] {
  const warnings: string[] = [];
  if (config.model.dropout > 0) {
    warnings.push(`model.dropout is ${config.model.dropout}: train.py draws dropout masks from torch's generator, so its losses follow Loss Lab's closely but not step for step`);
  }
  if (config.model.kind === 'encoder-decoder' && !config.model.bias) {
    warnings.push('model.bias is false: train.py needs torch 2.1 or later for torch.nn.Transformer(bias=False)');
  }
  if (!config.loss.ignore_padding) {
    warnings.push('loss.ignore_padding is false: train.py always leaves pads out of the loss, so its losses differ from this run\'s');
  }
  return warnings;
}
