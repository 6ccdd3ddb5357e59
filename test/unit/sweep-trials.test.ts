import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../../src/config';
import { sweepSpecOf, type SweepSpec } from '../../src/config/sweep';
import { plannedTrials, sweepTrials } from '../../src/config/sweepTrials';
import { parseYamlConfig } from '../../src/config/parseYaml';
import { LineIndex } from '../../src/config/sourceMap';

/** The sweep block of a config text, as `losslab sweep` reads it (the config must be valid). */
function spec(sweep: string): SweepSpec {
  const text = `name: s\nmodel: { kind: gpt }\ndata: { train: a.txt }\ntraining: { steps: 100, eval_interval: 10 }\nsweep:\n${sweep}`;
  const result = parseConfigText(text, 's.lab.yaml');
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  return sweepSpecOf(parseYamlConfig(text, new LineIndex(text)).value) as SweepSpec;
}

describe('sweep trials', () => {
  it('grid: every combination, the first parameter varying slowest, in the order written', () => {
    const grid = spec('  parameters:\n    optimizer.lr: [0.001, 0.003, 0.01]\n    schedule.warmup_steps: [0, 100]\n    optimizer.name: [adamw]\n');
    assert.equal(plannedTrials(grid), 6);
    assert.deepEqual(sweepTrials(grid, 1), [
      { 'optimizer.lr': 0.001, 'schedule.warmup_steps': 0, 'optimizer.name': 'adamw' },
      { 'optimizer.lr': 0.001, 'schedule.warmup_steps': 100, 'optimizer.name': 'adamw' },
      { 'optimizer.lr': 0.003, 'schedule.warmup_steps': 0, 'optimizer.name': 'adamw' },
      { 'optimizer.lr': 0.003, 'schedule.warmup_steps': 100, 'optimizer.name': 'adamw' },
      { 'optimizer.lr': 0.01, 'schedule.warmup_steps': 0, 'optimizer.name': 'adamw' },
      { 'optimizer.lr': 0.01, 'schedule.warmup_steps': 100, 'optimizer.name': 'adamw' },
    ]);
    assert.deepEqual(sweepTrials(grid, 1), sweepTrials(grid, 99), 'a grid does not depend on the seed');
  });

  it('random: the same seed draws the same trials, another seed others; ranges stay in bounds, integers are whole', () => {
    const random = spec('  method: random\n  trials: 200\n  parameters:\n    optimizer.lr: { min: 0.0001, max: 0.1, scale: log }\n    schedule.warmup_steps: { min: 0, max: 50 }\n    optimizer.name: [adamw, adam, sgd]\n');
    const first = sweepTrials(random, 7);
    assert.equal(first.length, 200);
    assert.deepEqual(sweepTrials(random, 7), first);
    assert.notDeepEqual(sweepTrials(random, 8), first);
    for (const trial of first) {
      const lr = trial['optimizer.lr'] as number;
      const warmup = trial['schedule.warmup_steps'] as number;
      assert.ok(lr >= 0.0001 && lr <= 0.1, `lr ${lr}`);
      assert.ok(Number.isInteger(warmup) && warmup >= 0 && warmup <= 50, `warmup ${warmup}`);
    }
    assert.deepEqual(new Set(first.map((t) => t['optimizer.name'])), new Set(['adamw', 'adam', 'sgd']));
  });

  it('random: scale log is uniform in log space, scale linear uniform in the value', () => {
    const draws = (scale: string) => sweepTrials(spec(`  method: random\n  trials: 1000\n  parameters:\n    optimizer.lr: { min: 0.0001, max: 0.1, scale: ${scale} }\n`), 3)
      .map((t) => t['optimizer.lr'] as number);
    // Below the geometric midpoint (10^-2.5): half of log-uniform draws, 3% of linear ones.
    const belowGeometricMiddle = (values: number[]) => values.filter((v) => v < 10 ** -2.5).length / values.length;
    assert.ok(Math.abs(belowGeometricMiddle(draws('log')) - 0.5) < 0.05, `log: ${belowGeometricMiddle(draws('log'))}`);
    assert.ok(belowGeometricMiddle(draws('linear')) < 0.06, `linear: ${belowGeometricMiddle(draws('linear'))}`);
    const linear = draws('linear');
    assert.ok(Math.abs(linear.filter((v) => v < 0.05).length / linear.length - 0.5) < 0.05);
  });
});
