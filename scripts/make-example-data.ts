// Writes the small, deterministic example datasets under examples/data/ (run: npx tsx scripts/make-example-data.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/engine/rng';

const DATA_DIR = fileURLToPath(new URL('../examples/data/', import.meta.url));
/** Every file must stay small enough to commit. */
const MAX_FILE_BYTES = 300 * 1024;
/** The mid-size example's corpus may be larger, still small enough to keep the repository light. */
const MID_SIZE_MAX_BYTES = 1100 * 1024;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Two-digit additions, one per line: "37+85=122". */
function arithmetic(rng: Rng): string {
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const a = rng.int(100);
    const b = rng.int(100);
    lines.push(`${a}+${b}=${a + b}`);
  }
  return lines.join('\n') + '\n';
}

/** English → toy-language dictionary; the toy language also reorders words (see `translateSentence`). */
const DETERMINERS = { the: 'ta', a: 'na', this: 'su', my: 'mi' };
const NOUNS = {
  cat: 'miko', dog: 'wufa', bird: 'piri', fish: 'sako', child: 'neni', farmer: 'toru',
  teacher: 'lemo', horse: 'hiba', apple: 'polu', book: 'kina', river: 'rava', tree: 'dera',
};
const ADJECTIVES = { red: 'rua', big: 'oba', small: 'tiki', old: 'kemo', happy: 'hapa', green: 'veli', quiet: 'shu', fast: 'zuma' };
const TRANSITIVE = { sees: 'vida', likes: 'ama', chases: 'kura', finds: 'tova', eats: 'noma', helps: 'aida' };
const INTRANSITIVE = { sleeps: 'dormu', runs: 'kori', sings: 'kanta', waits: 'pesa' };
const ADVERBS = { today: 'oje', again: 'raba', slowly: 'lenta', often: 'sepa' };
const PREPOSITIONS = { near: 'pros', with: 'kon' };
const INTERJECTIONS = { hello: 'salu', yes: 'da', no: 'ne', thanks: 'grazi', goodbye: 'adio' };

type Lexicon = Record<string, string>;
/** A phrase in both languages, as word lists. */
interface Phrase {
  en: string[];
  toy: string[];
}

function word(rng: Rng, lexicon: Lexicon): Phrase {
  const en = pick(rng, Object.keys(lexicon));
  return { en: [en], toy: [lexicon[en]] };
}

/** "the big red cat" → "miko rua oba ta": the noun first, adjectives mirrored, the determiner last. */
function nounPhrase(rng: Rng): Phrase {
  const det = word(rng, DETERMINERS);
  const adjectives = Array.from({ length: rng.int(3) }, () => word(rng, ADJECTIVES));
  const noun = word(rng, NOUNS);
  return {
    en: [...det.en, ...adjectives.flatMap((a) => a.en), ...noun.en],
    toy: [...noun.toy, ...[...adjectives].reverse().flatMap((a) => a.toy), ...det.toy],
  };
}

/** "near the river" → "rava ta pros": prepositions become postpositions. */
function prepositionalPhrase(rng: Rng): Phrase {
  const prep = word(rng, PREPOSITIONS);
  const np = nounPhrase(rng);
  return { en: [...prep.en, ...np.en], toy: [...np.toy, ...prep.toy] };
}

/** Subject verb [object] [pp] [adverb] → subject [object] [pp] [adverb] verb: the toy language puts verbs last. */
function translateSentence(rng: Rng): Phrase {
  const kind = rng.uniform();
  if (kind < 0.05) return word(rng, INTERJECTIONS);
  if (kind < 0.2) return nounPhrase(rng);
  const subject = nounPhrase(rng);
  const transitive = kind >= 0.5;
  const verb = word(rng, transitive ? TRANSITIVE : INTRANSITIVE);
  const extras = [
    ...(transitive ? [nounPhrase(rng)] : []),
    ...(rng.uniform() < 0.4 ? [prepositionalPhrase(rng)] : []),
    ...(rng.uniform() < 0.4 ? [word(rng, ADVERBS)] : []),
  ];
  return {
    en: [...subject.en, ...verb.en, ...extras.flatMap((e) => e.en)],
    toy: [...subject.toy, ...extras.flatMap((e) => e.toy), ...verb.toy],
  };
}

