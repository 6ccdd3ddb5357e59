import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, findSchemaNode, formatDiagnostic, parseConfigText, type JsonSchemaNode, type LabConfig } from '../../src/config';
import { ConfigMutator, validMutants } from '../support/configMutator';

const RUNS = 1000;

// Independent of Ajv: walks schema.json and checks that a resolved config has every field, well typed and in range.
function assertWellFormed(config: LabConfig, context: string): void {
  const check = (node: JsonSchemaNode, value: unknown, path: string[]): void => {
    const where = `${context} at ${path.join('.')}`;
    if (node.properties) {
      assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), where);
      for (const [key, child] of Object.entries(node.properties)) {
        // The sweep block plans other runs: a resolved config leaves it out.
        if (key === '$schema' || (path.length === 0 && key === 'sweep')) continue;
        check(child, (value as Record<string, unknown>)[key], [...path, key]);
      }
      return;
    }
    const dotted = path.join('.');
    if (dotted === 'data.val') return assert.ok(value === null || (typeof value === 'string' && value.length > 0), where);
    if (dotted === 'data.vocab_size' && config.data.vocab !== 'bpe') return assert.equal(value, undefined, where);
    if (['model.n_layers', 'model.n_encoder_layers', 'model.n_decoder_layers'].includes(dotted)) {
      const used = dotted === 'model.n_layers' ? config.model.kind === 'gpt' : config.model.kind === 'encoder-decoder';
      if (!used) return assert.equal(value, 0, where);
    }
    if (node.enum) return assert.ok(node.enum.includes(value), where);
    if (node.type === 'boolean') return assert.equal(typeof value, 'boolean', where);
    if (node.type === 'string') return assert.ok(typeof value === 'string' && (!node.pattern || new RegExp(node.pattern).test(value)), where);
    if (node.type === 'array') {
      assert.ok(Array.isArray(value) && value.length === node.minItems, where);
      return value.forEach((item, i) => check(node.items ?? {}, item, [...path, String(i)]));
    }
    assert.ok(typeof value === 'number' && Number.isFinite(value), `${where}: ${String(value)}`);
    if (node.type === 'integer') assert.ok(Number.isInteger(value), where);
    if (node.minimum !== undefined) assert.ok(value >= node.minimum, where);
    if (node.maximum !== undefined) assert.ok(value <= node.maximum, where);
    if (node.exclusiveMinimum !== undefined) assert.ok(value > node.exclusiveMinimum, where);
    if (node.exclusiveMaximum !== undefined) assert.ok(value < node.exclusiveMaximum, where);
  };
  check(configSchema, config, []);
  assert.equal(config.model.d_model % config.model.n_heads, 0, context);
  assert.ok(config.schedule.min_lr <= config.optimizer.lr, context);
}

test(`${RUNS} seeded mutants each resolve to a well-formed config or get located errors, without throwing`, { timeout: 20_000 }, () => {
  const mutator = new ConfigMutator(2024);
  let valid = 0;
  let invalid = 0;
  for (let run = 0; run < RUNS; run++) {
    const mutant = mutator.next();
    const context = `run ${run} (${mutant.operations.join('; ') || 'unchanged'})`;
    const started = performance.now();
    const result = parseConfigText(mutant.text, mutant.fileName);
    assert.ok(performance.now() - started < 2000, `${context} took too long`);
    const lineCount = mutant.text.split(/\r\n|\r|\n/).length;
    for (const d of result.diagnostics) {
      assert.ok(d.line >= 1 && d.line <= lineCount && d.column >= 1, `${context}: ${formatDiagnostic(d)}`);
      assert.ok(d.offset >= 0 && d.offset + d.length <= mutant.text.length, `${context}: ${formatDiagnostic(d)}`);
      assert.ok(d.message.length > 0 && d.file === mutant.fileName, context);
    }
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (result.config) {
      assert.equal(errors.length, 0, context);
      assertWellFormed(result.config, context);
      valid++;
    } else {
      assert.ok(errors.length >= 1, `${context}: no config and no error`);
      invalid++;
    }
  }
  // The mutator must exercise both outcomes, or the test proves little.
  assert.ok(valid >= 100, `only ${valid} valid mutants`);
  assert.ok(invalid >= 300, `only ${invalid} invalid mutants`);
});

test('the mutator is reproducible and its valid mutants can be collected for training', () => {
  const first = new ConfigMutator(99);
  const second = new ConfigMutator(99);
  for (let i = 0; i < 20; i++) assert.deepEqual(first.next(), second.next());
  const mutants = validMutants(5, 10, '/data');
  assert.equal(mutants.length, 10);
  for (const mutant of mutants) {
    assert.ok(mutant.config.data.train.startsWith('/data/'), mutant.config.data.train);
    assertWellFormed(mutant.config, mutant.operations.join('; '));
  }
  assert.ok(findSchemaNode(['training', 'steps']));
});
