import { createHash } from 'node:crypto';
import { BpeVocabulary } from '../../engine/data/bpe/bpeVocabulary';
import { parseTokenizerJson, TokenizerJsonError } from '../../engine/data/bpe/tokenizerJson';
import { vocabularyFromJSON, type Vocabulary } from '../../engine/data/vocab';
import { readRegularFile } from '../safeFile';
import { RunFolderError } from './checks';
import { runFile } from './layout';
import { loadRunInfo } from './reader';
import { writeFileAtomic } from './writer';

/** Generous: GPT-2's tokenizer.json is about 2 MB; 65 536 long tokens stay far below this. */
const MAX_TOKENIZER_BYTES = 64 * 1024 ** 2;

function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Writes a run's tokenizer.json (Hugging Face format) where its vocabulary has one (bpe, gpt2) and returns its SHA-256,
 * for run.json; null, and nothing written, for byte, char and word vocabularies.
 */
export function writeRunTokenizer(folder: string, vocab: Vocabulary): string | null {
  if (!(vocab instanceof BpeVocabulary)) return null;
  const text = `${JSON.stringify(vocab.tokenizerJson())}\n`;
  writeFileAtomic(runFile(folder, 'tokenizer'), text);
  return sha256(text);
}

/**
 * A run's tokenizer from its tokenizer.json, checked against run.json: the file's SHA-256 must be the one recorded when
 * the run wrote it and its size the run's vocab_size, so an edited or replaced file is a RunFolderError, not silently
 * different ids. A run without tokenizer.json (byte, char, word, or older runs) is an error saying so.
 */
export async function readRunTokenizer(folder: string): Promise<Vocabulary> {
  const info = await loadRunInfo(folder);
  const file = runFile(folder, 'tokenizer');
  const recorded = info.tokenizer?.sha256 ?? null;
  if (recorded === null) throw new RunFolderError(file, null, `this run's vocabulary (${info.tokenizer?.kind ?? 'recorded before tokenizers'}) has no tokenizer.json; only bpe and gpt2 runs write one`);
  const bytes = await readRegularFile(file, { maxBytes: MAX_TOKENIZER_BYTES, what: 'tokenizer.json' });
  const actual = sha256(bytes);
  if (actual !== recorded) {
    throw new RunFolderError(file, null, `does not match its run: its SHA-256 is ${actual.slice(0, 16)}…, run.json records ${recorded.slice(0, 16)}… (was it edited or replaced?). Restore the file the run wrote; the run's own vocabulary is also in vocab.json and every checkpoint`);
  }
  let parsed;
  try {
    parsed = parseTokenizerJson(JSON.parse(bytes.toString('utf8')));
  } catch (error) {
    if (error instanceof TokenizerJsonError || error instanceof SyntaxError) throw new RunFolderError(file, null, `is not a byte-level BPE tokenizer.json: ${error.message}`);
    throw error;
  }
  const kind = info.tokenizer?.kind === 'gpt2' ? 'gpt2' : 'bpe';
  const vocab = new BpeVocabulary(kind, parsed.model, parsed.extraSpecials);
  if (vocab.size !== info.vocab_size) throw new RunFolderError(file, null, `holds ${vocab.size} tokens but run.json records vocab_size ${info.vocab_size}: it is not this run's tokenizer`);
  return vocab;
}

/** The vocabulary of a run: its tokenizer.json (checked as `readRunTokenizer` does) where it wrote one, else vocab.json. */
export async function readRunVocabulary(folder: string): Promise<Vocabulary> {
  const info = await loadRunInfo(folder);
  if (info.tokenizer?.sha256) return readRunTokenizer(folder);
  const file = runFile(folder, 'vocab');
  const bytes = await readRegularFile(file, { maxBytes: MAX_TOKENIZER_BYTES, what: 'vocab.json' });
  try {
    return vocabularyFromJSON(JSON.parse(bytes.toString('utf8')));
  } catch (error) {
    throw new RunFolderError(file, null, `is not a Loss Lab vocabulary: ${(error as Error).message}`);
  }
}
