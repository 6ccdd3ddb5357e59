import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configCompletions } from '../../src/config/completions';
import { configHover } from '../../src/config/hovers';

const TEXT = 'name: s\nmodel: { kind: gpt }\ndata: { train: a.txt }\nsweep:\n  metric: loss\n  parameters:\n    optimizer.lr: [0.001, 0.01]\n    ';

describe('the sweep block in the editor', () => {
  it('completes the keys of sweep from the schema, and any config key by its dotted name under parameters', () => {
    const sweepKeys = configCompletions('name: s\nsweep:\n  ', 'name: s\nsweep:\n  '.length, 'c.lab.yaml').map((c) => c.label);
    assert.deepEqual(sweepKeys, ['method', 'trials', 'parallel', 'metric', 'seed', 'early_stop', 'parameters']);
    const items = configCompletions(TEXT, TEXT.length, 'c.lab.yaml');
    const labels = items.map((c) => c.label);
    assert.ok(labels.includes('schedule.warmup_steps') && labels.includes('model.d_model') && labels.includes('training.batch_size'));
    assert.ok(!labels.includes('optimizer.lr'), 'a key already swept is not offered again');
    assert.ok(!labels.includes('name') && !labels.some((l) => l.startsWith('sweep')), 'name and the sweep block cannot be swept');
    const warmup = items.find((c) => c.label === 'schedule.warmup_steps');
    assert.equal(warmup?.insertText, 'schedule.warmup_steps: [$1]');
    assert.match(warmup?.documentation ?? '', /rises linearly from 0 to lr/);
  });

  it('hovers a swept key with that key\'s documentation, and the sweep keys with theirs', () => {
    const lr = configHover(TEXT, TEXT.indexOf('optimizer.lr') + 3, 'c.lab.yaml');
    assert.match(lr?.markdown ?? '', /^Swept: every trial sets `optimizer\.lr` to one of the values listed\./);
    assert.match(lr?.markdown ?? '', /Learning rate: how big a step each update takes/);
    const metric = configHover(TEXT, TEXT.indexOf('metric') + 1, 'c.lab.yaml');
    assert.match(metric?.markdown ?? '', /What ranks the trials, lower is better/);
    const json = '{"sweep": {"parameters": {"schedule.decay": ["cosine"]}}}';
    assert.match(configHover(json, json.indexOf('schedule.decay') + 2, 'c.lab.json')?.markdown ?? '', /^Swept: every trial sets `schedule\.decay`/);
  });
});
