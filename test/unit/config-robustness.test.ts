import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, type ConfigDiagnostic } from '../../src/config';
import { Rng } from '../../src/engine/rng';

const VALID_JSON = '{\n  "name": "tiny",\n  "model": {"kind": "gpt", "d_model": 32},\n  "data": {"train": "t.txt"},\n  "optimizer": {"betas": [0.9, 0.95]}\n}\n';
const VALID_YAML = 'name: tiny\nmodel:\n  kind: gpt\n  d_model: 32\ndata:\n  train: t.txt\noptimizer:\n  betas: [0.9, 0.95]\n';

// Reads a text and checks the promise every input gets: no throw, and either a config or located errors.
function readSafely(text: string, fileName: string): ConfigDiagnostic[] {
  const result = parseConfigText(text, fileName);
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const d of result.diagnostics) {
    assert.ok(d.line >= 1 && d.line <= lines && d.column >= 1, `${d.line}:${d.column} outside the text`);
    assert.ok(d.offset >= 0 && d.offset + d.length <= text.length, `offset ${d.offset}+${d.length} outside the text`);
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(result.config === null, errors.length > 0);
  return errors;
}

function firstError(text: string, fileName: string): ConfigDiagnostic {
  const [error] = readSafely(text, fileName);
  assert.ok(error, 'expected an error');
  return error;
}

