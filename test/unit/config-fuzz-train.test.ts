import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { parseConfigText } from '../../src/config';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { DataError } from '../../src/engine/data/errors';
import { prepareData } from '../../src/engine/data/prepare';
import { Trainer } from '../../src/engine/train/trainer';
import { ConfigMutator } from '../support/configMutator';
import { tempDir } from '../support/cli';

/** Steps trained per valid mutant: enough to run forward, backward, clipping, the update and the next forward. */
const STEPS_PER_MUTANT = 3;

it('1,000 mutated configs: each gives a located error or a run with finite losses, never an exception', async (t) => {
  const dir = tempDir('losslab-fuzz-');
  writeFileSync(join(dir, 'train.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(40));
  writeFileSync(join(dir, 'pairs.tsv'), Array.from({ length: 40 }, (_, i) => `a b ${'c '.repeat(i % 5)}\tx ${'y '.repeat(i % 4)}z`).join('\n'));
  const files = new Map(['train.txt', 'pairs.tsv'].map((f) => [join(dir, f), readFileSync(join(dir, f), 'utf8')]));
  const mutator = new ConfigMutator(2026);
  let trained = 0;
  let located = 0;
  let nonFinite = 0;
  for (let i = 0; i < 1000; i++) {
    const mutant = mutator.next();
    const { config, diagnostics } = parseConfigText(mutant.text, join(dir, mutant.fileName), { configDir: dir });
    if (!config) {
      const errors = diagnostics.filter((d) => d.severity === 'error');
      assert.ok(errors.length > 0 && errors.every((d) => d.line >= 1 && d.column >= 1), `mutant ${i} (${mutant.operations.join('; ')})`);
      located++;
      continue;
    }
    const train = files.get(config.data.train);
    const val = config.data.val === null ? null : files.get(config.data.val) ?? null;
    if (train === undefined || (config.data.val !== null && val === null)) {
      located++;
      continue;
    }
    let data;
    try {
      data = prepareData(config, { train, val });
    } catch (error) {
      assert.ok(error instanceof DataError, `mutant ${i}: ${String(error)}`);
      located++;
      continue;
    }
    const trainer = new Trainer({ ...config, training: { ...config.training, steps: Math.min(config.training.steps, STEPS_PER_MUTANT) } }, data, { backend: new CpuBackend() });
    for (let s = 0; s < trainer.totalSteps; s++) {
      const result = await trainer.trainStep();
      if (result.nonFinite) {
        nonFinite++;
        assert.ok(result.nonFinite.step >= 1, 'a non-finite step is reported with its step and the update skipped');
        break;
      }
      assert.ok(Number.isFinite(result.metrics.loss) && Number.isFinite(result.metrics.grad_norm), `mutant ${i}: step ${s + 1}`);
    }
    if (config.training.eval_interval > 0) assert.ok(Number.isFinite((await trainer.evaluate()).val_loss));
    trained++;
  }
  t.diagnostic(`${located} located errors, ${trained} valid runs (${nonFinite} paused on a non-finite step)`);
  assert.equal(trained + located, 1000);
  assert.ok(trained > 100, `a fair share of mutants stays valid and trains (${trained})`);
  assert.ok(nonFinite <= trained);
});
