import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configCompletions, type ConfigCompletion } from '../../src/config/completions';
import { parseConfigText } from '../../src/config';
import { MAX_EDITOR_CHARS } from '../../src/config/cursor';

const CARET = '‸';
const TOP_KEYS = ['name', 'seed', 'backend', 'model', 'data', 'loss', 'optimizer', 'schedule', 'training', 'sweep'];
const MODEL_KEYS = ['kind', 'd_model', 'n_layers', 'n_encoder_layers', 'n_decoder_layers', 'n_heads', 'd_ff', 'context', 'dropout', 'bias', 'tie_embeddings', 'activation'];

function complete(marked: string, fileName = 'run.lab.yaml', triggerCharacter?: string): { text: string; offset: number; items: ConfigCompletion[] } {
  const offset = marked.indexOf(CARET);
  assert.ok(offset >= 0);
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  return { text, offset, items: configCompletions(text, offset, fileName, { triggerCharacter }) };
}

function labels(marked: string, fileName?: string, trigger?: string): string[] {
  return complete(marked, fileName, trigger).items.map((item) => item.label);
}

/** Applies an item as an editor would, with snippet tab stops replaced by their first choice or placeholder. */
function apply(text: string, item: ConfigCompletion, lineIndent = ''): string {
  const plain = item.insertText
    .replace(/\$\{\d+\|([^,|]*)[^}]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '')
    .replace(/\n/g, `\n${lineIndent}`);
  return text.slice(0, item.range[0]) + plain + text.slice(item.range[1]);
}

function item(items: ConfigCompletion[], label: string): ConfigCompletion {
  const found = items.find((candidate) => candidate.label === label);
  assert.ok(found, `no item ${label} in ${items.map((i) => i.label).join(', ')}`);
  return found;
}

test('top-level keys: all in schema order, then only those not yet present', () => {
  assert.deepEqual(labels('‸'), TOP_KEYS);
  assert.deepEqual(labels('name: tiny\nmodel:\n  kind: gpt\n‸\n'), TOP_KEYS.filter((key) => key !== 'name' && key !== 'model'));
  assert.deepEqual(labels('‸\nname: tiny\ntraining:\n  steps: 3\n'), TOP_KEYS.filter((key) => key !== 'name' && key !== 'training'));
});

test('keys of a section, at every level', () => {
  assert.deepEqual(labels('model:\n  kind: gpt\n  ‸\n'), MODEL_KEYS.filter((key) => key !== 'kind'));
  assert.deepEqual(labels('data:\n  ‸\n'), ['train', 'val', 'val_fraction', 'vocab', 'vocab_size', 'shuffle', 'sequences', 'format']);
  assert.deepEqual(labels('loss:\n  ‸'), ['label_smoothing', 'ignore_padding']);
  assert.deepEqual(labels('loss:\n  label_smoothing: 0.1\n  ‸'), ['ignore_padding']);
  assert.deepEqual(labels('loss:\n  label_smoothing: 0.1\n  ignore_padding: true\n  ‸'), []);
  assert.deepEqual(labels('schedule: {warmup_steps: 10, ‸}\n'), ['decay', 'min_lr', 'decay_steps', 'gamma', 'step_size']);
  // Not a mapping in the schema, or not in the schema at all: no keys to offer.
  assert.deepEqual(labels('optimizer:\n  betas:\n    ‸\n'), []);
  assert.deepEqual(labels('nonsense:\n  ‸\n'), []);
});

test('key items: detail, documentation with description and default, snippet with the default or the choices', () => {
  const { items } = complete('model:\n  ‸\n');
  const dModel = item(items, 'd_model');
  assert.equal(dModel.detail, 'integer · default 64');
  assert.equal(dModel.insertText, 'd_model: ${1:64}');
  assert.equal(dModel.kind, 'field');
  assert.match(dModel.documentation, /^\*\*`model\.d_model`\*\* · integer · default `64`\n\nWidth of the model/);
  assert.equal(item(items, 'kind').insertText, 'kind: ${1|gpt,encoder-decoder|}');
  assert.equal(item(items, 'kind').detail, 'string · required');
  assert.ok(item(items, 'kind').sortText < dModel.sortText, 'required keys first');
  assert.equal(item(items, 'activation').insertText, 'activation: ${1|gelu,gelu_tanh,relu|}');
  assert.equal(item(items, 'bias').insertText, 'bias: ${1|true,false|}');
  assert.equal(item(items, 'd_ff').insertText, 'd_ff: $1');
  const optimizer = complete('optimizer:\n  ‸\n').items;
  assert.equal(item(optimizer, 'betas').insertText, 'betas: [${1:0.9}, ${2:0.999}]');
  assert.equal(item(optimizer, 'nesterov').insertText, 'nesterov: ${1|false,true|}', 'the default comes first');
  assert.equal(item(optimizer, 'eps').insertText, 'eps: ${1:1e-8}');
  assert.equal(item(complete('schedule:\n  ‸').items, 'decay').insertText, 'decay: ${1|constant,linear,cosine,inverse_sqrt,exponential,step|}');
  assert.equal(item(complete('training:\n  ‸').items, 'grad_clip').insertText, 'grad_clip: ${1:1}');
});

