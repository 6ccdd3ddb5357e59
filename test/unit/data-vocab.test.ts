import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, UNK_ID, buildVocabulary, vocabularyFromJSON } from '../../src/engine/data/vocab';

describe('special tokens', () => {
  it('has the fixed ids every vocabulary starts with', () => {
    assert.deepEqual([PAD_ID, BOS_ID, EOS_ID, UNK_ID], [0, 1, 2, 3]);
    assert.deepEqual(SPECIAL_TOKENS, ['<pad>', '<bos>', '<eos>', '<unk>']);
  });
});

describe('byte vocabulary', () => {
  const vocab = buildVocabulary('byte', ['ignored']);

  it('maps UTF-8 byte b to id b + 4', () => {
    assert.equal(vocab.size, 260);
    assert.deepEqual(vocab.encode('hé'), [0x68 + 4, 0xc3 + 4, 0xa9 + 4]);
    assert.deepEqual(vocab.encode(''), []);
  });

  it('decodes bytes back to text, skipping pad/bos/eos and printing <unk> as U+FFFD', () => {
    assert.equal(vocab.decode([BOS_ID, 108, 199, 173, UNK_ID, 37, EOS_ID, PAD_ID]), 'hé\uFFFD!');
  });

  it('round-trips any text, astral characters included', () => {
    const text = 'Grüße, 世界 😀\n';
    assert.equal(vocab.decode(vocab.encode(text)), text);
  });

  it('shows tokens for display', () => {
    assert.equal(vocab.tokenText(EOS_ID), '<eos>');
    assert.equal(vocab.tokenText(0x41 + 4), 'A');
    assert.equal(vocab.tokenText(0x0a + 4), '<0x0a>');
  });

  it('rejects ids outside the vocabulary', () => {
    assert.throws(() => vocab.decode([260]), /token id 260 is outside the vocabulary \(ids 0–259\)/);
  });
});

describe('char vocabulary', () => {
  const vocab = buildVocabulary('char', ['hello', 'world']);

  it('takes the distinct code points sorted by code point', () => {
    assert.equal(vocab.size, 11);
    assert.deepEqual(vocab.toJSON(), { kind: 'char', symbols: ['d', 'e', 'h', 'l', 'o', 'r', 'w'] });
    assert.deepEqual(vocab.encode('hello'), [6, 5, 7, 7, 8]);
  });

  it('encodes unknown characters as <unk> and decodes them as U+FFFD', () => {
    assert.deepEqual(vocab.encode('held!'), [6, 5, 7, 4, UNK_ID]);
    assert.equal(vocab.decode([BOS_ID, 6, 5, 7, 4, UNK_ID, EOS_ID]), 'held\uFFFD');
  });

  it('keeps astral characters as one symbol, after the BMP ones', () => {
    const astral = buildVocabulary('char', ['b😀a', 'é']);
    assert.deepEqual(astral.toJSON(), { kind: 'char', symbols: ['a', 'b', 'é', '😀'] });
    assert.deepEqual(astral.encode('😀é'), [7, 6]);
  });

  it('does not depend on the order of the texts', () => {
    assert.deepEqual(buildVocabulary('char', ['world', 'hello']).toJSON(), vocab.toJSON());
  });
});

describe('word vocabulary', () => {
  const vocab = buildVocabulary('word', ['the cat sat', 'the dog, the end']);

  it('orders words by descending frequency, then code-unit order, punctuation attached', () => {
    assert.deepEqual(vocab.toJSON(), { kind: 'word', symbols: ['the', 'cat', 'dog,', 'end', 'sat'] });
    assert.equal(vocab.size, 9);
  });

  it('splits on any whitespace and maps unknown words to <unk>', () => {
    assert.deepEqual(vocab.encode('  the\tcat\n sat '), [4, 5, 8]);
    assert.deepEqual(vocab.encode('the bird'), [4, UNK_ID]);
  });

  it('decodes with single spaces', () => {
    assert.equal(vocab.decode([BOS_ID, 4, 5, UNK_ID, 6, EOS_ID, PAD_ID]), 'the cat \uFFFD dog,');
    assert.equal(vocab.tokenText(6), 'dog,');
  });
});

describe('vocabulary JSON', () => {
  it('round-trips every kind', () => {
    for (const kind of ['byte', 'char', 'word'] as const) {
      const vocab = buildVocabulary(kind, ['a b a', 'c']);
      const restored = vocabularyFromJSON(JSON.parse(JSON.stringify(vocab.toJSON())));
      assert.equal(restored.kind, kind);
      assert.equal(restored.size, vocab.size);
      assert.deepEqual(restored.encode('a c b'), vocab.encode('a c b'));
    }
  });

  it('rejects malformed JSON with a message saying what is expected', () => {
    assert.throws(() => vocabularyFromJSON(null), /must be an object/);
    assert.throws(() => vocabularyFromJSON({ kind: 'unigram' }), /kind "unigram": expected "byte", "char", "word", "bpe" or "gpt2"/);
    assert.throws(() => vocabularyFromJSON({ kind: 'char' }), /needs "symbols": an array of strings/);
    assert.throws(() => vocabularyFromJSON({ kind: 'char', symbols: ['a', 'a'] }), /lists "a" twice/);
    assert.throws(() => vocabularyFromJSON({ kind: 'char', symbols: ['ab'] }), /symbol "ab": expected exactly one character/);
    assert.throws(() => vocabularyFromJSON({ kind: 'word', symbols: ['a b'] }), /expected a non-empty word without whitespace/);
  });
});
