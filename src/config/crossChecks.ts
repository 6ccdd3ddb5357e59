import {
  estimateActivationBytes,
  estimateParameters,
  formatCount,
  formatGiB,
  knownVocabSize,
  layerCount,
  MAX_ACTIVATION_BYTES,
  MAX_PARAMETERS,
  ACTIVATION_BYTES_PER_UNIT,
} from './sizeEstimate';
import type { Problem } from './sourceMap';
import type { LabConfig } from './types';

/** What the cross-field checks may look at: the resolved config and which of its paths the file set validly. */
export interface CrossCheckInput {
  config: LabConfig;
  /** True when the file (or an override) sets this dotted path to a schema-valid value. */
  given(path: string): boolean;
  /** True when the resolved value at this dotted path is usable (schema-valid or defaulted). */
  valid(...paths: string[]): boolean;
}

/** Rules that involve more than one field; each problem points at the value that should change. */
export function crossCheck(input: CrossCheckInput): Problem[] {
  return [...checkHeads(input), ...checkKindKeys(input), ...checkData(input), ...checkOptimizer(input), ...checkSchedule(input), ...checkSize(input)];
}

function problem(path: string, severity: 'error' | 'warning', message: string): Problem {
  return { path: path.split('.'), severity, message };
}

function checkHeads({ config, given, valid }: CrossCheckInput): Problem[] {
  if (!valid('model.d_model', 'model.n_heads')) return [];
  const { d_model: width, n_heads: heads } = config.model;
  if (width % heads === 0) return [];
  const divisors = Array.from({ length: 64 }, (_, i) => i + 1).filter((h) => width % h === 0);
  const below = divisors.filter((h) => h < heads).pop();
  const above = divisors.find((h) => h > heads);
  const options = [below, above].filter((h) => h !== undefined).join(' or ');
  const at = given('model.n_heads') || !given('model.d_model') ? 'model.n_heads' : 'model.d_model';
  return [problem(at, 'error', `d_model (${width}) must be divisible by n_heads (${heads}) so that every head gets d_model / n_heads numbers; try n_heads ${options} or a d_model that is a multiple of ${heads}.`)];
}

const KIND_ONLY_KEYS: ReadonlyArray<{ path: string; kind: 'gpt' | 'encoder-decoder'; instead: string }> = [
  { path: 'model.n_layers', kind: 'gpt', instead: 'an encoder-decoder model uses n_encoder_layers and n_decoder_layers' },
  { path: 'data.sequences', kind: 'gpt', instead: 'encoder-decoder data uses format (auto, tsv or jsonl)' },
  { path: 'model.n_encoder_layers', kind: 'encoder-decoder', instead: 'a gpt model uses n_layers' },
  { path: 'model.n_decoder_layers', kind: 'encoder-decoder', instead: 'a gpt model uses n_layers' },
  { path: 'data.format', kind: 'encoder-decoder', instead: 'gpt data uses sequences (stream or lines)' },
];

function checkKindKeys({ config, given, valid }: CrossCheckInput): Problem[] {
  if (!valid('model.kind')) return [];
  const kind = config.model.kind;
  return KIND_ONLY_KEYS.filter((rule) => rule.kind !== kind && given(rule.path)).map((rule) => {
    const key = rule.path.slice(rule.path.indexOf('.') + 1);
    return problem(rule.path, 'error', `${key} is only for kind ${rule.kind}, but model.kind is ${kind}; ${rule.instead}. Remove ${key}.`);
  });
}

function checkData(input: CrossCheckInput): Problem[] {
  const problems = checkVocabSize(input);
  if (input.given('data.val') && input.given('data.val_fraction')) {
    problems.push(problem('data.val_fraction', 'error', 'give either val (a separate validation file) or val_fraction (a share of the training data), not both; remove one of them.'));
  }
  return problems;
}

function checkVocabSize({ config, given, valid }: CrossCheckInput): Problem[] {
  if (!valid('data.vocab')) return [];
  const { vocab } = config.data;
  // valid but not given: absent (a present, out-of-range value has its own schema error).
  if (vocab === 'bpe' && !given('data.vocab_size') && valid('data.vocab_size')) {
    return [problem('data.vocab', 'error', 'vocab: bpe needs data.vocab_size, the number of tokens to learn (260 to 65536, e.g. 4096).')];
  }
  if (vocab !== 'bpe' && given('data.vocab_size')) {
    const size = vocab === 'gpt2' ? "gpt2's is fixed at 50261" : vocab === 'byte' ? "byte's is fixed at 260" : `${vocab}'s comes from the data`;
    return [problem('data.vocab_size', 'error', `vocab_size is only for vocab: bpe, but vocab is ${vocab} (${size}); remove vocab_size or use vocab: bpe.`)];
  }
  return [];
}

