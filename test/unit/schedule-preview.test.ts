import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { learningRate } from '../../src/engine/optim/schedule';
import { MAX_PREVIEW_STEPS, SchedulePreviewer } from '../../src/extension/dashboard/schedulePreview';

const config = (warmup: number, steps = 100, clip = '1.0') => `name: tiny
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt }
optimizer: { lr: 0.01 }
schedule: { warmup_steps: ${warmup}, decay: cosine, min_lr: 0.001 }
training: { steps: ${steps}, grad_clip: ${clip} }
`;

describe('schedule preview', () => {
  it('previews the learning rate of every step from the config text', () => {
    const { preview, config: parsed } = new SchedulePreviewer().update(config(10), '/lab/tiny.lab.yaml');
    assert.equal(parsed?.name, 'tiny');
    assert.equal(preview.error, null);
    assert.equal(preview.gradClip, 1);
    assert.equal(preview.lrs.length, 100);
    assert.equal(preview.lrs[0], 0.001);
    assert.equal(preview.lrs[9], 0.01);
    assert.ok(Math.abs(preview.lrs[99] - 0.001) < 1e-12);
    assert.ok(parsed);
    preview.lrs.forEach((lr, i) => assert.equal(lr, learningRate(i + 1, 0.01, parsed.schedule)));
  });

  it('follows an edit of the warm-up', () => {
    const previewer = new SchedulePreviewer();
    const before = previewer.update(config(10), '/lab/tiny.lab.yaml').preview;
    const after = previewer.update(config(40), '/lab/tiny.lab.yaml').preview;
    assert.equal(before.lrs.indexOf(Math.max(...before.lrs)), 9);
    assert.equal(after.lrs.indexOf(Math.max(...after.lrs)), 39);
  });

  it('keeps the last valid preview while the text does not validate, and names the first error', () => {
    const previewer = new SchedulePreviewer();
    const valid = previewer.update(config(10), '/lab/tiny.lab.yaml').preview;
    const broken = previewer.update(config(10).replace('warmup_steps: 10', 'warmup_steps: -5'), '/lab/tiny.lab.yaml');
    assert.equal(broken.config, null);
    assert.deepEqual(broken.preview.lrs, valid.lrs);
    assert.equal(broken.preview.gradClip, 1);
    assert.match(broken.preview.error ?? '', /^line 5: schedule\.warmup_steps: /);
    const unparsable = previewer.update('name: [', '/lab/tiny.lab.yaml');
    assert.deepEqual(unparsable.preview.lrs, valid.lrs);
    assert.match(unparsable.preview.error ?? '', /^line \d+: /);
    const fixed = previewer.update(config(20), '/lab/tiny.lab.yaml').preview;
    assert.equal(fixed.error, null);
    assert.equal(fixed.lrs[19], 0.01);
  });

  it('has nothing to keep before the first valid text, or after a reset', () => {
    const previewer = new SchedulePreviewer();
    const first = previewer.update('', '/lab/tiny.lab.yaml').preview;
    assert.deepEqual(first.lrs, []);
    assert.match(first.error ?? '', /empty/);
    previewer.update(config(10), '/lab/tiny.lab.yaml');
    previewer.reset();
    assert.deepEqual(previewer.update('{', '/lab/tiny.lab.json').preview.lrs, []);
  });

  it('reads JSON configs and turns an absent clip into 0, and caps very long schedules', () => {
    const json = JSON.stringify({ name: 'j', model: { kind: 'gpt' }, data: { train: 'a.txt' }, training: { steps: 30, grad_clip: null } });
    const preview = new SchedulePreviewer().update(json, '/lab/j.lab.json').preview;
    assert.equal(preview.lrs.length, 30);
    assert.equal(preview.gradClip, 0);
    const long = new SchedulePreviewer().update(config(10, 5_000_000), '/lab/tiny.lab.yaml').preview;
    assert.equal(long.lrs.length, MAX_PREVIEW_STEPS);
  });
});