test('section keys open a block (with their required keys) in the document\'s indentation, or braces in flow style', () => {
  const top = complete('‸').items;
  assert.deepEqual([item(top, 'model').insertText, item(top, 'model').retrigger, item(top, 'model').kind], ['model:\n  kind: ${1|gpt,encoder-decoder|}', false, 'section']);
  assert.equal(item(top, 'data').insertText, 'data:\n  train: $1');
  assert.deepEqual([item(top, 'training').insertText, item(top, 'training').retrigger], ['training:\n  $0', true]);
  const four = complete('name: x\nmodel:\n    kind: gpt\n‸').items;
  assert.equal(item(four, 'data').insertText, 'data:\n    train: $1');
  const flow = complete('{name: x, ‸}').items;
  assert.equal(item(flow, 'model').insertText, 'model: {kind: ${1|gpt,encoder-decoder|}}');
  assert.deepEqual([item(flow, 'loss').insertText, item(flow, 'loss').retrigger], ['loss: {$1}', true]);
});

test('inserting items yields configs that parse as intended', () => {
  const start = complete('‸');
  let text = apply(start.text, item(start.items, 'name')).replace('name: ', 'name: demo');
  const model = complete(`${text}\n‸`);
  text = apply(model.text, item(model.items, 'model'));
  const data = complete(`${text}\n‸`);
  text = apply(data.text, item(data.items, 'data')).replace('train: ', 'train: t.txt');
  const steps = complete(`${text}\n‸`);
  text = apply(steps.text, item(steps.items, 'training'));
  const inner = complete(`${text}‸`);
  text = apply(inner.text, item(inner.items, 'steps'));
  assert.equal(text, 'name: demo\nmodel:\n  kind: gpt\ndata:\n  train: t.txt\ntraining:\n  steps: 200');
  const parsed = parseConfigText(text, 'demo.lab.yaml');
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.config?.training.steps, 200);
});

test('typing over an existing key inserts only the name; in flow style a comma is added before the next key', () => {
  const existing = complete('model:\n  ki‸nd: gpt\n');
  assert.deepEqual(existing.items.map((i) => i.label), MODEL_KEYS);
  assert.equal(item(existing.items, 'kind').insertText, 'kind');
  assert.deepEqual(existing.items[0].range, [9, 13]);
  const flow = complete('model: {‸ kind: gpt}\n');
  assert.equal(item(flow.items, 'bias').insertText, 'bias: ${1|true,false|}, ');
  const last = complete('model: {kind: gpt, ‸}\n');
  assert.equal(item(last.items, 'bias').insertText, 'bias: ${1|true,false|}');
});

test('values after `key: `: enum values with descriptions, booleans, the default preselected', () => {
  const decay = complete('schedule:\n  decay: ‸\n').items;
  assert.deepEqual(decay.map((i) => i.label), ['constant', 'linear', 'cosine', 'inverse_sqrt', 'exponential', 'step']);
  assert.deepEqual(decay.filter((i) => i.preselect).map((i) => i.label), ['constant']);
  const cosine = item(decay, 'cosine');
  assert.deepEqual([cosine.kind, cosine.insertText, cosine.detail], ['value', 'cosine', 'schedule.decay']);
  assert.equal(cosine.documentation, '`schedule.decay`: `cosine` — Fall along half a cosine from lr to min_lr over decay_steps. — f = `min_lr + ½ (lr − min_lr) (1 + cos(π p))`');
  assert.equal(item(decay, 'constant').detail, 'default · schedule.decay');
  assert.deepEqual(labels('model:\n  kind: ‸\n'), ['gpt', 'encoder-decoder']);
  assert.deepEqual(labels('model:\n  bias: ‸\n'), ['true', 'false']);
  assert.deepEqual(labels('optimizer:\n  nesterov: ‸\n'), ['false', 'true']);
  assert.deepEqual(labels('data: {vocab: ‸}\n'), ['byte', 'char', 'word', 'bpe', 'gpt2']);
  assert.deepEqual(labels('backend: we‸'), ['auto', 'cpu', 'cpu-reference', 'webgpu']);
  // Numbers, strings and unknown keys have no values to offer.
  assert.deepEqual(labels('model:\n  d_model: ‸\n'), []);
  assert.deepEqual(labels('name: ‸\n'), []);
  assert.deepEqual(labels('model:\n  colour: ‸\n'), []);
});

