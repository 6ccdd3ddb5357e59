import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BackendCheckRow } from '../../src/engine/train/backendCheck';
import { probeWebGpu } from '../support/backends';
import { runCli, tempDir } from '../support/cli';

interface CheckReport {
  steps: number;
  tolerance: number;
  agree: boolean;
  backends: BackendCheckRow[];
}

const webGpu = probeWebGpu();
const requireWebGpu = process.env.LOSSLAB_REQUIRE_WEBGPU === '1';
const NO_VULKAN_DRIVER = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };

/** A tiny GPT config with dropout and gradient accumulation, in a fresh folder. */
function tinyConfig(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'text.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(40));
  writeFileSync(join(dir, 'tiny.lab.yaml'), `name: tiny
seed: 5
model: { kind: gpt, d_model: 16, n_layers: 2, n_heads: 2, context: 16, dropout: 0.1 }
data: { train: text.txt, vocab: char }
optimizer: { lr: 0.01 }
training: { steps: 10, batch_size: 3, grad_accumulation: 2, eval_interval: 0 }
`);
  return join(dir, 'tiny.lab.yaml');
}

const row = (report: CheckReport, name: string): BackendCheckRow => {
  const found = report.backends.find((r) => r.backend === name);
  assert.ok(found, `a row for ${name}`);
  return found;
};

describe('losslab check', () => {
  it('checks the bundled example on every backend here: each agrees with the CPU reference, or says why it cannot run', async () => {
    const result = await runCli(['check', '--json', '--steps', '3'], { timeoutMs: 300_000 });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as CheckReport;
    assert.equal(report.agree, true);
    assert.equal(report.tolerance, 1e-4);
    assert.deepEqual(report.backends.map((r) => r.backend), ['cpu-reference', 'cpu', 'webgpu']);
    const reference = row(report, 'cpu-reference');
    assert.equal(reference.status, 'reference');
    assert.equal(reference.losses.length, 3);
    assert.ok(reference.losses[2] < reference.losses[0], 'the example learns over three steps');
    const cpu = row(report, 'cpu');
    assert.equal(cpu.status, 'agrees');
    assert.ok((cpu.lossRelDiff as number) <= 1e-4 && (cpu.paramRelDiff as number) <= 1e-4);
    cpu.losses.forEach((loss, i) => assert.ok(Math.abs(loss - reference.losses[i]) <= (cpu.lossMaxAbsDiff as number)));
    assert.ok((cpu.tokensPerSec as number) > 0);
    const gpu = row(report, 'webgpu');
    if (!webGpu.available && !requireWebGpu) {
      assert.equal(gpu.status, 'unavailable');
      assert.ok(gpu.reason && gpu.reason.length > 0);
      return;
    }
    assert.equal(gpu.status, 'agrees', gpu.selfTestProblem ?? undefined);
    assert.match(gpu.description ?? '', /^WebGPU \(/);
    assert.deepEqual({ submits: gpu.gpuWork?.submits, passes: gpu.gpuWork?.passes }, { submits: 2, passes: 3 });
    assert.ok((gpu.gpuWork?.dispatches as number) > 100, 'the step ran its kernels');
  });

  it('compares a config with dropout and gradient accumulation; prints a table with the speed of each backend', async () => {
    const result = await runCli(['check', tinyConfig(), '--steps', '4', '--backend', 'cpu,webgpu'], { timeoutMs: 300_000 });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const lines = result.stdout.split('\n');
    assert.match(lines[0], /4 training steps per backend, compared with the CPU reference \(tolerance 0\.0001/);
    assert.match(lines[1], /^backend\s+result\s+loss Δ \(rel\)\s+param Δ \(rel\)\s+tokens\/s/);
    assert.match(result.stdout, /^cpu\s+agrees\s+\S+ \(\S+\)\s+\S+ \(\S+\)\s+\d+$/m);
    assert.doesNotMatch(result.stdout, /^cpu-reference /m, 'the reference runs as the anchor but only named backends are rows');
    if (webGpu.available || requireWebGpu) assert.match(result.stdout, /^webgpu\s+agrees\s.*\s\d+\s+2 \/ \d+ \/ \d+$/m);
    assert.match(result.stdout, /every backend that ran agrees with the CPU reference/);
  });

  it('exits 1 when a backend differs from the reference by more than --tolerance', async () => {
    const result = await runCli(['check', tinyConfig(), '--steps', '2', '--backend', 'cpu', '--tolerance', '1e-12', '--json']);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as CheckReport;
    assert.equal(report.agree, false);
    const cpu = row(report, 'cpu');
    assert.equal(cpu.status, 'disagrees');
    assert.ok((cpu.paramRelDiff as number) > 1e-12 && (cpu.paramRelDiff as number) <= 1e-4, 'a float-rounding difference, no more');
  });

  it('lists WebGPU with the reason when no adapter can run here, and still exits 0', async () => {
    const result = await runCli(['check', tinyConfig(), '--steps', '1', '--backend', 'webgpu'], { env: NO_VULKAN_DRIVER });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^webgpu\s+cannot run here$/m);
    assert.match(result.stdout, /^webgpu: cannot run here: .+/m);
  });

  it('refuses bad options with what would be right', async () => {
    const badBackend = await runCli(['check', '--backend', 'gpu']);
    assert.equal(badBackend.code, 2);
    assert.match(badBackend.stderr, /--backend gpu: expected one of cpu-reference, cpu, webgpu/);
    const badSteps = await runCli(['check', '--steps', '0']);
    assert.equal(badSteps.code, 2);
    assert.match(badSteps.stderr, /--steps 0: expected a whole number from 1 to 1000/);
    const help = await runCli(['check', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: losslab check \[CONFIG\]/);
    assert.match(help.stdout, /--json/);
  });
});
