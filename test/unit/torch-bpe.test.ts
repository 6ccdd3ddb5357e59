import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BpeVocabulary } from '../../src/engine/data/bpe/bpeVocabulary';
import { buildVocabulary } from '../../src/engine/data/vocab';
import { PYTHON_BPE } from '../../src/export/torch/pythonBpe';
import { tempDir } from '../support/cli';

const PYTHON = process.env.LOSSLAB_PYTHON ?? '/usr/bin/python3';
const license = (name: string): string => readFileSync(`/usr/share/common-licenses/${name}`, 'utf8');
const TEXTS = [
  ...['Apache-2.0', 'MPL-2.0', 'Artistic'].map(license),
  "Grüße, 世界! I'm sure you'll've seen 12345 and ٣٤٥ ½ Ⅻ — naïve café.\r\n\ttabs\t\tand   spaces  \n\n\n  indented",
  'emoji 😀👍🏽 👨‍👩‍👧 🇫🇷 e\u0301 zero\u200bwidth \u00a0nbsp \u2028sep \u0085nel \u000bvt \ufeffbom \u3000ideo \u1680ogham',
  "'s'S 'LL 'll's ''' !!! x__y $12.50 <eos> <|endoftext|> a<pad>b ~/.rc", ' ', '\n\n', '  x', "don't  'tis", '\u{10FFFF}\u0000\u007f',
];

/** Encodes TEXTS with the exported train.py's Python BPE encoder reading `tokenizer`. */
function pythonIds(tokenizer: Record<string, unknown>): number[][] {
  const dir = tempDir('losslab-torch-bpe-');
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'texts.json'), JSON.stringify(TEXTS));
  const driver = `import json, os, re, sys, unicodedata\n${PYTHON_BPE}\nbpe = BytePairEncoding(os.path.join(sys.argv[1], "tokenizer.json"))\n` +
    `texts = json.load(open(os.path.join(sys.argv[1], "texts.json"), encoding="utf-8"))\nprint(json.dumps([bpe.encode(t) for t in texts]))\n`;
  writeFileSync(join(dir, 'encode.py'), driver);
  const result = spawnSync(PYTHON, [join(dir, 'encode.py'), dir], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as number[][];
}

describe("export-torch's Python BPE encoder", () => {
  it('gives the ids Loss Lab gives, for a trained bpe vocabulary', () => {
    const vocab = buildVocabulary('bpe', ['GPL-3', 'LGPL-2.1'].map(license), { vocabSize: 1500 }) as BpeVocabulary;
    const ids = pythonIds(vocab.tokenizerJson());
    TEXTS.forEach((text, i) => assert.deepEqual(ids[i], vocab.encode(text), `text ${i}`));
  });

  it('gives the ids Loss Lab gives, for gpt2', () => {
    const vocab = buildVocabulary('gpt2', []) as BpeVocabulary;
    const ids = pythonIds(vocab.tokenizerJson());
    TEXTS.forEach((text, i) => assert.deepEqual(ids[i], vocab.encode(text), `text ${i}`));
    assert.ok(ids[0].length > 1000);
  });
});
