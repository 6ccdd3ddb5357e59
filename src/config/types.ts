/** A training config after validation, with every default filled in. The JSON Schema in schema.json is the source of truth. */
export interface LabConfig {
  /** Run-folder name: letters, digits, `.`, `_`, `-`. */
  name: string;
  seed: number;
  backend: BackendChoice;
  model: ModelConfig;
  data: DataConfig;
  loss: LossConfig;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  training: TrainingConfig;
}

export type BackendChoice = 'auto' | 'cpu' | 'cpu-reference' | 'webgpu';
/** Every `backend` value, in the schema's order (the CLI's `--backend` and the worker protocol check against it). */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'cpu-reference', 'webgpu'];
export type Activation = 'gelu' | 'gelu_tanh' | 'relu';
export type ModelKind = 'gpt' | 'encoder-decoder';
export type VocabKind = 'byte' | 'char' | 'word' | 'bpe' | 'gpt2';
export type DecayKind = 'constant' | 'linear' | 'cosine' | 'inverse_sqrt' | 'exponential' | 'step';
export type OptimizerName = 'adamw' | 'adam' | 'sgd';

export interface ModelConfig {
  kind: ModelKind;
  d_model: number;
  /** gpt only (0 for encoder-decoder after resolution). */
  n_layers: number;
  /** encoder-decoder only (0 for gpt after resolution). */
  n_encoder_layers: number;
  n_decoder_layers: number;
  n_heads: number;
  d_ff: number;
  /** Longest sequence (nanoGPT's block_size). */
  context: number;
  dropout: number;
  bias: boolean;
  tie_embeddings: boolean;
  activation: Activation;
}

export interface DataConfig {
  /** Absolute path after resolution (relative paths resolve against the config file's folder). */
  train: string;
  /** Absolute path, or null when val_fraction splits the training data. */
  val: string | null;
  val_fraction: number;
  vocab: VocabKind;
  /** bpe only: the number of ids, specials and bytes included (absent for other vocabularies). */
  vocab_size?: number;
  shuffle: boolean;
  /** gpt: `stream` = random windows of one token stream (nanoGPT); `lines` = each non-empty line is a padded sequence. */
  sequences: 'stream' | 'lines';
  /** encoder-decoder: file format; `auto` picks by extension (.tsv / .jsonl). */
  format: 'auto' | 'tsv' | 'jsonl';
}

export interface LossConfig {
  label_smoothing: number;
  /** The padding mask: false only for the lesson that shows what training without it does. */
  ignore_padding: boolean;
}

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  momentum: number;
  nesterov: boolean;
}

export interface ScheduleConfig {
  warmup_steps: number;
  decay: DecayKind;
  min_lr: number;
  /** Defaults to training.steps. */
  decay_steps: number;
  gamma: number;
  step_size: number;
}

export interface TrainingConfig {
  steps: number;
  batch_size: number;
  grad_accumulation: number;
  /** 0 = off (null in the file also means off). */
  grad_clip: number;
  /** 0 = no evaluation. */
  eval_interval: number;
  eval_steps: number;
  /** 0 = only the final checkpoint. */
  checkpoint_interval: number;
  /** Largest estimated peak memory in MiB a run may need; 0: three quarters of the free memory (configs built in code may leave it out). */
  max_memory_mb?: number;
}

/** One located problem in a config file. Lines and columns are 1-based (columns in UTF-16 code units, as editors count); the end is exclusive. */
export interface ConfigDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Character offsets into the source text, for editors. */
  offset: number;
  length: number;
  /** Dotted key path, e.g. `model.d_model`; empty for the document itself. */
  path: string;
  severity: 'error' | 'warning';
  /** What is wrong and what would be right, in one sentence or two. */
  message: string;
}
