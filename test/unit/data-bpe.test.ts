import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Tokenizer as TransformersJsTokenizer } from '@huggingface/tokenizers';
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { parseTokenizerJson } from '../../src/engine/data/bpe/tokenizerJson';
import { DataError } from '../../src/engine/data/errors';
import { textChunks } from '../../src/engine/data/tokenIds';
import { prepareData } from '../../src/engine/data/prepare';
import type { LabConfig } from '../../src/config/types';
import { BpeVocabulary } from '../../src/engine/data/bpe/bpeVocabulary';
import { BOS_ID, EOS_ID, buildVocabulary, vocabularyFromJSON, type Vocabulary } from '../../src/engine/data/vocab';
import { deserializePreparedData, serializePreparedData } from '../../src/protocol/trainingTransfer';

// Hugging Face's own (Rust) tokenizers library, the referee: it loads our tokenizer.json as any HF user would.
const { Tokenizer: HfTokenizer } = createRequire(import.meta.url)('tokenizers') as {
  Tokenizer: { fromString(json: string): { encode(text: string, pair: null, options: { addSpecialTokens: boolean }): Promise<{ getIds(): number[] }> } };
};

// Real prose: the license texts every Debian system carries; BPE trains on some and is measured on the others.
const LICENSES = '/usr/share/common-licenses/';
const license = (name: string): string => readFileSync(LICENSES + name, 'utf8');
const TRAIN = ['GPL-3', 'GPL-2', 'LGPL-2.1'].map(license);
const HELD_OUT = ['Apache-2.0', 'MPL-2.0', 'Artistic', 'GFDL-1.3'].map(license);
// Text no license holds: other scripts, digits, contractions, whitespace runs, control characters, astral characters.
const UNUSUAL = [
  "Grüße, 世界! I'm sure you'll've seen 12345 and ٣٤٥ — naïve café.\r\n\ttabs\t\tand   spaces  \n\n\n  indented",
  'emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷 combining e\u0301 zero-width\u200bjoiner \u00a0nbsp \u2028sep \u0085nel \u000bvt',
  "'s'S 'LL 'll's ''' !!! ,,, ... ---- x__y $12.50 100% #tag @user <html> {json: [1,2]} C:\\path\\file ~/.rc",
  '', ' ', '\n', 'a', '   trailing   ', '\u{10FFFF}\u{1F600}\u0000\u0001\u007f',
];

async function referee(json: Record<string, unknown>, texts: readonly string[]): Promise<number[][]> {
  const hf = HfTokenizer.fromString(JSON.stringify(json));
  return Promise.all(texts.map(async (text) => (await hf.encode(text, null, { addSpecialTokens: false })).getIds()));
}

function bpe(vocab: Vocabulary): BpeVocabulary {
  assert.ok(vocab instanceof BpeVocabulary);
  return vocab;
}

