import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseConfigText } from '../../src/config';
import { fillTemplate, firstFreeName, parseTemplateCatalog, validateConfigName } from '../../src/config/templates';
import { yamlScalar } from '../../src/config/yamlText';
import type { Dataset } from '../../src/engine/data/datasets';
import { prepareData } from '../../src/engine/data/prepare';
import { readDatasetFiles } from '../../src/node/dataFiles';
import { startSession } from '../../src/node/session';
import { tempDir } from '../support/cli';

const TEMPLATES = join(__dirname, '..', '..', 'media', 'templates');
const catalog = parseTemplateCatalog(readFileSync(join(TEMPLATES, 'templates.json'), 'utf8'));

// Tokens of a stream, else sequences or pairs: enough of them for batches of windows or examples.
function examples(dataset: Dataset): number {
  return dataset.kind === 'stream' ? dataset.tokens.length : dataset.kind === 'lines' ? dataset.sequences.length : dataset.pairs.length;
}

function filled(file: string, name: string): string {
  return fillTemplate(readFileSync(join(TEMPLATES, file), 'utf8'), { name: yamlScalar(name) });
}

test('the catalog offers the four promised templates', () => {
  assert.deepEqual(catalog.map((template) => [template.id, template.file, template.data]), [
    ['char-gpt', 'char-gpt.lab.yaml', ['data/tiny-stories.txt']],
    ['lines-gpt', 'lines-gpt.lab.yaml', ['data/arithmetic.txt']],
    ['translation', 'translation.lab.yaml', ['data/translation.tsv']],
    ['lessons', 'lessons.lab.yaml', ['data/tiny-stories.txt']],
  ]);
  for (const template of catalog) assert.equal(validateConfigName(template.defaultName), undefined, template.id);
});

test('every template validates without a single diagnostic once its name is filled in, and names its sample data', async () => {
  for (const template of catalog) {
    const text = filled(template.file, template.defaultName);
    assert.doesNotMatch(text, /\{\{/, `${template.file}: placeholders left`);
    const configFile = join(TEMPLATES, `${template.defaultName}.lab.yaml`);
    const result = parseConfigText(text, configFile);
    assert.deepEqual(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`), [], template.file);
    assert.ok(result.config);
    assert.equal(result.config.name, template.defaultName);
    const named = [result.config.data.train, result.config.data.val].filter((path) => path !== null);
    assert.deepEqual(named, template.data.map((path) => join(TEMPLATES, path)), `${template.file} trains on its sample data`);
    for (const path of named) assert.ok(statSync(path).size > 1000, `${path} is a real sample`);
    // The sample data fits the config: it parses, tokenizes and splits into non-empty train and val sets.
    const data = prepareData(result.config, await readDatasetFiles(result.config));
    for (const split of [data.train, data.val]) assert.ok(examples(split) > result.config.model.context, `${template.file}: ${examples(split)} examples in ${split.file}`);
  }
});

test('every template has a comment for each section it sets', () => {
  for (const template of catalog) {
    const lines = filled(template.file, 'x').split('\n');
    const sections = lines.map((line, i) => [line, i] as const).filter(([line]) => /^[a-z_]+:\s*$/.test(line));
    for (const [line, i] of sections) {
      const above = lines.slice(0, i).reverse().find((candidate) => candidate.trim() !== '');
      assert.ok(above?.startsWith('#'), `${template.file}: "${line}" has a comment above it`);
    }
  }
});

test('names: the schema pattern decides; names YAML would read as numbers or booleans are quoted', () => {
  assert.equal(validateConfigName('story-2.v1'), undefined);
  assert.match(validateConfigName('my story') ?? '', /^The name must be 1 to 64 characters: letters, digits/);
  assert.ok(validateConfigName(''));
  assert.ok(validateConfigName('-x'));
  assert.ok(validateConfigName('../x'));
  for (const name of ['123', 'true', 'null', 'no', '1e5', 'x']) {
    const result = parseConfigText(filled('char-gpt.lab.yaml', name), join(TEMPLATES, 'x.lab.yaml'));
    assert.deepEqual(result.diagnostics, [], name);
    assert.equal(result.config?.name, name);
  }
  assert.equal(firstFreeName('story', (name) => ['story', 'story-2'].includes(name)), 'story-3');
  assert.equal(firstFreeName('story', () => false), 'story');
});

test('fillTemplate refuses unknown placeholders; the catalog parser refuses bad entries', () => {
  assert.throws(() => fillTemplate('name: {{name}}\nseed: {{seed}}\n', { name: 'x' }), /\{\{seed\}\} has no value/);
  assert.equal(fillTemplate('name: {{name}} # {{name}}', { name: 'a' }), 'name: a # a');
  const entry = { id: 'a', label: 'A', description: 'd', detail: 'd', file: 'a.lab.yaml', defaultName: 'a', data: ['data/a.txt'] };
  assert.equal(parseTemplateCatalog(JSON.stringify({ templates: [entry] })).length, 1);
  assert.throws(() => parseTemplateCatalog(JSON.stringify({ templates: [{ ...entry, data: ['../outside.txt'] }] })), /data must list relative paths/);
  assert.throws(() => parseTemplateCatalog(JSON.stringify({ templates: [{ ...entry, data: ['/abs.txt'] }] })), /data must list relative paths/);
  assert.throws(() => parseTemplateCatalog(JSON.stringify({ templates: [{ ...entry, label: '' }] })), /label must be a non-empty string/);
  assert.throws(() => parseTemplateCatalog('{}'), /expected \{"templates"/);
});

test('a new config from each template trains at once in an empty folder (2 steps)', async () => {
  const dir = tempDir('losslab-templates-');
  try {
    for (const template of catalog) {
      const folder = join(dir, template.id);
      for (const path of template.data) {
        mkdirSync(dirname(join(folder, path)), { recursive: true });
        copyFileSync(join(TEMPLATES, path), join(folder, path));
      }
      const configFile = join(folder, `${template.defaultName}.lab.yaml`);
      writeFileSync(configFile, filled(template.file, template.defaultName));
      const session = await startSession({ configFile, overrides: { 'training.steps': 2, 'training.eval_interval': 2, 'training.eval_steps': 1, backend: 'cpu' }, version: 'test' });
      assert.equal(await session.done, 'finished', template.id);
      assert.equal(session.writer.info.steps_completed, 2);
      assert.ok(Number.isFinite(session.writer.info.final_loss), `${template.id} has a finite loss`);
      assert.ok(existsSync(join(session.writer.folder, 'run.json')));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
