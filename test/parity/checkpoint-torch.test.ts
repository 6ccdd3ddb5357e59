import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/engine/io/safetensors';
import { CHECKSUM_KEY } from '../../src/node/runFolder';
import { runCli, tempDir } from '../support/cli';
import { parseRefereeLog, torchAvailable } from '../support/torch';

/** The interpreter with torch (Debian's python3-torch), as test/support/torch.ts picks it. */
const PYTHON = process.env.LOSSLAB_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(__dirname, '..', 'torch', 'checkpoint_continue.py');

function continueInTorch(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const status = torchAvailable();
  if (!status.ok) return Promise.reject(new Error(`PyTorch unavailable: ${status.reason}`));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' }, timeout: 120_000, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const STORY = 'the cat sat on the mat. a dog ran to the park and the cat saw it. '.repeat(40);
const PAIRS = Array.from({ length: 60 }, (_, i) => {
  const words = ['one', 'two', 'three', 'four', 'five'].slice(0, 1 + (i % 5));
  return `${words.join(' ')}\t${words.map((w) => w.length).join(' ')}`;
}).join('\n');

const scenarios = [
  { name: 'gpt, tied embeddings · adamw · accumulation · clipping', file: 'story.txt', text: STORY, yaml: `
model: { kind: gpt, d_model: 16, n_layers: 2, n_heads: 2, d_ff: 32, context: 16 }
data: { train: story.txt, vocab: char }
optimizer: { name: adamw, lr: 0.01, weight_decay: 0.1 }
schedule: { warmup_steps: 3, decay: cosine, min_lr: 0.001 }
training: { steps: 10, batch_size: 3, grad_accumulation: 2, grad_clip: 0.5 }` },
  { name: 'gpt, untied, no bias · sgd nesterov', file: 'story.txt', text: STORY, yaml: `
model: { kind: gpt, d_model: 16, n_layers: 1, n_heads: 2, d_ff: 32, context: 16, bias: false, tie_embeddings: false }
data: { train: story.txt, vocab: word }
optimizer: { name: sgd, lr: 0.3, momentum: 0.9, nesterov: true, weight_decay: 0.001 }
schedule: { decay: step, gamma: 0.5, step_size: 3 }
training: { steps: 10, batch_size: 4, grad_clip: 1.0 }` },
  { name: 'encoder-decoder (torch.nn.Transformer) · adam · label smoothing', file: 'pairs.tsv', text: PAIRS, yaml: `
model: { kind: encoder-decoder, d_model: 16, n_encoder_layers: 1, n_decoder_layers: 2, n_heads: 4, d_ff: 24, context: 12 }
data: { train: pairs.tsv, vocab: word }
loss: { label_smoothing: 0.1 }
optimizer: { name: adam, lr: 0.003, weight_decay: 0.01 }
schedule: { warmup_steps: 4, decay: inverse_sqrt }
training: { steps: 10, batch_size: 4, grad_clip: 0.3 }` },
];

/** Per file: the stored checksum, hashlib's sha256 of the data section, and the tensors as torch.Tensors. */
const CHECKSUM_IN_TORCH = `
import hashlib, json, struct, sys
import torch
from safetensors_io import read_safetensors
key = sys.argv[1]
for path in sys.argv[2:]:
    blob = open(path, "rb").read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    arrays, metadata = read_safetensors(path)
    assert all(isinstance(v, str) for v in metadata.values()), "safetensors metadata values are strings"
    tensors = {name: torch.from_numpy(a) for name, a in arrays.items()}
    print(json.dumps({"stored": metadata.get(key), "computed": hashlib.sha256(blob[8 + header_len:]).hexdigest(),
                      "tensors": len(tensors), "values": sum(t.numel() for t in tensors.values())}))
`;

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('checkpoints load into PyTorch (load_state_dict(strict=True), torch.optim state) and training continues alike', () => {
  for (const s of scenarios) {
    it(s.name, async (t) => {
      const dir = tempDir('losslab-ckpt-torch-');
      writeFileSync(join(dir, s.file), s.text);
      const config = join(dir, 'ckpt.lab.yaml');
      writeFileSync(config, `name: ckpt\nseed: 4\nbackend: cpu-reference\n${s.yaml.trim().replace(/ }$/, ', checkpoint_interval: 4, eval_interval: 0 }')}\n`);
      const run = join(dir, 'run');
      const batches = join(dir, 'batches.safetensors');
      const cli = await runCli(['train', config, '--out', run, '--dump-batches', batches, '--quiet']);
      assert.equal(cli.code, 0, cli.stderr);
      const ours = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      let worst = 0;
      for (const step of [4, 8]) {
        const checkpoint = join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}.safetensors`);
        const out = join(dir, `torch-${step}.jsonl`);
        const result = await continueInTorch(['--config', join(run, 'config.json'), '--checkpoint', checkpoint, '--batches', batches, '--steps', '10', '--out', out]);
        assert.equal(result.code, 0, result.stderr);
        const torch = parseRefereeLog(readFileSync(out, 'utf8'));
        assert.deepEqual(torch.map((m) => m.step), Array.from({ length: 10 - step }, (_, i) => step + 1 + i));
        for (const m of torch) {
          const a = ours[m.step - 1];
          assert.equal(m.tokens, a.tokens);
          assert.ok(relative(m.lr, a.lr) < 1e-9, `step ${m.step} lr ${m.lr} vs ${a.lr}`);
          assert.ok(relative(m.loss as number, a.loss) < 1e-4, `step ${m.step} (from checkpoint ${step}) loss ${m.loss} vs ${a.loss}`);
          assert.ok(relative(m.grad_norm as number, a.grad_norm) < 1e-3, `step ${m.step} grad_norm ${m.grad_norm} vs ${a.grad_norm}`);
          worst = Math.max(worst, relative(m.loss as number, a.loss));
        }
      }
      t.diagnostic(`continued in PyTorch from steps 4 and 8: max relative loss difference ${worst.toExponential(2)}`);
    });
  }

  it('every checkpoint file with its checksum metadata loads in PyTorch, and Python\'s hashlib computes the same checksum', async () => {
    const dir = tempDir('losslab-ckpt-torch-');
    writeFileSync(join(dir, 'story.txt'), STORY);
    const config = join(dir, 'ckpt.lab.yaml');
    writeFileSync(config, `name: ckpt\nseed: 4\nbackend: cpu\n${scenarios[0].yaml.trim().replace(/ }$/, ', checkpoint_interval: 4 }')}\n`);
    const run = join(dir, 'run');
    assert.equal((await runCli(['train', config, '--out', run, '--quiet'])).code, 0);
    const folder = join(run, 'checkpoints');
    const files = readdirSync(folder).sort().map((name) => join(folder, name));
    assert.equal(files.length, 7, 'steps 4, 8 and 10 (weights and state) and final');
    const python = spawnSync(PYTHON, ['-c', CHECKSUM_IN_TORCH, CHECKSUM_KEY, ...files], {
      cwd: join(__dirname, '..', 'torch'), encoding: 'utf8', timeout: 120_000, env: { ...process.env, OPENBLAS_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    assert.equal(python.status, 0, python.stderr);
    const results = python.stdout.trim().split('\n').map((l) => JSON.parse(l) as { stored: string; computed: string; tensors: number; values: number });
    assert.equal(results.length, files.length);
    files.forEach((file, i) => {
      const decoded = decodeSafetensors(readFileSync(file), file);
      assert.equal(results[i].stored, decoded.metadata[CHECKSUM_KEY], file);
      assert.equal(results[i].computed, results[i].stored, `${file}: hashlib over the data section`);
      assert.equal(results[i].tensors, decoded.tensors.size, file);
      const values = [...decoded.tensors.values()].reduce((sum, t) => sum + t.data.length, 0);
      assert.equal(results[i].values, values, `${file}: torch sees every value`);
    });
  });

  it('strict loading is real: an extra tensor in the weights file, or a missing moment, is refused', async () => {
    const dir = tempDir('losslab-ckpt-torch-');
    writeFileSync(join(dir, 'story.txt'), STORY);
    const config = join(dir, 'ckpt.lab.yaml');
    writeFileSync(config, `name: ckpt\nseed: 4\nbackend: cpu-reference\n${scenarios[0].yaml.trim().replace(/ }$/, ', checkpoint_interval: 4 }')}\n`);
    const run = join(dir, 'run');
    const batches = join(dir, 'batches.safetensors');
    assert.equal((await runCli(['train', config, '--out', run, '--dump-batches', batches, '--quiet'])).code, 0);
    const checkpoint = join(run, 'checkpoints', 'step-000004.safetensors');
    const rewrite = (file: string, edit: (tensors: Record<string, Tensor>) => void) => {
      const decoded = decodeSafetensors(readFileSync(file), file);
      const tensors: Record<string, Tensor> = Object.fromEntries([...decoded.tensors].map(([n, t]) => [n, { dtype: 'F32', shape: t.shape, data: t.data as Float32Array }]));
      edit(tensors);
      writeFileSync(file, encodeSafetensors(tensors, decoded.metadata));
    };
    const args = ['--config', join(run, 'config.json'), '--checkpoint', checkpoint, '--batches', batches, '--steps', '6', '--out', join(dir, 'x.jsonl')];
    rewrite(checkpoint, (tensors) => void (tensors['transformer.extra.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) }));
    const extra = await continueInTorch(args);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /Unexpected key\(s\) in state_dict: "transformer\.extra\.weight"/);
    rewrite(checkpoint, (tensors) => void delete tensors['transformer.extra.weight']);
    rewrite(checkpoint.replace('.safetensors', '.state.safetensors'), (tensors) => void delete tensors['transformer.ln_f.bias.exp_avg']);
    const missing = await continueInTorch(args);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing transformer\.ln_f\.bias\.exp_avg/);
  });
});