describe('bpe vocabulary', () => {
  const vocab = bpe(buildVocabulary('bpe', TRAIN, { vocabSize: 2048 }));

  it('has exactly vocab_size ids: the specials, the 256 bytes in byte order, then learned tokens', () => {
    assert.equal(vocab.size, 2048);
    assert.deepEqual([0, 1, 2, 3, 4, 36, 259].map((id) => vocab.tokenText(id)), ['<pad>', '<bos>', '<eos>', '<unk>', '<0x00>', ' ', '<0xff>']);
    assert.deepEqual(vocab.encode('A'), [0x41 + 4]);
    assert.ok(vocab.encode(' the').length === 1, 'a word as common as " the" is one token');
  });

  it('gives the same ids as Hugging Face tokenizers on text it was not trained on', async () => {
    const texts = [...HELD_OUT, ...UNUSUAL];
    const expected = await referee(vocab.tokenizerJson(), texts);
    texts.forEach((text, i) => assert.deepEqual(vocab.encode(text), expected[i], `text ${i}`));
    assert.ok(expected[0].length > 1000);
  });

  it('gives the same ids as transformers.js (@huggingface/tokenizers) loading the same tokenizer.json', () => {
    const js = new TransformersJsTokenizer(vocab.tokenizerJson(), {});
    for (const text of [HELD_OUT[0], ...UNUSUAL]) assert.deepEqual(vocab.encode(text), js.encode(text, { add_special_tokens: false }).ids);
  });

  it('round-trips every text exactly', () => {
    for (const text of [...HELD_OUT, ...UNUSUAL]) assert.equal(vocab.decode(vocab.encode(text)), text);
  });

  it('splits literal special tokens out of text as Hugging Face does, and decode leaves <bos>/<eos> out', async () => {
    const text = 'one<eos>two<bos><pad>';
    const ids = vocab.encode(text);
    assert.deepEqual(ids, (await referee(vocab.tokenizerJson(), [text]))[0]);
    assert.ok(ids.includes(EOS_ID) && ids.includes(BOS_ID));
    assert.equal(vocab.decode(ids), 'onetwo');
  });

  it('encodes text in the chunks a corpus is cut into to the same ids as the whole', () => {
    const whole = [...HELD_OUT, ...UNUSUAL, 'a\n\u0085\u0085b', 'paragraph.\n\n\nNext \n \nline'].join('\n');
    const chunks = textChunks(whole, 100);
    assert.ok(chunks.length > 100);
    assert.deepEqual(chunks.flatMap((chunk) => vocab.encode(chunk)), vocab.encode(whole));
    // Cutting just after such a newline instead would not do: a run of whitespace ends in a piece of its own.
    const after = whole.split(/(?<=\n)(?=\S)/);
    assert.notDeepEqual(after.flatMap((chunk) => vocab.encode(chunk)), vocab.encode(whole));
  });

  it('trains deterministically: the same texts give the same merges', () => {
    assert.deepEqual(buildVocabulary('bpe', TRAIN, { vocabSize: 2048 }).toJSON(), vocab.toJSON());
    // Ties (every pair once) are broken by the smallest left id, then right id: "ab" before "bc".
    const tied = bpe(buildVocabulary('bpe', ['abc'], { vocabSize: 261 }));
    assert.deepEqual(tied.model.merges, [['a', 'b']]);
  });

  it('rebuilds from its checkpoint JSON and from its tokenizer.json with the same ids', () => {
    const again = vocabularyFromJSON(JSON.parse(JSON.stringify(vocab.toJSON())));
    assert.equal(again.kind, 'bpe');
    assert.deepEqual(again.encode(HELD_OUT[1]), vocab.encode(HELD_OUT[1]));
    const parsed = parseTokenizerJson(JSON.parse(JSON.stringify(vocab.tokenizerJson())));
    assert.deepEqual(parsed.model, vocab.model);
  });

  it('travels to the webview trainer with its data and encodes the same there', () => {
    const ids = Uint16Array.from(vocab.encode(HELD_OUT[2]));
    const stream = (tokens: Uint16Array) => ({ kind: 'stream' as const, file: 'prose.txt', tokens });
    const record = structuredClone(serializePreparedData({ vocab, train: stream(ids.subarray(0, 900)), val: stream(ids.subarray(900)) }));
    const arrived = deserializePreparedData(record);
    assert.equal(arrived.vocab.size, 2048);
    assert.deepEqual(arrived.vocab.encode(HELD_OUT[3]), vocab.encode(HELD_OUT[3]));
  });

  it('shows tokens as text where they are printable', () => {
    const [the] = vocab.encode(' the');
    assert.equal(vocab.tokenText(the), ' the');
    assert.equal(vocab.tokenText(vocab.encode('\n')[0]), '<0x0a>');
  });

  it('learns only from the part of the training file that trains, not the val_fraction held out', () => {
    const config = (valFraction: number, sequences: 'stream' | 'lines') => ({
      model: { kind: 'gpt' }, data: { train: 't.txt', val: null, val_fraction: valFraction, vocab: 'bpe', vocab_size: 262, sequences },
    }) as unknown as LabConfig;
    const text = `${'ab ab ab ab\n'.repeat(2)}${'xy xy xy xy\n'.repeat(4)}`;
    for (const sequences of ['stream', 'lines'] as const) {
      const merged = (valFraction: number) => (bpe(prepareData(config(valFraction, sequences), { train: text, val: null }).vocab).model.merges);
      assert.deepEqual(merged(0.6)[0], ['a', 'b'], `${sequences}: the held-out "xy" lines are unseen`);
      assert.deepEqual(merged(0.2)[0], ['x', 'y'], `${sequences}: with less held out, "xy" is the most frequent pair`);
    }
  });

  it('says how many tokens the text supports when vocab_size asks for more', () => {
    assert.throws(
      () => buildVocabulary('bpe', ['ab ab'], { vocabSize: 300, file: 'tiny.txt' }),
      (error: unknown) => error instanceof DataError && error.file === 'tiny.txt' && /data\.vocab_size is 300, but byte-level BPE can make at most 262 tokens/.test(error.message),
    );
    assert.throws(() => buildVocabulary('bpe', [''], { vocabSize: 261, file: 'empty.txt' }), /at most 260 tokens/);
    assert.equal(buildVocabulary('bpe', ['ab ab'], { vocabSize: 262 }).size, 262);
    assert.throws(() => buildVocabulary('bpe', ['x'], { vocabSize: 65537 }), /vocab_size from 260 to 65536/);
    assert.throws(() => buildVocabulary('bpe', ['x'], {}), /vocab_size from 260 to 65536/);
  });

  it('rejects malformed checkpoint JSON and tokenizer.json with a reason', () => {
    assert.throws(() => vocabularyFromJSON({ kind: 'bpe' }), /needs "merges"/);
    assert.throws(() => vocabularyFromJSON({ kind: 'bpe', merges: ['ab c'] }), /joins a token no earlier merge made/);
    assert.throws(() => parseTokenizerJson({ model: { type: 'WordPiece' } }), /model.type is "WordPiece"/);
    const json = vocab.tokenizerJson() as { model: { merges: string[] } };
    json.model.merges[5] = 'x yz';
    assert.throws(() => parseTokenizerJson(json), /merge 5 \(x yz\) joins tokens that are not in model.vocab/);
  });
});