test('YAML syntax errors are located and say what is wrong', () => {
  const tab = firstError('name: tiny\nmodel:\n\tkind: gpt\n', 'run.lab.yaml');
  assert.deepEqual([tab.line, tab.column, tab.path], [3, 1, '']);
  assert.match(tab.message, /^YAML syntax error: Tabs are not allowed as indentation\. Indent with spaces, not tabs\.$/);
  const quote = firstError('name: "tiny\nmodel:\n  kind: gpt\n', 'run.lab.yaml');
  assert.deepEqual([quote.line, quote.column], [4, 1]);
  assert.match(quote.message, /Missing closing "quote/);
  const colon = firstError('name: tiny\nmodel\n  kind: gpt\n', 'run.lab.yaml');
  assert.deepEqual([colon.line, colon.column], [2, 1]);
  assert.match(colon.message, /^YAML syntax error: .*followed by ": "/);
  const twoDocuments = firstError('name: a\n---\nname: b\n', 'run.lab.yaml');
  assert.deepEqual([twoDocuments.line, twoDocuments.column], [2, 1]);
  assert.match(twoDocuments.message, /holds one YAML document/);
});

test('JSON syntax errors are located and say what was expected and found', () => {
  const comma = readSafely('{\n  "name": "a"\n  "model": {}\n}', 'run.lab.json');
  assert.equal(comma.length, 1);
  assert.deepEqual([comma[0].line, comma[0].column, comma[0].length], [3, 3, 7]);
  assert.equal(comma[0].message, 'JSON syntax error: expected "," between two entries, found "\\"model\\"".');
  const unclosed = readSafely('{\n  "name": "a",\n  "model": {"kind": "g', 'run.lab.json');
  assert.deepEqual([unclosed[0].line, unclosed[0].column], [3, 21]);
  assert.match(unclosed[0].message, /string is not closed/);
  assert.match(unclosed[unclosed.length - 1].message, /expected "}" to close the object, found the end of the file/);
  const singleQuotes = firstError("{'name': 'a'}", 'run.lab.json');
  assert.deepEqual([singleQuotes.line, singleQuotes.column], [1, 2]);
  assert.match(singleQuotes.message, /unexpected character, found "'name'"/);
});

test('empty and comment-only files get one located error', () => {
  for (const [text, fileName] of [['', 'a.lab.yaml'], ['', 'a.lab.json'], ['# only a comment\n\n', 'a.lab.yaml'], ['  // nothing\n', 'a.lab.json']]) {
    const errors = readSafely(text, fileName);
    assert.equal(errors.length, 1, `${fileName}: ${JSON.stringify(text)}`);
    assert.deepEqual([errors[0].line, errors[0].column], [1, 1]);
    assert.match(errors[0].message, /the config is empty/);
  }
});

test('seeded garbage bytes never throw and always give located errors', () => {
  const rng = new Rng(31337);
  for (let i = 0; i < 200; i++) {
    const length = 1 + rng.int(400);
    const text = Array.from({ length }, () => String.fromCharCode(rng.int(rng.uniform() < 0.9 ? 256 : 65536))).join('');
    for (const fileName of ['g.lab.yaml', 'g.lab.json']) assert.ok(readSafely(text, fileName).length >= 1, `${fileName} #${i}: ${JSON.stringify(text)}`);
  }
});

test('every truncation of a valid config reads without throwing; truncated JSON is always an error at or before the cut', () => {
  for (let cut = 0; cut < VALID_JSON.trimEnd().length; cut++) {
    const text = VALID_JSON.slice(0, cut);
    const errors = readSafely(text, 'cut.lab.json');
    assert.ok(errors.length >= 1, `cut at ${cut}`);
    assert.ok(errors[0].offset <= cut, `cut at ${cut}: error at ${errors[0].offset}`);
  }
  for (let cut = 0; cut <= VALID_YAML.length; cut++) readSafely(VALID_YAML.slice(0, cut), 'cut.lab.yaml');
  assert.equal(readSafely(VALID_YAML, 'ok.lab.yaml').length, 0);
  assert.equal(readSafely(VALID_JSON, 'ok.lab.json').length, 0);
});

test('a 2 MB file is refused quickly, with the place where the limit is crossed', () => {
  const text = `name: x\n${'a'.repeat(2 * 1024 * 1024)}`;
  const started = performance.now();
  const errors = readSafely(text, 'big.lab.yaml');
  assert.ok(performance.now() - started < 1000);
  assert.equal(errors.length, 1);
  assert.deepEqual([errors[0].line, errors[0].column], [2, 1024 * 1024 - 8 + 1]);
  assert.match(errors[0].message, /too large \(2\.0 MB\); a config file may be at most 1 MB/);
});

test('10 000-deep nesting is refused at the first level too deep, in YAML and JSON', () => {
  const cases: Array<[string, string, number]> = [
    ['['.repeat(10_000) + ']'.repeat(10_000), 'deep.lab.yaml', 33],
    ['- '.repeat(10_000) + 'x', 'deep.lab.yaml', 65],
    ['['.repeat(10_000) + ']'.repeat(10_000), 'deep.lab.json', 33],
    ['{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), 'deep.lab.json', 161],
  ];
  for (const [text, fileName, column] of cases) {
    const errors = readSafely(text, fileName);
    assert.equal(errors.length, 1, fileName);
    assert.deepEqual([errors[0].line, errors[0].column], [1, column], `${fileName}: ${text.slice(0, 10)}`);
    assert.match(errors[0].message, /nested more than 32 levels deep/);
  }
  const indented = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
  const [deepBlock] = readSafely(`${indented} 1`, 'deep.lab.yaml');
  assert.deepEqual([deepBlock.line, deepBlock.column], [33, 33]);
});

test('YAML alias bombs and self-referencing aliases stop with an error', () => {
  const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (const [name, previous] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) rows.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
  const started = performance.now();
  const bomb = readSafely(rows.join('\n'), 'bomb.lab.yaml');
  assert.ok(performance.now() - started < 1000);
  assert.ok(bomb.some((d) => /aliases|values/.test(d.message)));
  const loop = readSafely('name: &x [*x]\n', 'loop.lab.yaml');
  assert.ok(loop.length >= 1);
  const unknown = firstError('name: *nowhere\n', 'alias.lab.yaml');
  assert.match(unknown.message, /unknown alias \*nowhere/);
});

test('keys like __proto__ and constructor are plain unknown keys', () => {
  const errors = readSafely('{"name": "a", "model": {"kind": "gpt"}, "data": {"train": "t"}, "__proto__": {"x": 1}, "constructor": 1}', 'proto.lab.json');
  assert.deepEqual(errors.map((d) => d.path), ['__proto__', 'constructor']);
  assert.ok(errors.every((d) => d.message.startsWith('unknown key.')));
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('CRLF line endings and a byte-order mark keep positions right', () => {
  const crlf = firstError(`\ufeff${VALID_YAML.replace('d_model: 32', 'd_model: 33').replace(/\n/g, '\r\n')}`, 'crlf.lab.yaml');
  assert.deepEqual([crlf.line, crlf.column, crlf.path], [4, 12, 'model.d_model']);
  const json = firstError(`\ufeff${VALID_JSON.replace('"d_model": 32', '"d_model": 7')}`, 'bom.lab.json');
  assert.deepEqual([json.line, json.column, json.path], [3, 39, 'model.d_model']);
});
