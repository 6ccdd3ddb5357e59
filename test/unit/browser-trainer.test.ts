import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parseConfigText } from '../../src/config';
import type { LabConfig } from '../../src/config/types';
import { CpuBackend } from '../../src/engine/backends/cpu';
import { prepareData, type PreparedData } from '../../src/engine/data/prepare';
import type { EvalMetrics, StepMetrics } from '../../src/engine/train/metrics';
import { TrainingRun } from '../../src/engine/train/run';
import { Trainer, type TrainerState } from '../../src/engine/train/trainer';
import type { NamedTensor } from '../../src/engine/train/weights';
import type { DidCheckpoint, DidFail, DidFinish, DidStartRun, DidStep, TrainPrepared } from '../../src/protocol/browserTrainer';
import { serializePreparedData, stateToRecord, tensorsToRecords, type TensorRecord } from '../../src/protocol/trainingTransfer';
import { launchChromiumTrainer, type ChromiumTrainer, type Received } from '../support/chromiumTrainer';

/** Losses and norms equal the CPU run's to this relative error; weights to this error relative to their largest. */
const TOLERANCE = 1e-4;
const STEPS = 20;
const REQUIRED = process.env.LOSSLAB_REQUIRE_WEBGPU === '1';

const LINES = Array.from({ length: 120 }, (_, i) => `${i * 7 % 97}+${i * 13 % 89}=${(i * 7 % 97) + (i * 13 % 89)}`).join('\n');
const PAIRS = Array.from({ length: 80 }, (_, i) => {
  const words = ['one', 'two', 'three', 'four', 'five', 'six'].slice(0, 1 + (i % 6));
  return `${words.join(' ')}\t${words.map((w) => w.length).join(' ')}`;
}).join('\n');

const scenarios = [
  { name: 'gpt · padded lines · adamw · clipping · dropout', text: LINES, file: 'lines.txt', yaml: `
model: { kind: gpt, d_model: 16, n_layers: 2, n_heads: 2, d_ff: 32, context: 16, dropout: 0.1 }
data: { train: TRAIN, vocab: char, sequences: lines }
optimizer: { name: adamw, lr: 0.01, weight_decay: 0.1 }
schedule: { warmup_steps: 5, decay: cosine, min_lr: 0.001 }
training: { steps: ${STEPS}, batch_size: 4, grad_clip: 0.5, eval_interval: 10, checkpoint_interval: 10 }` },
  { name: 'encoder-decoder · label smoothing · adam · accumulation', text: PAIRS, file: 'pairs.tsv', yaml: `
model: { kind: encoder-decoder, d_model: 16, n_encoder_layers: 1, n_decoder_layers: 2, n_heads: 4, d_ff: 24, context: 12, activation: relu }
data: { train: TRAIN, vocab: word }
loss: { label_smoothing: 0.1 }
optimizer: { name: adam, lr: 0.003 }
training: { steps: ${STEPS}, batch_size: 5, grad_accumulation: 2, grad_clip: 1, eval_interval: 10, checkpoint_interval: 10 }` },
];

function load(yaml: string, text: string, file: string, steps = STEPS): { config: LabConfig; data: PreparedData } {
  const source = `name: browser-trainer\nseed: 11\n${yaml.trim().replace('TRAIN', file).replace(`steps: ${STEPS}`, `steps: ${steps}`)}\n`;
  const { config, diagnostics } = parseConfigText(source, 'browser.lab.yaml');
  assert.ok(config, diagnostics.map((d) => d.message).join('; '));
  return { config, data: prepareData(config, { train: text, val: null }) };
}

interface Snapshot {
  weights: Map<string, NamedTensor>;
  state: TrainerState;
}

/** The CPU reference, through the same TrainingRun loop the worker uses. */
async function trainOnCpu(config: LabConfig, data: PreparedData) {
  const trainer = new Trainer(config, data, { backend: new CpuBackend() });
  const steps: StepMetrics[] = [];
  const norms: Float64Array[] = [];
  const evals: EvalMetrics[] = [];
  const checkpoints = new Map<number, Snapshot>();
  await new TrainingRun(trainer, {
    onStep: (metrics, result) => { steps.push(metrics); norms.push(result.parameterNorms); },
    onEval: (metrics) => { evals.push(metrics); },
    onCheckpoint: async (step) => { checkpoints.set(step, { weights: await trainer.weights(), state: await trainer.state() }); },
  }).run();
  return { trainer, steps, norms, evals, checkpoints, final: { weights: await trainer.weights(), state: await trainer.state() } };
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/**
 * Key biases are left out: softmax ignores a shift shared by a row's scores, so their gradient is zero in exact
 * arithmetic and each backend feeds only its own rounding noise into Adam (as in backend-training.test.ts).
 */
function comparable(name: string, values: Float32Array): Float32Array {
  if (!name.endsWith('c_attn.bias') && !name.endsWith('in_proj_bias')) return values;
  const C = values.length / 3;
  return Float32Array.from([...values.subarray(0, C), ...values.subarray(2 * C)]);
}

function assertTensorsEqual(actual: TensorRecord[], expected: Map<string, NamedTensor>, what: string): void {
  assert.deepEqual(actual.map((t) => t.name).sort(), [...expected.keys()].sort(), `${what}: the same tensors`);
  for (const t of actual) {
    const reference = expected.get(t.name) as NamedTensor;
    assert.deepEqual(t.shape, reference.shape, `${what} ${t.name}: shape`);
    const [ours, theirs] = [comparable(t.name, t.data), comparable(t.name, reference.data)];
    const scale = theirs.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
    const error = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - theirs[i])), 0) / scale;
    assert.ok(error < TOLERANCE, `${what} ${t.name}: relative error ${error}`);
  }
}

