import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configHover } from '../../src/config/hovers';
import { fieldDocumentation, scheduleFormula } from '../../src/config/fieldDocs';
import { allowedKeys, findSchemaNode, schemaSections } from '../../src/config/schema';

const YAML = 'name: tiny\nmodel:\n  kind: gpt\n  d_model: 32\nschedule: {decay: cosine, warmup_steps: 10}\ntraining:\n  grad_clip: null\n';

function hoverOn(text: string, needle: string, fileName = 'run.lab.yaml', delta = 1) {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  return configHover(text, offset + delta, fileName);
}

test('hover on a key: path, type, default, description, allowed values; the range is the key', () => {
  const hover = hoverOn(YAML, 'd_model');
  assert.ok(hover);
  assert.deepEqual(hover.path, ['model', 'd_model']);
  assert.equal(YAML.slice(hover.range[0], hover.range[1]), 'd_model');
  assert.equal(hover.markdown, [
    '**`model.d_model`** · integer · default `64`',
    'Width of the model: how many numbers represent each token inside the network. Bigger learns more but is slower. Must be divisible by n_heads.',
    'Allowed: an integer ≥ 8 and ≤ 2048.',
  ].join('\n\n'));
});

test('hover on an enum key lists every value with its meaning and marks the default', () => {
  const hover = hoverOn(YAML, 'kind');
  assert.ok(hover);
  assert.equal(hover.markdown, [
    '**`model.kind`** · string · required',
    "Which Transformer to build: 'gpt' predicts the next token of one text; 'encoder-decoder' learns to turn a source text into a target text.",
    'Allowed values:\n- `gpt` — A decoder-only language model that learns to predict the next token (like nanoGPT).\n- `encoder-decoder` — An encoder reads a source text and a decoder writes a target text (like torch.nn.Transformer), e.g. for translation.',
  ].join('\n\n'));
  const backend = configHover('backend: cpu\n', 2, 'run.lab.yaml');
  assert.match(backend?.markdown ?? '', /^- `auto` \(default\) — Use the GPU/m);
});

test('hover on a section names its keys; on a nullable number says so', () => {
  const model = hoverOn(YAML, 'model');
  assert.match(model?.markdown ?? '', /^\*\*`model`\*\* · section · required\n\nThe shape of the Transformer to train\.\n\nKeys: `kind` \(required\), `d_model`, `n_layers`, /);
  const clip = hoverOn(YAML, 'grad_clip');
  assert.match(clip?.markdown ?? '', /^\*\*`training\.grad_clip`\*\* · number or null · default `1`\n/);
  assert.match(clip?.markdown ?? '', /\n\nAllowed: a number ≥ 0, or null\.$/);
});

test('schedule keys explain their formula in one line; in flow style too', () => {
  const warmup = hoverOn(YAML, 'warmup_steps');
  assert.deepEqual(warmup?.path, ['schedule', 'warmup_steps']);
  assert.match(warmup?.markdown ?? '', /\n\nFormula: for steps s ≤ warmup_steps, `lr\(s\) = lr · s \/ warmup_steps`: a straight ramp up from 0\.$/);
  const decay = hoverOn(YAML, 'decay');
  assert.match(decay?.markdown ?? '', /- `cosine` — Fall along half a cosine from lr to min_lr over decay_steps\. — f = `min_lr \+ ½ \(lr − min_lr\) \(1 \+ cos\(π p\)\)`/);
  assert.match(decay?.markdown ?? '', /\n\nFormula: after warm-up, `lr\(s\) = max\(min_lr, f\)` with f as listed for each value and progress `p = min\(1, \(s − warmup_steps\) \/ max\(1, decay_steps − warmup_steps\)\)`\.$/);
  for (const key of allowedKeys(['schedule'])) {
    const formula = scheduleFormula(['schedule', key]);
    assert.ok(formula && !formula.includes('\n'), `schedule.${key} has a one-line formula`);
    assert.ok(fieldDocumentation(['schedule', key])?.endsWith(`Formula: ${formula}`));
  }
  assert.equal(scheduleFormula(['optimizer', 'lr']), undefined);
  assert.doesNotMatch(hoverOn(YAML, 'd_model')?.markdown ?? '', /Formula/);
});

test('hover on an enum value explains that value; on other values and unknown keys, nothing', () => {
  const cosine = hoverOn(YAML, 'cosine');
  assert.deepEqual(cosine?.path, ['schedule', 'decay']);
  assert.equal(cosine?.markdown, '`schedule.decay`: `cosine` — Fall along half a cosine from lr to min_lr over decay_steps. — f = `min_lr + ½ (lr − min_lr) (1 + cos(π p))`');
  assert.equal(hoverOn(YAML, 'gpt')?.markdown, '`model.kind`: `gpt` — A decoder-only language model that learns to predict the next token (like nanoGPT).');
  assert.equal(hoverOn(YAML, 'tiny'), undefined);
  assert.equal(hoverOn(YAML, '32'), undefined);
  assert.equal(configHover('model:\n  colour: red\n', 10, 'run.lab.yaml'), undefined);
  assert.equal(configHover('# name: x\n', 3, 'run.lab.yaml'), undefined);
});

test('hover works in broken YAML (keys keep their paths)', () => {
  const broken = 'name: tiny\nmodel:\n  kind: [gpt\n  d_model: 3.5\n\tcontext: x\ndata: {train: a.txt,\n';
  assert.deepEqual(hoverOn(broken, 'd_model')?.path, ['model', 'd_model']);
  assert.deepEqual(hoverOn(broken, 'train')?.path, ['data', 'train']);
  assert.deepEqual(hoverOn(broken, 'context')?.path, ['model', 'context']);
});

test('JSON: hover on keys adds type, allowed values, default and formula, but not the description VS Code shows', () => {
  const json = '{\n  "name": "tiny",\n  "schedule": {"decay": "cosine", "warmup_steps": 10},\n  "model": {"d_model": 32}\n}\n';
  const dModel = hoverOn(json, '"d_model"', 'run.lab.json');
  assert.deepEqual(dModel?.path, ['model', 'd_model']);
  assert.equal(json.slice(dModel?.range[0], dModel?.range[1]), '"d_model"');
  assert.equal(dModel?.markdown, '**`model.d_model`** · integer · default `64`\n\nAllowed: an integer ≥ 8 and ≤ 2048.');
  assert.match(hoverOn(json, '"warmup_steps"', 'run.lab.json')?.markdown ?? '', /Formula: for steps s ≤ warmup_steps/);
  assert.equal(hoverOn(json, '"cosine"', 'run.lab.json'), undefined, 'values: VS Code shows the enum description');
  assert.equal(hoverOn(json, '32', 'run.lab.json', 0), undefined);
  assert.deepEqual(hoverOn('{"model": {"kind": "gpt",, }', '"kind"', 'run.lab.json')?.path, ['model', 'kind'], 'broken JSON');
});

test('every schema field has documentation with its description', () => {
  for (const section of schemaSections()) {
    for (const key of allowedKeys(section)) {
      const path = [...section, key];
      const node = findSchemaNode(path);
      const markdown = fieldDocumentation(path);
      assert.ok(markdown?.startsWith(`**\`${path.join('.')}\`**`), path.join('.'));
      assert.ok(node?.description && markdown?.includes(node.markdownDescription ?? node.description), `${path.join('.')} has its description`);
    }
  }
});