/** 3000 distinct pairs of 1–12 words: English<TAB>toy language. */
function translate(rng: Rng): string {
  const pairs = new Set<string>();
  for (let attempt = 0; pairs.size < 3000 && attempt < 100_000; attempt++) {
    const { en, toy } = translateSentence(rng);
    if (en.length <= 12) pairs.add(`${en.join(' ')}\t${toy.join(' ')}`);
  }
  return [...pairs].join('\n') + '\n';
}

const NAMES = ['Mira', 'Tom', 'Ada', 'Ben', 'Lila', 'Sam', 'Nora', 'Finn'];
const PLACES = ['the forest', 'the village', 'the river', 'the old mill', 'the market', 'the hill', 'the garden', 'the lake'];
const OBJECTS = ['a lantern', 'a map', 'a red ball', 'a basket of apples', 'a small key', 'a blue kite', 'a wooden box', 'a shiny coin'];
const ANIMALS = ['cat', 'dog', 'fox', 'owl', 'goat', 'duck'];
const ANIMAL_ACTIONS = ['ran', 'jumped', 'slept', 'sang', 'waited', 'played'];
const MANNERS = ['quickly', 'slowly', 'happily', 'quietly', 'all day', 'in the sun'];
const TIMES = ['in the morning', 'at noon', 'one evening', 'later that day', 'the next day', 'after lunch'];
const FEELINGS = ['happy', 'tired', 'curious', 'afraid', 'proud', 'hungry'];
const REASONS = ['the sun was warm', 'the road was long', 'the night was dark', 'the work was done', 'a friend was near'];
const JOINT_ACTIONS = ['walked to', 'ran to', 'looked at', 'sang near', 'played near', 'rested by'];

/** One sentence of the story grammar. */
function storySentence(rng: Rng, hero: string): string {
  const other = pick(rng, NAMES.filter((name) => name !== hero));
  const templates: (() => string)[] = [
    () => `${capitalize(pick(rng, TIMES))}, ${hero} went to ${pick(rng, PLACES)}.`,
    () => `${hero} found ${pick(rng, OBJECTS)} near ${pick(rng, PLACES)}.`,
    () => `${hero} said, "Look at this!"`,
    () => `"Where is ${pick(rng, OBJECTS).replace(/^an? /, 'the ')}?" asked ${other}.`,
    () => `${hero} and ${other} ${pick(rng, JOINT_ACTIONS)} ${pick(rng, PLACES)}.`,
    () => `The ${pick(rng, ANIMALS)} ${pick(rng, ANIMAL_ACTIONS)} ${pick(rng, MANNERS)}.`,
    () => `${hero} was ${pick(rng, FEELINGS)} because ${pick(rng, REASONS)}.`,
    () => `"I am ${pick(rng, FEELINGS)}," said ${hero}.`,
    () => `${other} gave ${hero} ${pick(rng, OBJECTS)}.`,
  ];
  return pick(rng, templates)();
}

/** About `size` bytes of short stories: one paragraph each, ending with "The end." and a blank line. */
function story(rng: Rng, size: number): string {
  const stories: string[] = [];
  let bytes = 0;
  while (bytes < size) {
    const hero = pick(rng, NAMES);
    const sentences = [`Once upon a time, ${hero} lived near ${pick(rng, PLACES)}.`];
    const count = 4 + rng.int(5);
    for (let i = 0; i < count; i++) sentences.push(storySentence(rng, hero));
    sentences.push('The end.');
    const text = sentences.join(' ') + '\n\n';
    stories.push(text);
    bytes += text.length;
  }
  return stories.join('');
}

function writeDataset(name: string, contents: string, maxBytes = MAX_FILE_BYTES): void {
  const size = Buffer.byteLength(contents, 'utf8');
  if (size > maxBytes) throw new Error(`${name} would be ${size} bytes; example files must stay under ${maxBytes}`);
  writeFileSync(join(DATA_DIR, name), contents);
  console.log(`examples/data/${name}: ${size} bytes`);
}

mkdirSync(DATA_DIR, { recursive: true });
// Each generator has its own Rng stream, so changing one dataset leaves the others byte-identical.
writeDataset('arithmetic.txt', arithmetic(new Rng(2024, 1)));
writeDataset('translate.tsv', translate(new Rng(2024, 2)));
writeDataset('story.txt', story(new Rng(2024, 3), 150_000));
// The mid-size example's corpus: about nanoGPT's shakespeare-char in size, for a 10 M-parameter model.
writeDataset('stories.txt', story(new Rng(2024, 4), 1_000_000), MID_SIZE_MAX_BYTES);