test('value items replace the whole value, inside quotes, and add the space YAML needs after a bare colon', () => {
  const typed = complete('schedule:\n  decay: cos‸ine\n');
  assert.deepEqual(typed.items[0].range, [19, 25]);
  assert.equal(apply(typed.text, item(typed.items, 'linear')), 'schedule:\n  decay: linear\n');
  const quoted = complete('schedule:\n  decay: "cos‸"\n');
  assert.equal(apply(quoted.text, item(quoted.items, 'cosine')), 'schedule:\n  decay: "cosine"\n');
  const bare = complete('schedule:\n  decay:‸\n');
  assert.equal(apply(bare.text, item(bare.items, 'cosine')), 'schedule:\n  decay: cosine\n');
});

test('the space trigger only ever opens values right after `key: `', () => {
  assert.deepEqual(labels('model:\n  kind: ‸\n', undefined, ' '), ['gpt', 'encoder-decoder']);
  assert.deepEqual(labels('model:\n  ‸\n', undefined, ' '), []);
  assert.deepEqual(labels('model: {kind: gpt, ‸}\n', undefined, ' '), []);
  assert.deepEqual(labels('name: my ‸', undefined, ' '), []);
  assert.deepEqual(labels('model:\n  kind: gpt ‸\n', undefined, ' '), []);
});

test('JSON configs get no completions: VS Code\'s JSON schema support already offers every key and value', () => {
  assert.deepEqual(labels('{\n  ‸\n}', 'run.lab.json'), []);
  assert.deepEqual(labels('{"model": {"kind": ‸}}', 'run.lab.json'), []);
  // The same text as YAML (flow style) does get them.
  assert.deepEqual(labels('{"model": {"kind": ‸}}', 'run.lab.yaml'), ['gpt', 'encoder-decoder']);
});

test('every offset of assorted documents: no throw, ranges on one line around the cursor', () => {
  const documents = [
    'name: tiny\nmodel:\n  kind: gpt\n  d_model: 32 # width\ndata:\n  train: "t.txt"\noptimizer: {name: adam, betas: [0.9, 0.99]}\n',
    'model: {kind: gpt,\n  bias: tru\ndata:\n  - a\n  - {b: [c, "d\n\t\tx: |\n  text\n',
    '{"name": "x", "schedule": {"decay": "cos", }, ]}\r\n',
    ': : :\n- - -\n"unterminated: x\n\'a\'\'b\': c\n{[{[}]}]\n#\n  #x\nk:v\nk: v: w\n',
  ];
  for (const text of documents) {
    for (let offset = 0; offset <= text.length; offset++) {
      for (const trigger of [undefined, ' ']) {
        for (const completion of configCompletions(text, offset, 'x.lab.yaml', { triggerCharacter: trigger })) {
          const [start, end] = completion.range;
          assert.ok(start <= offset && offset <= end, `range ${start}-${end} misses ${offset} in ${JSON.stringify(text)}`);
          assert.ok(!/[\r\n]/.test(text.slice(start, end)), `range spans lines at ${offset}`);
        }
      }
    }
  }
});

test('hostile input stays fast: a long line, deep brackets, many lines; beyond the editor limit, nothing', () => {
  const started = Date.now();
  const cases = [`a${' '.repeat(200_000)}b`, '['.repeat(100_000), 'x:\n'.repeat(30_000), `k: {${'a: b, '.repeat(20_000)}`, '"'.repeat(200_000)];
  for (const text of cases) {
    assert.ok(text.length <= MAX_EDITOR_CHARS);
    configCompletions(text, text.length, 'x.lab.yaml');
  }
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  const huge = `model:\n  ${'#'.repeat(MAX_EDITOR_CHARS)}\n  `;
  assert.deepEqual(configCompletions(huge, huge.length, 'x.lab.yaml'), []);
  const small = 'model:\n  #\n  ';
  assert.deepEqual(configCompletions(small, small.length, 'x.lab.yaml').map((i) => i.label), MODEL_KEYS, 'the same text, small, does complete');
});