function assertSnapshot(actual: DidCheckpoint | DidFinish, expected: Snapshot, what: string): void {
  assertTensorsEqual(actual.weights, expected.weights, `${what} weights`);
  const { step, optimizerStep, sampler } = expected.state;
  assert.deepEqual({ step: actual.state.step, optimizerStep: actual.state.optimizerStep, sampler: actual.state.sampler }, { step, optimizerStep, sampler });
  // Adam's second moments of the noise-fed key biases are compared too: they are squares of tiny numbers, far below 1e-4.
  assertTensorsEqual(actual.state.optimizerState, expected.state.optimizerState, `${what} optimizer state`);
}

function assertStepsEqual(actual: StepMetrics[], expected: StepMetrics[]): void {
  assert.deepEqual(actual.map((m) => m.step), expected.map((m) => m.step), 'the same steps, in order');
  actual.forEach((a, i) => {
    assert.equal(a.tokens, expected[i].tokens);
    for (const key of ['loss', 'lr', 'grad_norm', 'grad_norm_clipped'] as const) {
      assert.ok(relative(a[key], expected[i][key]) < TOLERANCE, `step ${a.step} ${key}: ${a[key]} vs ${expected[i][key]}`);
    }
  });
}

const ofType = <K extends Received['type']>(messages: Received[], type: K) => messages.filter((m): m is Extract<Received, { type: K }> => m.type === type);
const ends = (runId: string) => (m: Received) => (m.type === 'DidFinish' || m.type === 'DidFail') && m.runId === runId;

function request(runId: string, config: LabConfig, data: PreparedData, extra: Partial<TrainPrepared> = {}): TrainPrepared {
  return { type: 'TrainPrepared', runId, config, data: serializePreparedData(data), allowFallbackAdapter: true, ...extra };
}

/** Chromium with WebGPU, or why there is none: the tests fail on that only with LOSSLAB_REQUIRE_WEBGPU=1. */
function browserOrSkip(t: TestContext, browser: ChromiumTrainer | string): ChromiumTrainer | null {
  if (typeof browser !== 'string') return browser;
  if (REQUIRED) assert.fail(`LOSSLAB_REQUIRE_WEBGPU=1 but ${browser}`);
  t.skip(browser);
  return null;
}

const launch = (webgpu: boolean) => launchChromiumTrainer(webgpu).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));

async function hasAdapter(chromium: ChromiumTrainer): Promise<boolean> {
  const page = await chromium.open();
  try {
    return (await page.adapterIsFallback()) !== null;
  } finally {
    await page.close();
  }
}