describe('gpt2 vocabulary', () => {
  const vocab = bpe(buildVocabulary('gpt2', []));
  const reference = new Tiktoken(gpt2Ranks);
  const gpt2Ids = (text: string): number[] => vocab.encode(text).map((id) => id - 4);

  it('is GPT-2 shifted by our 4 specials: 50 261 ids, "Hello world" → GPT-2 [15496, 995] + 4', () => {
    assert.equal(vocab.size, 50261);
    assert.deepEqual(gpt2Ids('Hello world'), [15496, 995]);
    assert.equal(vocab.tokenText(50260), '<|endoftext|>');
  });

  it("gives js-tiktoken's own GPT-2 ids on prose and unusual text, and round-trips", () => {
    for (const text of [...HELD_OUT, ...UNUSUAL]) {
      // js-tiktoken splits with JavaScript's \s, which lacks U+0085 (NEL); Hugging Face's engine counts it as space.
      const withoutNel = text.replaceAll('\u0085', '');
      assert.deepEqual(gpt2Ids(withoutNel), reference.encode(withoutNel, [], []));
      assert.equal(vocab.decode(vocab.encode(text)), text);
    }
    assert.deepEqual(gpt2Ids(' \u0085nel'), [220, 126, 227, 4954], 'NEL is whitespace, as in Hugging Face tokenizers');
  });

  it('writes a tokenizer.json that Hugging Face tokenizers reads to the same ids', async () => {
    const texts = [HELD_OUT[0], ...UNUSUAL.slice(0, 3), 'a<|endoftext|>b'];
    const expected = await referee(vocab.tokenizerJson(), texts);
    texts.forEach((text, i) => assert.deepEqual(vocab.encode(text), expected[i]));
    assert.deepEqual(vocab.encode('<|endoftext|>'), [50260]);
  });

  it('is stored as its kind alone and rebuilt from the library', () => {
    assert.deepEqual(vocab.toJSON(), { kind: 'gpt2' });
    assert.deepEqual(vocabularyFromJSON({ kind: 'gpt2' }).encode(HELD_OUT[2]), vocab.encode(HELD_OUT[2]));
  });
});
