import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedKeys, configSchema, findSchemaNode, parseConfigText, type JsonSchemaNode } from '../../src/config';

function eachProperty(visit: (node: JsonSchemaNode, path: string[]) => void): void {
  const walk = (node: JsonSchemaNode, path: string[]): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      visit(child, [...path, key]);
      walk(child, [...path, key]);
    }
  };
  walk(configSchema, []);
}

test('the schema is a draft-07 document with an id and a title', () => {
  assert.equal(configSchema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.match(configSchema.$id ?? '', /^https:\/\/.+\.json$/);
  assert.ok((configSchema.title ?? '').length > 0);
});

test('every property is documented and every object is closed', () => {
  let count = 0;
  eachProperty((node, path) => {
    count++;
    assert.ok((node.description ?? '').length >= 20, `${path.join('.')} needs a description`);
    // sweep.parameters maps any config key to its values; checkSweepBlock checks each key against the schema.
    if (node.type === 'object' && path.join('.') !== 'sweep.parameters') assert.equal(node.additionalProperties, false, path.join('.'));
  });
  assert.equal(configSchema.additionalProperties, false);
  assert.ok(count >= 50, `only ${count} properties`);
});

test('the schema bounds and defaults are the documented ones', () => {
  const table: Array<[string, number | undefined, number | undefined, unknown]> = [
    ['seed', 0, 2147483647, 1337],
    ['model.d_model', 8, 2048, 64],
    ['model.n_layers', 1, 48, 2],
    ['model.n_heads', 1, 64, 4],
    ['model.d_ff', 8, 16384, undefined],
    ['model.context', 2, 4096, 64],
    ['training.steps', 1, 10_000_000, 200],
    ['training.batch_size', 1, 4096, 16],
    ['training.grad_accumulation', 1, 1024, 1],
    ['training.eval_steps', 1, 10_000, 10],
    ['schedule.step_size', 1, undefined, 100],
  ];
  for (const [path, minimum, maximum, defaultValue] of table) {
    const node = findSchemaNode(path.split('.'));
    assert.deepEqual([node?.type, node?.minimum, node?.maximum, node?.default], ['integer', minimum, maximum, defaultValue], path);
  }
  assert.deepEqual(findSchemaNode(['optimizer', 'lr']), { ...findSchemaNode(['optimizer', 'lr']), exclusiveMinimum: 0, maximum: 10, default: 0.001 });
  assert.deepEqual(findSchemaNode(['training', 'grad_clip'])?.type, ['number', 'null']);
});

test('writing every schema default explicitly gives the same config as leaving them out', () => {
  const explicit: Record<string, Record<string, unknown> | string> = { name: 'defaults' };
  eachProperty((node, path) => {
    if (node.default === undefined || path.length === 0) return;
    if (path.length === 1) explicit[path[0]] = node.default as string;
    else (explicit[path[0]] = (explicit[path[0]] as Record<string, unknown>) ?? {})[path[1]] = node.default;
  });
  // The sweep block plans other runs and needs parameters; its defaults are checked in sweep-config.test.ts.
  delete explicit.sweep;
  const model = explicit.model as Record<string, unknown>;
  delete model.n_encoder_layers;
  delete model.n_decoder_layers;
  delete (explicit.data as Record<string, unknown>).format;
  model.kind = 'gpt';
  (explicit.data as Record<string, unknown>).train = 't.txt';
  const full = parseConfigText(JSON.stringify(explicit), 'full.lab.json');
  assert.deepEqual(full.diagnostics, []);
  const minimal = parseConfigText('{"name": "defaults", "model": {"kind": "gpt"}, "data": {"train": "t.txt"}}', 'min.lab.json');
  assert.deepEqual(full.config, minimal.config);
});

test('findSchemaNode follows properties and list items', () => {
  assert.equal(findSchemaNode([]), configSchema);
  assert.equal(findSchemaNode(['optimizer', 'betas', '1'])?.type, 'number');
  assert.equal(findSchemaNode(['model', 'nope']), undefined);
  assert.equal(findSchemaNode(['name', 'x']), undefined);
  assert.deepEqual(allowedKeys(['loss']), ['label_smoothing', 'ignore_padding']);
  assert.deepEqual(allowedKeys([]), ['name', 'seed', 'backend', 'model', 'data', 'loss', 'optimizer', 'schedule', 'training', 'sweep']);
});

test('the schema describes exactly the fields of a resolved config', () => {
  const { config } = parseConfigText('{"name": "a", "model": {"kind": "gpt"}, "data": {"train": "t"}}', 'a.lab.json');
  assert.ok(config);
  const resolved = config as unknown as Record<string, unknown>;
  // A run's config leaves out the sweep block, which plans other runs.
  assert.deepEqual(Object.keys(resolved).sort(), allowedKeys([]).filter((key) => key !== 'sweep').sort());
  for (const section of ['model', 'data', 'loss', 'optimizer', 'schedule', 'training']) {
    // vocab_size is bpe's alone: other vocabularies get their size from the data or have a fixed one.
    const keys = allowedKeys([section]).filter((key) => key !== 'vocab_size');
    assert.deepEqual(Object.keys(resolved[section] as object).sort(), keys.sort(), section);
  }
  const bpe = parseConfigText('{"name": "a", "model": {"kind": "gpt"}, "data": {"train": "t", "vocab": "bpe", "vocab_size": 300}}', 'a.lab.json').config;
  assert.equal(bpe?.data.vocab_size, 300);
});