function checkOptimizer({ config, given, valid }: CrossCheckInput): Problem[] {
  if (!valid('optimizer.name')) return [];
  const { name, momentum, nesterov } = config.optimizer;
  const problems: Problem[] = [];
  // Only values that would do something are flagged: an explicit `momentum: 0` (the default) is harmless anywhere.
  if (name !== 'sgd' && given('optimizer.momentum') && momentum > 0) {
    problems.push(problem('optimizer.momentum', 'error', `momentum is only used by sgd, but optimizer.name is ${name}; remove it (Adam's own momentum is set by betas).`));
  }
  if (nesterov && given('optimizer.nesterov')) {
    if (name !== 'sgd') problems.push(problem('optimizer.nesterov', 'error', `nesterov only applies to sgd, but optimizer.name is ${name}; remove it or use name: sgd.`));
    else if (valid('optimizer.momentum') && momentum <= 0) problems.push(problem('optimizer.nesterov', 'error', 'nesterov: true needs momentum > 0; set optimizer.momentum (e.g. 0.9) or turn nesterov off.'));
  }
  if (name === 'sgd' && given('optimizer.betas')) {
    problems.push(problem('optimizer.betas', 'warning', 'betas are ignored by sgd (they only affect adam and adamw); use momentum for sgd.'));
  }
  return problems;
}

function checkSchedule({ config, given, valid }: CrossCheckInput): Problem[] {
  const { warmup_steps: warmup, decay, decay_steps: decaySteps, min_lr: minLr } = config.schedule;
  const problems: Problem[] = [];
  if (valid('schedule.warmup_steps', 'training.steps') && warmup > config.training.steps) {
    problems.push(problem('schedule.warmup_steps', 'warning', `warmup_steps (${warmup}) is more than training.steps (${config.training.steps}), so the learning rate never reaches lr.`));
  }
  if (valid('schedule.decay', 'schedule.warmup_steps') && given('schedule.decay_steps') && decay !== 'constant' && decaySteps < warmup) {
    problems.push(problem('schedule.decay_steps', 'warning', `decay_steps (${decaySteps}) is less than warmup_steps (${warmup}), so ${decay} decay ends before warmup does; make decay_steps ≥ warmup_steps.`));
  }
  if (valid('schedule.min_lr', 'optimizer.lr') && minLr > config.optimizer.lr) {
    problems.push(problem('schedule.min_lr', 'error', `min_lr (${minLr}) is above optimizer.lr (${config.optimizer.lr}); the decay would raise the learning rate. Use a min_lr ≤ lr.`));
  }
  return problems;
}

const MODEL_SIZE_PATHS = ['model.kind', 'model.d_model', 'model.n_layers', 'model.n_encoder_layers', 'model.n_decoder_layers', 'model.d_ff', 'model.context', 'model.bias', 'model.tie_embeddings'];

function checkSize({ config, given, valid }: CrossCheckInput): Problem[] {
  if (!valid(...MODEL_SIZE_PATHS, 'data.vocab', 'data.vocab_size', 'training.batch_size')) return [];
  const problems: Problem[] = [];
  const parameters = estimateParameters(config.model, config.data.vocab, knownVocabSize(config.data.vocab, config.data.vocab_size));
  if (parameters > MAX_PARAMETERS) {
    const at = ['model.d_model', 'model.n_layers', 'model.n_encoder_layers', 'model.d_ff'].find(given) ?? 'model.kind';
    problems.push(problem(at, 'error', `the model would have about ${formatCount(parameters)} parameters; the limit is ${formatCount(MAX_PARAMETERS)}. Use a smaller d_model, fewer layers or a smaller d_ff.`));
  }
  const bytes = estimateActivationBytes(config);
  if (bytes > MAX_ACTIVATION_BYTES) {
    const { batch_size: batch } = config.training;
    const { context, d_model: width } = config.model;
    const at = ['training.batch_size', 'model.context', 'model.d_model'].find(given) ?? 'model.kind';
    const formula = `batch_size ${batch} × context ${context} × d_model ${width} × ${layerCount(config.model)} layers × ${ACTIVATION_BYTES_PER_UNIT} bytes`;
    problems.push(problem(at, 'error', `estimated activation memory is ${formatGiB(bytes)} (${formula}); the limit is ${formatGiB(MAX_ACTIVATION_BYTES)}. Lower batch_size (grad_accumulation keeps the effective batch) or context.`));
  }
  return problems;
}
