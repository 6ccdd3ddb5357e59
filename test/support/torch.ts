/** Test helpers that drive the PyTorch referee (test/torch/referee.py) through Debian's python3. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabConfig } from '../../src/config/types';
import { decodeSafetensors, encodeSafetensors, type DecodedTensor, type Tensor } from '../../src/engine/io/safetensors';

/** The interpreter with torch 1.13 and numpy; LOSSLAB_PYTHON overrides it on other machines. */
const PYTHON = process.env.LOSSLAB_PYTHON ?? '/usr/bin/python3';
const REFEREE_SCRIPT = fileURLToPath(new URL('../torch/referee.py', import.meta.url));
const REFEREE_ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' };

/** Whether the referee can run, and why not. */
export interface TorchStatus {
  ok: boolean;
  reason: string;
}

/** A tensor for a referee input file; plain arrays are converted according to dtype. */
export interface TensorInput {
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array | readonly number[];
}

/** A float result read back from the referee. */
export interface TensorResult {
  shape: number[];
  data: Float32Array;
}

/** The referee's ops, named as in its `ops` subcommand. */
export type OpName =
  | 'linear' | 'embedding' | 'layer_norm' | 'gelu' | 'gelu_tanh' | 'relu' | 'attention' | 'cross_entropy'
  | 'slice_last' | 'add' | 'scale' | 'softmax' | 'optimizer' | 'clip';

/** One op-level case: outputs `{name}.out`, `{name}.grad.{i}` (float inputs, when grad_output is set), `{name}.clipped.{i}` (clip). */
export interface OpCase {
  name: string;
  op: OpName;
  attrs?: Record<string, unknown>;
  /** Names of tensors in the input map, in the op's input order. */
  inputs: string[];
  /** Tensor of the output's shape; gradients are of sum(out * grad_output). */
  grad_output?: string | null;
}

/** Options for one referee process. */
export interface RefereeOptions {
  cwd?: string;
  /** Kill the process after this long (default 120 s). */
  timeoutMs?: number;
}

/** One line of the referee's `train` log. */
export interface RefereeStep {
  step: number;
  /** null when the value was not finite. */
  loss: number | null;
  lr: number;
  grad_norm: number | null;
  grad_norm_clipped: number | null;
  tokens: number;
}

/** Inputs of a reference training run; files go to a fresh temp dir unless `dir` is given. */
export interface TrainRequest {
  config: LabConfig;
  weights: Record<string, TensorInput>;
  batches: Record<string, TensorInput>;
  padId: number;
  steps: number;
  dir?: string;
  /** Also write step 1's gradients / micro-0 logits to `{dir}/grads.safetensors` / `{dir}/logits.safetensors`. */
  dumpGrads?: boolean;
  dumpLogits?: boolean;
}

let cachedStatus: TorchStatus | undefined;

/** Checks once per process that python3 can import torch and numpy. */
export function torchAvailable(): TorchStatus {
  if (cachedStatus) return cachedStatus;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { env: REFEREE_ENV, encoding: 'utf8', timeout: 60_000 });
  if (probe.error) cachedStatus = { ok: false, reason: `cannot run ${PYTHON}: ${probe.error.message}` };
  else if (probe.status !== 0) cachedStatus = { ok: false, reason: `${PYTHON} cannot import torch and numpy: ${probe.stderr.trim()}` };
  else cachedStatus = { ok: true, reason: '' };
  return cachedStatus;
}

/** Runs `python3 test/torch/referee.py ...args`; rejects with stderr on a non-zero exit or when torch is missing. */
export function runReferee(args: string[], opts: RefereeOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const status = torchAvailable();
  if (!status.ok) return Promise.reject(new Error(`PyTorch referee unavailable: ${status.reason}`));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [REFEREE_SCRIPT, ...args], {
      cwd: opts.cwd,
      env: REFEREE_ENV,
      timeout: opts.timeoutMs ?? 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`referee ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

function toTensor(input: TensorInput): Tensor {
  const shape = [...input.shape];
  return input.dtype === 'F32' ? { dtype: 'F32', shape, data: Float32Array.from(input.data) } : { dtype: 'I32', shape, data: Int32Array.from(input.data) };
}

/** Writes tensors and string metadata as a safetensors file. */
export async function writeTensorFile(file: string, tensors: Record<string, TensorInput>, metadata: Record<string, string> = {}): Promise<void> {
  const converted = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, toTensor(t)]));
  await writeFile(file, encodeSafetensors(converted, metadata));
}

/** Reads a safetensors file. */
export async function readTensorFile(file: string): Promise<{ tensors: Map<string, DecodedTensor>; metadata: Record<string, string> }> {
  return decodeSafetensors(new Uint8Array(await readFile(file)), path.basename(file));
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'losslab-referee-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs op cases through the referee's float64 reference and returns every output tensor by name. */
export function referenceOps(cases: OpCase[], tensors: Record<string, TensorInput>): Promise<Map<string, TensorResult>> {
  return withTempDir(async (dir) => {
    const inFile = path.join(dir, 'ops-in.safetensors');
    const outFile = path.join(dir, 'ops-out.safetensors');
    await writeTensorFile(inFile, tensors, { cases: JSON.stringify(cases) });
    await runReferee(['ops', '--in', inFile, '--out', outFile]);
    const { tensors: outputs } = await readTensorFile(outFile);
    const results = new Map<string, TensorResult>();
    for (const [name, tensor] of outputs) results.set(name, { shape: tensor.shape, data: Float32Array.from(tensor.data) });
    return results;
  });
}

/** Parses the JSON lines written by `referee.py train`. */
export function parseRefereeLog(text: string): RefereeStep[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as RefereeStep);
}

/** The learning rates `referee.py schedule` reports for steps 1..steps. */
export function referenceSchedule(config: LabConfig, steps: number): Promise<number[]> {
  return withTempDir(async (dir) => {
    const configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify(config));
    const { stdout } = await runReferee(['schedule', '--config', configFile, '--steps', String(steps)]);
    return JSON.parse(stdout) as number[];
  });
}

/** Writes config, weights and batches, runs `referee.py train`, and returns its per-step log. */
export async function referenceTrain(request: TrainRequest): Promise<RefereeStep[]> {
  const run = async (dir: string): Promise<RefereeStep[]> => {
    const file = (name: string): string => path.join(dir, name);
    await writeFile(file('config.json'), JSON.stringify(request.config));
    await writeTensorFile(file('init.safetensors'), request.weights);
    await writeTensorFile(file('batches.safetensors'), request.batches, { pad_id: String(request.padId) });
    const args = ['train', '--config', file('config.json'), '--init', file('init.safetensors'), '--batches', file('batches.safetensors')];
    args.push('--steps', String(request.steps), '--out', file('metrics.jsonl'));
    if (request.dumpGrads) args.push('--dump-grads', file('grads.safetensors'));
    if (request.dumpLogits) args.push('--dump-logits', file('logits.safetensors'));
    await runReferee(args);
    return parseRefereeLog(await readFile(file('metrics.jsonl'), 'utf8'));
  };
  return request.dir ? run(request.dir) : withTempDir(run);
}