describe('the browser trainer worker in headless Chromium', () => {
  let browser: ChromiumTrainer | string = 'not launched';
  before(async () => {
    browser = await launch(true);
    if (typeof browser !== 'string' && !(await hasAdapter(browser))) {
      await browser.close();
      browser = 'headless Chromium with --enable-unsafe-webgpu has no WebGPU adapter here';
    }
  });
  after(async () => { if (typeof browser !== 'string') await browser.close(); });

  for (const s of scenarios) {
    it(`${s.name}: ${STEPS} steps on navigator.gpu equal the CPU run, checkpoints and final weights too; resume continues it`, async (t) => {
      const chromium = browserOrSkip(t, browser);
      if (!chromium) return;
      const { config, data } = load(s.yaml, s.text, s.file);
      const cpu = await trainOnCpu(config, data);
      const page = await chromium.open();
      try {
        await page.send(request('run-1', config, data));
        const messages = await page.until(ends('run-1'));
        const fail = ofType(messages, 'DidFail')[0] as DidFail | undefined;
        assert.equal(fail, undefined, `the run failed: ${fail?.kind}: ${fail?.message}`);
        const started = ofType(messages, 'DidStartRun')[0] as DidStartRun;
        assert.equal(started.backend.name, 'webgpu');
        assert.match(started.backend.description, /^WebGPU \(/);
        assert.deepEqual(started.parameterNames, cpu.trainer.parameterNames);
        assert.equal(started.parameters, cpu.trainer.model.params.count);
        const didSteps: DidStep[] = ofType(messages, 'DidStep');
        assertStepsEqual(didSteps.flatMap((m) => m.metrics), cpu.steps);
        const norms = didSteps.flatMap((m) => m.parameterNorms);
        norms.forEach((perParameter, i) => {
          assert.equal(perParameter.length, started.parameterNames.length);
          const total = Math.hypot(...perParameter);
          assert.ok(relative(total, cpu.steps[i].grad_norm) < TOLERANCE, `step ${i + 1}: the parameter norms add up to the step's norm`);
        });
        assert.deepEqual(ofType(messages, 'DidEval').map((m) => m.metrics.step), [10, 20]);
        ofType(messages, 'DidEval').forEach((m, i) => assert.ok(relative(m.metrics.val_loss, cpu.evals[i].val_loss) < TOLERANCE, `val loss at ${m.metrics.step}`));
        const checkpoints = ofType(messages, 'DidCheckpoint');
        assert.deepEqual(checkpoints.map((m) => m.step), [10]);
        assertSnapshot(checkpoints[0], cpu.checkpoints.get(10) as Snapshot, 'checkpoint 10');
        const finish = messages.at(-1) as DidFinish;
        assert.deepEqual([finish.status, finish.step], ['finished', STEPS]);
        assertSnapshot(finish, cpu.final, 'final');

        // Resuming from the CPU's step-10 checkpoint redoes steps 11–20 exactly.
        const checkpoint = cpu.checkpoints.get(10) as Snapshot;
        const from = page.received.length;
        const resume = { step: 10, weights: tensorsToRecords(checkpoint.weights), state: stateToRecord(checkpoint.state) };
        await page.send(request('run-2', config, data, { resume }));
        const resumed = await page.until(ends('run-2'), undefined, from);
        assert.equal(resumed.at(-1)?.type, 'DidFinish', JSON.stringify(resumed.at(-1)).slice(0, 300));
        assertStepsEqual(ofType(resumed, 'DidStep').flatMap((m) => m.metrics), cpu.steps.slice(10));
        assertSnapshot(resumed.at(-1) as DidFinish, cpu.final, 'final after resuming');
      } finally {
        await page.close();
      }
    });
  }

  it('StopRun stops a long run after the step in progress, with its weights', async (t) => {
    const chromium = browserOrSkip(t, browser);
    if (!chromium) return;
    const { config, data } = load(scenarios[0].yaml, scenarios[0].text, scenarios[0].file, 100_000);
    const page = await chromium.open();
    try {
      await page.send(request('long', config, data));
      await page.until((m) => m.type === 'DidStep' || ends('long')(m));
      await page.send({ type: 'StopRun', runId: 'long' });
      const finish = (await page.until(ends('long'), 60_000)).at(-1) as DidFinish;
      assert.equal(finish.type, 'DidFinish', JSON.stringify(finish).slice(0, 300));
      assert.equal(finish.status, 'stopped');
      const stepped = ofType(page.received, 'DidStep').flatMap((m) => m.metrics);
      assert.ok(finish.step >= 1 && finish.step < 100, `stopped soon, at step ${finish.step}`);
      assert.equal(stepped.at(-1)?.step, finish.step, 'every step before the stop was reported');
      assert.equal(finish.state.step, finish.step);
      assert.ok(finish.weights.every((w) => w.data.every(Number.isFinite)) && finish.weights.length > 0);
    } finally {
      await page.close();
    }
  });

  it('refuses a software adapter when allowFallbackAdapter is false, and a malformed request, saying why', async (t) => {
    const chromium = browserOrSkip(t, browser);
    if (!chromium) return;
    const { config, data } = load(scenarios[0].yaml, scenarios[0].text, scenarios[0].file);
    const page = await chromium.open();
    try {
      const malformed = { ...request('bad', config, data), allowFallbackAdapter: 'yes' } as unknown as TrainPrepared;
      await page.send(malformed);
      const refused = (await page.until(ends('bad'))).at(-1) as DidFail;
      assert.deepEqual([refused.type, refused.kind], ['DidFail', 'error']);
      assert.match(refused.message, /allowFallbackAdapter must be true or false/);
      if (!(await page.adapterIsFallback())) return t.skip('this adapter is a real GPU: no fallback to refuse');
      await page.send(request('strict', config, data, { allowFallbackAdapter: false }));
      const fail = (await page.until(ends('strict'))).at(-1) as DidFail;
      assert.deepEqual([fail.type, fail.kind], ['DidFail', 'no-adapter']);
      assert.match(fail.message, /no usable WebGPU adapter in the webview: the only WebGPU adapter \(.+\) is a software fallback/);
    } finally {
      await page.close();
    }
  });
});

describe('the browser trainer worker in Chromium without WebGPU', () => {
  it('answers TrainPrepared with DidFail no-adapter and the reason', async (t) => {
    const chromium = browserOrSkip(t, await launch(false));
    if (!chromium) return;
    try {
      const { config, data } = load(scenarios[0].yaml, scenarios[0].text, scenarios[0].file);
      const page = await chromium.open();
      await page.send(request('nogpu', config, data));
      const fail = (await page.until(ends('nogpu'), 60_000)).at(-1) as DidFail;
      assert.deepEqual([fail.type, fail.kind], ['DidFail', 'no-adapter'], JSON.stringify(fail));
      assert.match(fail.message, /no navigator\.gpu|no usable WebGPU adapter in the webview: no WebGPU adapter was found/);
    } finally {
      await chromium.close();
    }
  });
});
