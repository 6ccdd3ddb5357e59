import { test } from 'node:test';
import assert from 'node:assert/strict';
import { yamlCursorContext, yamlTokenAt, type CursorContext } from '../../src/config/cursor';

const CARET = '‸';

/** Splits a text with one ‸ into the text without it and the caret's offset. */
function caret(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf(CARET);
  assert.ok(offset >= 0 && marked.indexOf(CARET, offset + 1) < 0, 'exactly one caret');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

function contextAt(marked: string): CursorContext {
  const { text, offset } = caret(marked);
  return yamlCursorContext(text, offset);
}

/** The fields that matter, with the replaced text instead of raw offsets. */
function summary(marked: string): Record<string, unknown> {
  const { text } = caret(marked);
  const context = contextAt(marked);
  if (context.kind === 'none') return { kind: 'none' };
  const replaced = text.slice(context.range[0], context.range[1]);
  if (context.kind === 'key') return { kind: 'key', path: context.path.join('.'), present: [...context.present].sort(), replaced, prefix: context.prefix, style: context.style, hasColon: context.hasColon };
  return { kind: 'value', path: context.path.join('.'), replaced, prefix: context.prefix, style: context.style, quoted: context.quoted, needsSpace: context.needsSpace };
}

const CONFIG = 'name: tiny\nmodel:\n  kind: gpt\n  d_model: 32\ndata:\n  train: t.txt\n';

test('an empty line under a mapping: its keys, by indentation', () => {
  assert.deepEqual(summary('name: tiny\nmodel:\n  kind: gpt\n  ‸\ndata:\n  train: t.txt\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('name: tiny\nmodel:\n  kind: gpt\n‸\ndata:\n  train: t.txt\n'), { kind: 'key', path: '', present: ['data', 'model', 'name'], replaced: '', prefix: '', style: 'block', hasColon: false });
  // Right under `model:`, at model's own indentation: a new top-level key (model would be empty).
  assert.deepEqual(summary('name: tiny\nmodel:\n‸\n'), { kind: 'key', path: '', present: ['model', 'name'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('name: tiny\nmodel:\n ‸\n'), { kind: 'key', path: 'model', present: [], replaced: '', prefix: '', style: 'block', hasColon: false });
  // Keys below the cursor count as present too.
  assert.deepEqual(summary('model:\n  ‸\n  d_model: 32\n  kind: gpt\n'), { kind: 'key', path: 'model', present: ['d_model', 'kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
});

test('indentation of 4 spaces, of tabs, and nested three levels', () => {
  assert.deepEqual(summary('model:\n    kind: gpt\n    ‸\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('model:\n\tkind: gpt\n\t‸\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('a:\n  b:\n    c: 1\n    ‸\n  d: 2\n'), { kind: 'key', path: 'a.b', present: ['c'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('a:\n  b:\n    c: 1\n  ‸\n  d: 2\n'), { kind: 'key', path: 'a', present: ['b', 'd'], replaced: '', prefix: '', style: 'block', hasColon: false });
  // Deeper than a key that has a value: a continuation of that value, not a key.
  assert.deepEqual(summary('model:\n  kind: gpt\n    ‸\n'), { kind: 'none' });
});

test('a key being typed, and the cursor inside an existing key', () => {
  assert.deepEqual(summary('model:\n  kind: gpt\n  d_m‸\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: 'd_m', prefix: 'd_m', style: 'block', hasColon: false });
  assert.deepEqual(summary('model:\n  kind: gpt\n  d_m‸od\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: 'd_mod', prefix: 'd_m', style: 'block', hasColon: false });
  assert.deepEqual(summary('model:\n  ki‸nd: gpt\n  bias: true\n'), { kind: 'key', path: 'model', present: ['bias'], replaced: 'kind', prefix: 'ki', style: 'block', hasColon: true });
  assert.deepEqual(summary('tra‸'), { kind: 'key', path: '', present: [], replaced: 'tra', prefix: 'tra', style: 'block', hasColon: false });
  assert.deepEqual(summary('  ‸model:\n'), { kind: 'key', path: '', present: [], replaced: 'model', prefix: '', style: 'block', hasColon: true });
  // In the indentation before a key, or after a word and a space: nothing to complete.
  assert.deepEqual(summary(' ‸ model:\n'), { kind: 'none' });
  assert.deepEqual(summary('model:\n  d_model 3‸\n'), { kind: 'none' });
});

test('values after `key: `, in the value, in quotes, right after the colon', () => {
  assert.deepEqual(summary('schedule:\n  decay: ‸\n'), { kind: 'value', path: 'schedule.decay', replaced: '', prefix: '', style: 'block', quoted: false, needsSpace: false });
  assert.deepEqual(summary('schedule:\n  decay: cos‸ine  # comment\n'), { kind: 'value', path: 'schedule.decay', replaced: 'cosine', prefix: 'cos', style: 'block', quoted: false, needsSpace: false });
  assert.deepEqual(summary('schedule:\n  decay: "cos‸"\n'), { kind: 'value', path: 'schedule.decay', replaced: 'cos', prefix: 'cos', style: 'block', quoted: true, needsSpace: false });
  assert.deepEqual(summary("schedule:\n  decay: 'lin‸\n"), { kind: 'value', path: 'schedule.decay', replaced: 'lin', prefix: 'lin', style: 'block', quoted: true, needsSpace: false });
  assert.deepEqual(summary('schedule:\n  decay:‸\n'), { kind: 'value', path: 'schedule.decay', replaced: '', prefix: '', style: 'block', quoted: false, needsSpace: true });
  assert.deepEqual(summary('backend: ‸'), { kind: 'value', path: 'backend', replaced: '', prefix: '', style: 'block', quoted: false, needsSpace: false });
});

test('comments, list items and block scalars offer nothing', () => {
  assert.deepEqual(summary('name: tiny # the ‸name\n'), { kind: 'none' });
  assert.deepEqual(summary('# a comment ‸\nname: tiny\n'), { kind: 'none' });
  assert.deepEqual(summary('model:\n  kind: gpt  ‸\n'), { kind: 'none' });
  assert.deepEqual(summary('optimizer:\n  betas:\n    - 0.9\n    - ‸\n'), { kind: 'none' });
  assert.deepEqual(summary('name: |\n  some text\n  ‸\n'), { kind: 'none' });
  // After the block scalar ends, keys again.
  assert.deepEqual(summary('name: |\n  some text\n‸\n'), { kind: 'key', path: '', present: ['name'], replaced: '', prefix: '', style: 'block', hasColon: false });
});

test('flow mappings: keys after `{` and `,`, values after `:`, nested', () => {
  assert.deepEqual(summary('model: {‸}\n'), { kind: 'key', path: 'model', present: [], replaced: '', prefix: '', style: 'flow', hasColon: false });
  assert.deepEqual(summary('model: {kind: gpt, ‸}\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'flow', hasColon: false });
  assert.deepEqual(summary('model: {kind: gpt, d_‸, bias: true}\n'), { kind: 'key', path: 'model', present: ['bias', 'kind'], replaced: 'd_', prefix: 'd_', style: 'flow', hasColon: false });
  assert.deepEqual(summary('model: {ki‸nd: gpt}\n'), { kind: 'key', path: 'model', present: [], replaced: 'kind', prefix: 'ki', style: 'flow', hasColon: true });
  assert.deepEqual(summary('model: {kind: ‸}\n'), { kind: 'value', path: 'model.kind', replaced: '', prefix: '', style: 'flow', quoted: false, needsSpace: false });
  assert.deepEqual(summary('model: {kind: enc‸, d_model: 32}\n'), { kind: 'value', path: 'model.kind', replaced: 'enc', prefix: 'enc', style: 'flow', quoted: false, needsSpace: false });
  assert.deepEqual(summary('{name: x, schedule: {decay: ‸}}\n'), { kind: 'value', path: 'schedule.decay', replaced: '', prefix: '', style: 'flow', quoted: false, needsSpace: false });
  assert.deepEqual(summary('{name: x, schedule: {decay: cosine}, ‸}\n'), { kind: 'key', path: '', present: ['name', 'schedule'], replaced: '', prefix: '', style: 'flow', hasColon: false });
  assert.deepEqual(summary('{"name": "x", "model": {"kind": "‸"}}'), { kind: 'value', path: 'model.kind', replaced: '', prefix: '', style: 'flow', quoted: true, needsSpace: false });
  assert.deepEqual(summary('optimizer: {betas: [0.9, ‸]}\n'), { kind: 'value', path: 'optimizer.betas.1', replaced: '', prefix: '', style: 'flow', quoted: false, needsSpace: false });
  // After a key without a colon, or after a complete value: nothing.
  assert.deepEqual(summary('model: {kind ‸}\n'), { kind: 'none' });
  assert.deepEqual(summary('model: {kind: gpt ‸}\n'), { kind: 'none' });
  // Before the opening brace and after the closing one: block context (the value's edges).
  assert.deepEqual(summary('model: {kind: gpt}‸\n'), { kind: 'none' });
});

test('flow mappings across lines, and one whose closing brace is missing', () => {
  assert.deepEqual(summary('model: {kind: gpt,\n  ‸\n  bias: true}\ndata: {train: x}\n'), { kind: 'key', path: 'model', present: ['bias', 'kind'], replaced: '', prefix: '', style: 'flow', hasColon: false });
  // The forgotten `}` ends at the next top-level key, so `data` is block YAML again.
  assert.deepEqual(summary('model: {kind: gpt,\ndata:\n  ‸\n'), { kind: 'key', path: 'data', present: [], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('model: {kind: gpt,\n  ‸\ndata:\n  train: x\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'flow', hasColon: false });
});

test('broken documents: bad indentation, a stray line, duplicate keys, a tab, CRLF', () => {
  // Keys of one mapping at different indentations still belong to it; a line indented deeper than a key with a
  // value continues that value (YAML reads it so), and the cursor under it completes nothing.
  assert.deepEqual(summary('name: tiny\nmodel:\n  kind: gpt\n d_model: 3\n ‸\n'), { kind: 'key', path: 'model', present: ['d_model', 'kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('name: tiny\nmodel:\n  kind: gpt\n d_model: 3\n  ‸\n'), { kind: 'none' });
  assert.deepEqual(summary('name: tiny\nmodel:\n  kind: gpt\n     bias: 3\n  ‸\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('model:\n  kind: gpt\n  this is not yaml\n  ‸\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('model:\n  kind: gpt\nmodel:\n  bias: true\n  ‸\n'), { kind: 'key', path: 'model', present: ['bias', 'kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('model:\r\n  kind: gpt\r\n  ‸\r\ndata:\r\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary('model:\r\n  kind: ‸\r\n'), { kind: 'value', path: 'model.kind', replaced: '', prefix: '', style: 'block', quoted: false, needsSpace: false });
  assert.deepEqual(summary('model: {kind: "gp‸\n'), { kind: 'value', path: 'model.kind', replaced: 'gp', prefix: 'gp', style: 'flow', quoted: true, needsSpace: false });
  assert.deepEqual(summary('‸'), { kind: 'key', path: '', present: [], replaced: '', prefix: '', style: 'block', hasColon: false });
  assert.deepEqual(summary(`${CONFIG}‸`), { kind: 'key', path: '', present: ['data', 'model', 'name'], replaced: '', prefix: '', style: 'block', hasColon: false });
});

test('quoted keys count under their unquoted names', () => {
  assert.deepEqual(summary('"model":\n  \'kind\': gpt\n  ‸\n'), { kind: 'key', path: 'model', present: ['kind'], replaced: '', prefix: '', style: 'block', hasColon: false });
});

test('the indentation unit of the document is reported for nested snippets', () => {
  const four = contextAt('model:\n    kind: gpt\n‸\n');
  const two = contextAt(`${CONFIG}‸`);
  const none = contextAt('name: x\n‸');
  assert.deepEqual([four.kind === 'key' && four.indentUnit, two.kind === 'key' && two.indentUnit, none.kind === 'key' && none.indentUnit], [4, 2, 2]);
});

test('yamlTokenAt finds keys and values with their paths, in block and flow style', () => {
  const text = 'name: tiny\nmodel:\n  kind: gpt\noptimizer: {name: adam, "lr": 0.1}\n';
  const at = (needle: string, delta = 1) => yamlTokenAt(text, text.indexOf(needle) + delta);
  assert.deepEqual(at('name'), { role: 'key', path: ['name'], range: [0, 4], inner: [0, 4], text: 'name', style: 'block' });
  assert.deepEqual(at('tiny', 0), { role: 'value', path: ['name'], range: [6, 10], inner: [6, 10], text: 'tiny', style: 'block' });
  assert.deepEqual(at('kind', 4)?.path, ['model', 'kind']);
  assert.deepEqual(at('gpt')?.role, 'value');
  const flowName = text.indexOf('name', 20);
  assert.deepEqual(yamlTokenAt(text, flowName + 2), { role: 'key', path: ['optimizer', 'name'], range: [flowName, flowName + 4], inner: [flowName, flowName + 4], text: 'name', style: 'flow' });
  assert.deepEqual(at('"lr"')?.path, ['optimizer', 'lr']);
  assert.equal(at('"lr"')?.text, 'lr');
  assert.equal(yamlTokenAt(text, text.indexOf('model') + 6), undefined, 'the line break after `model:`');
});
