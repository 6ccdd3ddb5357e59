import type { LabConfig } from '../../config/types';
import { datasetTexts, parseGptText, parsePairs, splitDataset, tokenizeDataset, type Dataset, type DatasetText } from './datasets';
import { buildVocabulary, type Vocabulary } from './vocab';

/** The contents (not paths) of the dataset files named in a config; `val` is null when the config has no data.val. */
export interface DatasetFiles {
  train: string;
  val: string | null;
}

/** A config's data, tokenized and split, with the vocabulary it was tokenized with. */
export interface PreparedData {
  vocab: Vocabulary;
  train: Dataset;
  val: Dataset;
}

function parseForModel(config: LabConfig, contents: string, file: string): DatasetText {
  return config.model.kind === 'gpt'
    ? parseGptText(contents, file, config.data.sequences)
    : parsePairs(contents, file, config.data.format);
}

/**
 * Parses and tokenizes a config's datasets. The vocabulary comes from the training file only (all of it, also the
 * part held out by val_fraction, as nanoGPT does); a separate val file's unseen symbols become `<unk>`. Errors are
 * DataErrors naming the config's file paths.
 */
export function prepareData(config: LabConfig, files: DatasetFiles): PreparedData {
  const trainText = parseForModel(config, files.train, config.data.train);
  const vocab = buildVocabulary(config.data.vocab, datasetTexts(trainText));
  const fullTrain = tokenizeDataset(trainText, vocab);
  const valPath = config.data.val;
  if (valPath === null) return { vocab, ...splitDataset(fullTrain, config.data.val_fraction) };
  if (files.val === null) throw new Error(`prepareData: the config names data.val (${valPath}) but its contents were not given`);
  const val = tokenizeDataset(parseForModel(config, files.val, valPath), vocab);
  return { vocab, train: fullTrain, val };
}
