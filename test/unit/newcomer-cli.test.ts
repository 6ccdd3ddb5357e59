import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli';

const COMMANDS = ['train', 'validate', 'schedule', 'export-onnx', 'generate', 'export-metrics', 'report', 'find-lr', 'export-torch'];
const STORY = join(__dirname, '..', '..', 'examples', 'data', 'story.txt');

/** A tiny gpt config in its own folder, its data beside it. */
function tinyConfig(dir: string, dataPath = 'story.txt'): string {
  copyFileSync(STORY, join(dir, 'story.txt'));
  const config = join(dir, 'tiny.lab.yaml');
  writeFileSync(config, [
    'name: tiny', 'seed: 1', 'model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, d_ff: 32, context: 16 }',
    `data: { train: ${dataPath}, val_fraction: 0.1, vocab: char }`, 'training: { steps: 2, batch_size: 2, eval_interval: 2 }', '',
  ].join('\n'));
  return config;
}

describe('losslab COMMAND --help', () => {
  for (const name of COMMANDS) {
    it(`${name}: --help, -h and help ${name} print its usage and options and exit 0`, async () => {
      const outputs = [];
      for (const args of [[name, '--help'], [name, '-h'], ['help', name], [name, 'some.lab.yaml', '--steps', '3', '--help']]) {
        const result = await runCli(args);
        assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stderr, '');
        outputs.push(result.stdout);
      }
      const [help] = outputs;
      assert.ok(help.startsWith(`Usage: losslab ${name} `), help);
      assert.match(help, /\nOptions:\n/);
      assert.match(help, /\n {2}-h, --help +print this help and exit\n/);
      for (const other of outputs) assert.equal(other, help);
    });
  }

  it('the overview names every command, and an unknown command or help topic is a worded error', async () => {
    const overview = await runCli(['--help']);
    assert.equal(overview.code, 0);
    for (const name of COMMANDS) assert.ok(overview.stdout.includes(`losslab ${name} `), name);
    for (const args of [['trian'], ['help', 'trian']]) {
      const result = await runCli(args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /unknown command "trian"; the commands are train, validate, /);
    }
  });

  it('train --help lists every backend and --verbose', async () => {
    const { stdout } = await runCli(['train', '--help']);
    assert.match(stdout, /--backend NAME +override the config's backend: auto, cpu, cpu-reference, webgpu/);
    assert.match(stdout, /--verbose +also print why the backend was chosen/);
  });
});

describe('backends by their honest names', () => {
  it('--backend cpu trains on the WebAssembly kernels; the startup line fits 80 columns and --verbose adds why', async () => {
    const dir = tempDir();
    const config = tinyConfig(dir);
    const plain = await runCli(['train', config, '--backend', 'cpu', '--out', join(dir, 'fast')]);
    assert.equal(plain.code, 0, plain.stderr);
    const first = plain.stderr.split('\n')[0];
    assert.match(first, /^tiny: [\d,]+ parameters on CPU \(WebAssembly SIMD kernels/);
    assert.ok(first.length <= 80, `${first.length} columns: ${first}`);
    assert.doesNotMatch(plain.stderr, /why: /);
    const info = JSON.parse(readFileSync(join(dir, 'fast', 'run.json'), 'utf8'));
    assert.equal(info.backend.name, 'wasm');
    assert.match(info.backend.reason, /^backend: cpu was requested; CPU \(WebAssembly/);

    const verbose = await runCli(['train', config, '--backend', 'cpu', '--verbose', '--out', join(dir, 'verbose')]);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr.split('\n')[1], /^why: backend: cpu was requested; CPU \(WebAssembly .* passed its self-test$/);
  });

  it('--backend cpu-reference is the one-thread TypeScript reference, and run.json says so', async () => {
    const dir = tempDir();
    const result = await runCli(['train', tinyConfig(dir), '--backend', 'cpu-reference', '--out', join(dir, 'ref')]);
    assert.equal(result.code, 0, result.stderr);
    const info = JSON.parse(readFileSync(join(dir, 'ref', 'run.json'), 'utf8'));
    assert.equal(info.backend.name, 'cpu-reference');
    assert.equal(info.backend.description, 'CPU (TypeScript reference kernels, 1 thread)');
  });

  it('an unknown --backend names the choices', async () => {
    const dir = tempDir();
    const result = await runCli(['train', tinyConfig(dir), '--backend', 'wasm']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--backend wasm: expected one of auto, cpu, cpu-reference, webgpu/);
  });
});

describe('export-torch and data outside the config folder', () => {
  it('refuses a data file outside the config\'s folder unless --allow-outside-data, naming the key and the flag', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'configs'));
    copyFileSync(STORY, join(dir, 'outside.txt'));
    const config = tinyConfig(join(dir, 'configs'), '../outside.txt');
    const refused = await runCli(['export-torch', config, '--out', join(dir, 'export')]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /tiny\.lab\.yaml: data\.train: .*outside\.txt is outside the config's folder .*--allow-outside-data/);
    const allowed = await runCli(['export-torch', config, '--out', join(dir, 'export'), '--allow-outside-data']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(readFileSync(join(dir, 'export', 'data', 'outside.txt'), 'utf8'), readFileSync(STORY, 'utf8'));
    const inside = await runCli(['export-torch', tinyConfig(join(dir, 'configs')), '--out', join(dir, 'inside')]);
    assert.equal(inside.code, 0, inside.stderr);
  });
});
