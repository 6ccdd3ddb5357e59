import type { LabConfig } from '../../config/types';
import { datasetTexts, type DatasetText } from './datasets';

/**
 * The training texts a vocabulary is built from. byte, char and word take the whole training file, held-out part
 * included (nanoGPT's convention; it only names which symbols exist). bpe learns from frequencies, so it sees only
 * the part that trains: with val_fraction, the first examples of lines and pairs exactly as the split keeps them, and
 * of a stream the text before the same share of characters (the split itself counts tokens, which need the BPE).
 */
export function vocabularyTexts(config: LabConfig, parsed: DatasetText): string[] {
  const heldOut = config.data.val === null ? config.data.val_fraction : 0;
  if (config.data.vocab !== 'bpe' || heldOut === 0) return datasetTexts(parsed);
  const kept = (size: number): number => size - Math.round(size * heldOut);
  if (parsed.kind === 'lines') return parsed.lines.slice(0, kept(parsed.lines.length)).map((l) => l.text);
  if (parsed.kind === 'pairs') return parsed.pairs.slice(0, kept(parsed.pairs.length)).flatMap((p) => [p.source, p.target]);
  let end = kept(parsed.text.length);
  // Never end between the two halves of a surrogate pair.
  if (end > 0 && /[\uD800-\uDBFF]/.test(parsed.text[end - 1])) end--;
  return [parsed.text.slice(0, end)];
}
