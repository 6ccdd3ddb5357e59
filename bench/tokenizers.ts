// Subword tokenizer figures: bytes per token on held-out prose, BPE training time and encoding speed against the
// libraries. Run: node --import tsx bench/tokenizers.ts. The corpus is varied real text at hand: the installed
// packages' Markdown, type declarations and JavaScript, in path order (the generated stories support only ~560 tokens).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as TransformersJsTokenizer } from '@huggingface/tokenizers';
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import type { BpeVocabulary } from '../src/engine/data/bpe/bpeVocabulary';
import { buildVocabulary } from '../src/engine/data/vocab';

const LICENSES = '/usr/share/common-licenses/';
const read = (names: string[]): string[] => names.map((name) => readFileSync(LICENSES + name, 'utf8'));
const utf8Bytes = (texts: string[]): number => texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const seconds = (start: number): number => (performance.now() - start) / 1000;

const train = read(['GPL-2', 'GPL-3', 'LGPL-2.1', 'GFDL-1.3']);
const heldOut = read(['Apache-2.0', 'MPL-2.0', 'Artistic', 'BSD', 'CC0-1.0']);
const heldBytes = utf8Bytes(heldOut);
console.log(`held-out prose: ${heldOut.length} licenses, ${heldBytes} bytes; BPE trained on ${train.length} others, ${utf8Bytes(train)} bytes`);
for (const [kind, size] of [['byte', 0], ['bpe', 512], ['bpe', 2048], ['bpe', 4096], ['gpt2', 0]] as const) {
  const vocab = buildVocabulary(kind, train, { vocabSize: size });
  const tokens = heldOut.reduce((n, t) => n + vocab.encode(t).length, 0);
  console.log(`  ${kind}${size ? ` ${size}` : ''}: ${(heldBytes / tokens).toFixed(2)} bytes per token`);
}

function packageText(limitBytes: number): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(md|d\.ts|js)$/.test(entry.name) && statSync(path).size > 2048) files.push(path);
    }
  };
  walk('node_modules');
  const parts: string[] = [];
  let bytes = 0;
  for (const file of files) {
    if (bytes >= limitBytes) break;
    const text = readFileSync(file, 'utf8');
    parts.push(text);
    bytes += Buffer.byteLength(text);
  }
  return parts.join('\n');
}

const base = packageText(40e6);
for (const limit of [4e6, 40e6]) {
  const corpus = base.slice(0, limit);
  const mb = Buffer.byteLength(corpus) / 1e6;
  let start = performance.now();
  const vocab = buildVocabulary('bpe', [corpus], { vocabSize: 8192 }) as BpeVocabulary;
  const trainSeconds = seconds(start);
  start = performance.now();
  const ids = vocab.encode(corpus);
  const encodeSeconds = seconds(start);
  console.log(`package text (${mb.toFixed(1)} MB): bpe 8192 trains in ${trainSeconds.toFixed(1)} s, encodes at ${(mb / encodeSeconds).toFixed(1)} MB/s (${ids.length} tokens)`);
}

const sample = base.slice(0, 1_000_000);
const sampleMb = Buffer.byteLength(sample) / 1e6;
const ours = buildVocabulary('bpe', [base.slice(0, 4e6)], { vocabSize: 8192 }) as BpeVocabulary;
const js = new TransformersJsTokenizer(ours.tokenizerJson(), {});
let start = performance.now();
js.encode(sample, { add_special_tokens: false });
const jsRate = sampleMb / seconds(start);
start = performance.now();
ours.encode(sample);
const oursRate = sampleMb / seconds(start);
console.log(`encoding 1 MB with the same tokenizer.json: Loss Lab ${oursRate.toFixed(2)} MB/s, @huggingface/tokenizers ${jsRate.toFixed(2)} MB/s (${(oursRate / jsRate).toFixed(1)}×)`);
const gpt2 = buildVocabulary('gpt2', []);
const tiktoken = new Tiktoken(gpt2Ranks);
start = performance.now();
tiktoken.encode(sample, [], []);
const tiktokenRate = sampleMb / seconds(start);
start = performance.now();
gpt2.encode(sample);
const gpt2Rate = sampleMb / seconds(start);
console.log(`gpt2 on 1 MB: Loss Lab ${gpt2Rate.toFixed(2)} MB/s, js-tiktoken ${tiktokenRate.toFixed(2)} MB/s (${(gpt2Rate / tiktokenRate).toFixed(1)}×)`);
