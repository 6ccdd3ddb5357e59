import type { LabConfig } from '../../config/types';
import { parseGptText, parsePairs, splitDataset, tokenizeDataset, type Dataset, type DatasetText } from './datasets';
import { buildVocabulary, type Vocabulary } from './vocab';
import { vocabularyTexts } from './vocabularyTexts';

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

/** A config's data tokenized but not yet split: what the token cache stores. `val` is the data.val file's, if any. */
export interface TokenizedData {
  vocab: Vocabulary;
  train: Dataset;
  val: Dataset | null;
}

/**
 * Parses and tokenizes a config's datasets. The vocabulary comes from the training file only (all of it, also the
 * part held out by val_fraction, as nanoGPT does); a separate val file's unseen symbols become `<unk>`. Errors are
 * DataErrors naming the config's file paths.
 */
export function tokenizeData(config: LabConfig, files: DatasetFiles): TokenizedData {
  const trainText = parseForModel(config, files.train, config.data.train);
  const vocab = buildVocabulary(config.data.vocab, vocabularyTexts(config, trainText), { vocabSize: config.data.vocab_size, file: config.data.train });
  const train = tokenizeDataset(trainText, vocab);
  const valPath = config.data.val;
  if (valPath === null) return { vocab, train, val: null };
  if (files.val === null) throw new Error(`prepareData: the config names data.val (${valPath}) but its contents were not given`);
  return { vocab, train, val: tokenizeDataset(parseForModel(config, files.val, valPath), vocab) };
}

/** The training and validation sets of tokenized data: data.val's file, or the last val_fraction held out (views, no copies). */
export function splitTokenized(config: LabConfig, tokenized: TokenizedData): PreparedData {
  const { vocab, train, val } = tokenized;
  if (config.data.val !== null && val === null) throw new Error(`prepareData: the config names data.val (${config.data.val}) but no val data was tokenized`);
  return val === null ? { vocab, ...splitDataset(train, config.data.val_fraction) } : { vocab, train, val };
}

/** Parses, tokenizes and splits a config's datasets (see `tokenizeData`). */
export function prepareData(config: LabConfig, files: DatasetFiles): PreparedData {
  return splitTokenized(config, tokenizeData(config, files));
}
