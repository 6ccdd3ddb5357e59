import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, type ConfigDiagnostic } from '../../src/config';
import { configNameIn, dataFileReferences } from '../../src/config/rawValues';

// What the editor shows: the text under the squiggle and its zero-based start, as VS Code's positionAt gives them.
function located(text: string, diagnostic: ConfigDiagnostic): { path: string; severity: string; line: number; character: number; under: string } {
  const before = text.slice(0, diagnostic.offset);
  const line = before.split(/\r\n|\r|\n/).length - 1;
  const character = diagnostic.offset - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) - 1;
  assert.deepEqual([diagnostic.line, diagnostic.column], [line + 1, character + 1], 'line/column agree with offset');
  return { path: diagnostic.path, severity: diagnostic.severity, line, character, under: text.slice(diagnostic.offset, diagnostic.offset + diagnostic.length) };
}

function diagnose(text: string, fileName: string) {
  return parseConfigText(text, fileName).diagnostics.map((diagnostic) => located(text, diagnostic));
}

test('YAML: a wrong value is underlined where it is, an unknown key on the key', () => {
  const text = 'name: tiny\nmodel:\n  kind: gpt\n  d_model: 3.5\n  colour: red\ndata:\n  train: t.txt\nschedule:\n  decay: cosin\n';
  assert.deepEqual(diagnose(text, 'run.lab.yaml'), [
    { path: 'model.d_model', severity: 'error', line: 3, character: 11, under: '3.5' },
    { path: 'model.colour', severity: 'error', line: 4, character: 2, under: 'colour' },
    { path: 'schedule.decay', severity: 'error', line: 8, character: 9, under: 'cosin' },
  ]);
});

test('YAML: a missing required key is reported on the key of the section that lacks it, or at the top', () => {
  assert.deepEqual(diagnose('name: tiny\nmodel:\n  d_model: 32\ndata:\n  train: t.txt\n', 'run.lab.yaml'), [
    { path: 'model.kind', severity: 'error', line: 1, character: 0, under: 'model' },
  ]);
  const missingData = diagnose('name: tiny\nmodel:\n  kind: gpt\n', 'run.lab.yaml');
  assert.deepEqual(missingData.map((d) => [d.path, d.line, d.character]), [['data', 0, 0]]);
});

test('YAML: CRLF line ends and a syntax error', () => {
  const crlf = 'name: tiny\r\nmodel:\r\n  kind: gtp\r\ndata:\r\n  train: t.txt\r\n';
  assert.deepEqual(diagnose(crlf, 'run.lab.yaml'), [{ path: 'model.kind', severity: 'error', line: 2, character: 8, under: 'gtp' }]);
  const syntax = diagnose('name: tiny\nmodel:\n  kind: gpt\n   bad: [\n', 'run.lab.yaml');
  assert.ok(syntax.length > 0 && syntax.every((d) => d.severity === 'error' && d.path === ''));
  assert.ok(syntax[0].line >= 2, `syntax error located in the broken part, got line ${syntax[0].line}`);
});

test('JSON: the same three kinds of problem, located the same way', () => {
  const text = '{\n  "name": "tiny",\n  "model": {"kind": "gpt", "d_model": "32"},\n  "data": {"trian": "t.txt"}\n}\n';
  assert.deepEqual(diagnose(text, 'run.lab.json'), [
    { path: 'model.d_model', severity: 'error', line: 2, character: 38, under: '"32"' },
    { path: 'data.train', severity: 'error', line: 3, character: 2, under: '"data"' },
    { path: 'data.trian', severity: 'error', line: 3, character: 11, under: '"trian"' },
  ]);
});

test('warnings keep their severity (a config with only warnings still trains)', () => {
  const text = 'name: tiny\nmodel:\n  kind: gpt\ndata:\n  train: t.txt\nschedule:\n  warmup_steps: 500\ntraining:\n  steps: 100\n';
  const result = parseConfigText(text, 'run.lab.yaml');
  assert.ok(result.config, 'config resolves');
  assert.deepEqual(result.diagnostics.map((d) => located(text, d)), [{ path: 'schedule.warmup_steps', severity: 'warning', line: 6, character: 16, under: '500' }]);
});

test('data file references: the values of data.train and data.val, resolved against the config folder', () => {
  const text = 'name: tiny\nmodel:\n  kind: gpt\ndata:\n  train: data/story.txt\n  val: "../common/val.txt"  # held out\n';
  const references = dataFileReferences(text, '/projects/lab/configs/run.lab.yaml');
  assert.deepEqual(references.map((r) => [r.path, r.value, r.resolved, text.slice(r.range[0], r.range[1])]), [
    ['data.train', 'data/story.txt', '/projects/lab/configs/data/story.txt', 'data/story.txt'],
    ['data.val', '../common/val.txt', '/projects/lab/common/val.txt', '"../common/val.txt"'],
  ]);
  const json = '{"name": "x", "data": {"train": "C:\\\\data\\\\a.txt"}}';
  assert.deepEqual(dataFileReferences(json, 'C:\\work\\run.lab.json').map((r) => [r.resolved, json.slice(r.range[0], r.range[1])]), [['C:\\data\\a.txt', '"C:\\\\data\\\\a.txt"']]);
});

test('data file references survive other errors, but not syntax errors or non-strings', () => {
  const withErrors = 'name: -bad\nmodel:\n  kind: rnn\ndata:\n  train: t.txt\n  shuffle: maybe\n';
  assert.deepEqual(dataFileReferences(withErrors, 'c/run.lab.yaml').map((r) => r.resolved), ['c/t.txt']);
  assert.deepEqual(dataFileReferences('data:\n  train: [a\n', 'c/run.lab.yaml'), []);
  assert.deepEqual(dataFileReferences('data:\n  train: 5\n  val: ""\n', 'c/run.lab.yaml'), []);
  assert.deepEqual(dataFileReferences('data: text\n', 'c/run.lab.yaml'), []);
});

test('configNameIn: the written name when it is a safe folder name', () => {
  assert.equal(configNameIn('name: story\nmodel: 5\n', 'a.lab.yaml'), 'story');
  assert.equal(configNameIn('{"name": "my-run.2"}', 'a.lab.json'), 'my-run.2');
  assert.equal(configNameIn('name: ../../etc\n', 'a.lab.yaml'), undefined);
  assert.equal(configNameIn('name: 12\n', 'a.lab.yaml'), undefined);
  assert.equal(configNameIn('name: [x\n', 'a.lab.yaml'), undefined);
});
