import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { learningRate } from '../../src/engine/optim/schedule';
import { decodeSafetensors } from '../../src/engine/io/safetensors';
import { ensureBuilt, runCli, tempDir } from '../support/cli';

const TEXT = 'a small cat sat on a small mat and a big dog sat by the door. '.repeat(30);

/** A tiny valid config and its data in a fresh folder. */
function project(yaml = '', text = TEXT): { dir: string; config: string } {
  const dir = tempDir();
  writeFileSync(join(dir, 'story.txt'), text);
  writeFileSync(join(dir, 'tiny.lab.yaml'), `name: tiny
seed: 11
backend: cpu-reference
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, context: 16 }
data: { train: story.txt, vocab: char }
optimizer: { lr: 0.01 }
schedule: { warmup_steps: 2, decay: cosine }
training: { steps: 6, batch_size: 4, eval_interval: 3, eval_steps: 2 }
${yaml}`);
  return { dir, config: join(dir, 'tiny.lab.yaml') };
}

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('losslab CLI', () => {
  it('trains into a run folder beside the config with every promised file', async () => {
    const { dir, config } = project();
    const result = await runCli(['train', config, '--quiet', '--metrics', join(dir, 'copy.jsonl'), '--set', 'training.checkpoint_interval=2']);
    assert.equal(result.code, 0, result.stderr);
    const runs = readdirSync(join(dir, '.losslab', 'runs', 'tiny'));
    assert.equal(runs.length, 1);
    const run = join(dir, '.losslab', 'runs', 'tiny', runs[0]);
    const records = lines(join(run, 'metrics.jsonl'));
    const steps = records.filter((r) => !('val_loss' in r));
    const evals = records.filter((r) => 'val_loss' in r);
    assert.deepEqual(steps.map((s) => s.step), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Object.keys(steps[0]).sort(), ['grad_norm', 'grad_norm_clipped', 'loss', 'lr', 'pad_fraction', 'step', 'time_ms', 'tokens', 'tokens_per_sec']);
    assert.deepEqual(evals.map((e) => e.step), [3, 6]);
    assert.ok(steps.every((s) => Number.isFinite(s.loss) && s.tokens === 4 * 16));
    assert.deepEqual(lines(join(dir, 'copy.jsonl')), records);
    const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    assert.equal(info.status, 'finished');
    assert.equal(info.steps_completed, 6);
    assert.equal(info.backend.name, 'cpu-reference');
    assert.equal(info.final_loss, steps[5].loss);
    const resolved = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    assert.equal(resolved.data.train, join(dir, 'story.txt'));
    const checkpoint = decodeSafetensors(readFileSync(join(run, 'checkpoints', 'final.safetensors')), 'final');
    assert.deepEqual(checkpoint.tensors.get('transformer.wte.weight')?.shape, [info.vocab_size, 16]);
    assert.equal(checkpoint.metadata.step, '6');
    assert.deepEqual(readdirSync(join(run, 'checkpoints')).sort(), ['final.safetensors', 'step-000002.safetensors',
      'step-000002.state.safetensors', 'step-000004.safetensors', 'step-000004.state.safetensors', 'step-000006.safetensors',
      'step-000006.state.safetensors']);
  });

  it('is deterministic: the same seed gives identical metrics, another seed does not', async () => {
    const { dir, config } = project();
    const deterministic = (file: string) => lines(file).map(({ tokens_per_sec: _t, time_ms: _m, ...rest }) => JSON.stringify(rest)).join('\n');
    const runs = [];
    for (const [name, seed] of [['a', '11'], ['b', '11'], ['c', '12']]) {
      const out = join(dir, name);
      const yaml = readFileSync(config, 'utf8').replace('seed: 11', `seed: ${seed}`);
      writeFileSync(join(dir, `${name}.lab.yaml`), yaml);
      assert.equal((await runCli(['train', join(dir, `${name}.lab.yaml`), '--out', out, '--quiet'])).code, 0);
      runs.push(deterministic(join(out, 'metrics.jsonl')));
    }
    assert.equal(runs[0], runs[1]);
    assert.notEqual(runs[0], runs[2]);
  });

  it('--save-init then --init-from reproduces the run; --steps overrides the config', async () => {
    const { dir, config } = project();
    assert.equal((await runCli(['train', config, '--out', join(dir, 'r1'), '--save-init', join(dir, 'init.safetensors'), '--quiet'])).code, 0);
    assert.equal((await runCli(['train', config, '--out', join(dir, 'r2'), '--init-from', join(dir, 'init.safetensors'), '--steps', '4', '--quiet'])).code, 0);
    const a = lines(join(dir, 'r1', 'metrics.jsonl')).filter((r) => !('val_loss' in r));
    const b = lines(join(dir, 'r2', 'metrics.jsonl')).filter((r) => !('val_loss' in r));
    assert.equal(b.length, 4);
    assert.deepEqual(b.slice(0, 3).map((r) => r.loss), a.slice(0, 3).map((r) => r.loss), 'same weights, batches and warm-up lr');
    assert.equal(b[3].lr, 0, 'the cosine decay now ends at step 4');
    assert.ok(a[3].lr > 0);
  });

  it('validate reports every config error located, without a stack trace', async () => {
    const { dir } = project();
    const bad = join(dir, 'bad.lab.yaml');
    writeFileSync(bad, 'name: bad\nmodel:\n  kind: gpt\n  d_mdoel: 32\n  n_heads: 3\ndata: { train: story.txt }\noptimizer: { name: adam_w }\n');
    const result = await runCli(['validate', bad]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bad\.lab\.yaml:4:3: error: .*d_mdoel.*did you mean "d_model"/);
    assert.match(result.stderr, /bad\.lab\.yaml:7:\d+: error: .*adam_w.*adamw/);
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/);
    const ok = await runCli(['validate', join(dir, 'tiny.lab.yaml')]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('--set overrides are validated like the file itself', async () => {
    const { config } = project();
    const bad = await runCli(['train', config, '--set', 'optimizer.lr=-1', '--quiet']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /optimizer\.lr.*set by the override/);
    const typo = await runCli(['train', config, '--set', 'lr', '--quiet']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /expected KEY=VALUE/);
  });

  it('schedule prints the learning rate of every step', async () => {
    const { config } = project();
    const result = await runCli(['schedule', config, '--steps', '10']);
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout.trim().split('\n').slice(1).map((l) => l.split('\t').map(Number));
    const schedule = { warmup_steps: 2, decay: 'cosine' as const, min_lr: 0, decay_steps: 10, gamma: 0.95, step_size: 100 };
    assert.deepEqual(rows, Array.from({ length: 10 }, (_, i) => [i + 1, learningRate(i + 1, 0.01, schedule)]));
  });

  it('names the file and the problem for a corrupt, foreign or mismatched --init-from', async () => {
    const { dir, config } = project();
    const cases: [string, Uint8Array | string, RegExp][] = [
      ['garbage.safetensors', new Uint8Array([1, 2, 3, 4, 5]), /garbage\.safetensors/],
      ['model.pt', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]), /model\.pt.*(zip|PyTorch)/i],
      ['picture.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]), /picture\.png/],
    ];
    for (const [name, bytes, pattern] of cases) {
      writeFileSync(join(dir, name), bytes);
      const result = await runCli(['train', config, '--init-from', join(dir, name), '--quiet']);
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /internal error|at .*\.js:\d+/);
    }
    const wide = project();
    writeFileSync(wide.config, readFileSync(wide.config, 'utf8').replace('d_model: 16', 'd_model: 32'));
    assert.equal((await runCli(['train', wide.config, '--steps', '1', '--save-init', join(dir, 'wide.safetensors'), '--quiet'])).code, 0);
    const mismatch = await runCli(['train', config, '--init-from', join(dir, 'wide.safetensors'), '--quiet']);
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /wide\.safetensors: does not fit.*transformer\.wte\.weight: shape \[\d+, 32\], the model needs \[\d+, 16\]/);
    assert.equal((await runCli(['train', config, '--init-from', join(dir, 'missing.safetensors'), '--quiet'])).code, 2);
  });

  it('names the dataset for a missing or empty training file', async () => {
    const missing = project('', TEXT);
    writeFileSync(missing.config, readFileSync(missing.config, 'utf8').replace('story.txt', 'nowhere.txt'));
    const a = await runCli(['train', missing.config, '--quiet']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /nowhere\.txt/);
    const empty = project('', '');
    const b = await runCli(['train', empty.config, '--quiet']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /story\.txt.*empty/i);
    assert.doesNotMatch(a.stderr + b.stderr, /internal error|at .*\.js:\d+/);
  });

  it('after a GPU failure names the step and the checkpoint, and the command it prints resumes the run on the CPU', async () => {
    const { dir, config } = project('', TEXT);
    const run = join(dir, 'run');
    const paused = await runCli(['train', config, '--quiet', '--out', run, '--set', 'training.checkpoint_interval=2'],
      { env: { LOSSLAB_TEST_GPU_FAULT: 'device-lost@3' } });
    assert.equal(paused.code, 1, paused.stderr);
    const [sentence, command] = paused.stderr.trim().split('\n').slice(-2);
    assert.equal(sentence, 'The WebGPU device was lost during step 4, so the run paused (steps 1–3 are kept): resume on the CPU from checkpoint step 2.');
    assert.equal(command, `continue on the CPU: losslab train ${config} --resume ${run} --backend cpu`);
    const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    assert.deepEqual([info.status, info.gpu_failure], ['paused', { kind: 'device-lost', step: 3, checkpoint_step: 2 }]);

    const resumed = await runCli(command.replace('continue on the CPU: losslab ', '').split(' '), { env: { LOSSLAB_TEST_GPU_FAULT: 'device-lost@3' } });
    assert.equal(resumed.code, 0, resumed.stderr);
    const finished = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    assert.equal(finished.status, 'finished');
    assert.equal(finished.steps_completed, 6);
    assert.deepEqual(lines(join(run, 'metrics.jsonl')).filter((r) => !('val_loss' in r)).map((r) => r.step), [1, 2, 3, 4, 5, 6]);
  });

  it('stops cleanly on Ctrl-C, keeping every metric so far', async () => {
    ensureBuilt();
    const { dir, config } = project();
    writeFileSync(config, readFileSync(config, 'utf8').replace('steps: 6', 'steps: 100000'));
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli.js'), 'train', config, '--out', join(dir, 'run')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(dir, 'run', 'metrics.jsonl')) && readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').split('\n').length > 5) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.ok(Date.now() - sent < 1000, 'stopped within a second');
    assert.equal(code, 130, stderr);
    const info = JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8'));
    assert.equal(info.status, 'stopped');
    const steps = lines(join(dir, 'run', 'metrics.jsonl')).filter((r) => !('val_loss' in r));
    assert.equal(steps.length, info.steps_completed);
    assert.ok(existsSync(join(dir, 'run', 'checkpoints', 'final.safetensors')));
  });
});
