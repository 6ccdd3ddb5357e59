import type { ModelConfig } from '../../config/types';
import type { Backend } from '../backend';
import type { Graph } from '../graph';
import { add, dropout } from '../ops/elementwise';
import { embedding } from '../ops/embedding';
import { linear } from '../ops/linear';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { normal } from './init';
import { applyLayerNorm, createLayerNorm, createLinear, feedForward, fusedSelfAttention, type Affine } from './layers';
import type { LanguageModel, ModelInput } from './model';
import { ParameterSet } from './parameters';

interface GptBlock {
  ln1: Affine;
  attn: Affine;
  attnProj: Affine;
  ln2: Affine;
  fc: Affine;
  mlpProj: Affine;
}

/** GPT-2 as in nanoGPT's model.py, with its state-dict names and its initialisation. */
export class Gpt implements LanguageModel {
  readonly params: ParameterSet;
  private readonly wte: Tensor;
  private readonly wpe: Tensor;
  private readonly blocks: GptBlock[] = [];
  private readonly lnF: Affine;
  private readonly lmHead: Tensor;

  constructor(readonly config: ModelConfig, readonly vocabSize: number, backend: Backend, rng: Rng) {
    const { d_model: C, d_ff: F, n_layers: L, bias, context } = config;
    const params = (this.params = new ParameterSet(backend));
    const residualStd = 0.02 / Math.sqrt(2 * L);
    this.wte = params.create('transformer.wte.weight', [vocabSize, C], normal(rng, 0.02));
    this.wpe = params.create('transformer.wpe.weight', [context, C], normal(rng, 0.02));
    for (let i = 0; i < L; i++) {
      const p = `transformer.h.${i}`;
      this.blocks.push({
        ln1: createLayerNorm(params, `${p}.ln_1`, C, bias),
        attn: createLinear(params, rng, `${p}.attn.c_attn`, 3 * C, C, bias, 'gpt2'),
        attnProj: createLinear(params, rng, `${p}.attn.c_proj`, C, C, bias, 'gpt2', residualStd),
        ln2: createLayerNorm(params, `${p}.ln_2`, C, bias),
        fc: createLinear(params, rng, `${p}.mlp.c_fc`, F, C, bias, 'gpt2'),
        mlpProj: createLinear(params, rng, `${p}.mlp.c_proj`, C, F, bias, 'gpt2', residualStd),
      });
    }
    this.lnF = createLayerNorm(params, 'transformer.ln_f', C, bias);
    if (config.tie_embeddings) {
      params.tie('lm_head.weight', this.wte);
      this.lmHead = this.wte;
    } else {
      this.lmHead = params.create('lm_head.weight', [vocabSize, C], normal(rng, 0.02));
    }
  }

  logits(g: Graph, input: ModelInput): Tensor {
    if (input.kind !== 'gpt') throw new Error('a gpt model takes gpt batches');
    const [B, T] = input.idx.shape;
    const { n_heads: H, dropout: p, activation: act } = this.config;
    const positions = new Int32Array(B * T);
    for (let i = 0; i < B * T; i++) positions[i] = i % T;
    // Uploaded before the first kernel, so a GPU records the upload ahead of its compute pass instead of splitting it.
    const positionIds = g.constant([B, T], positions);
    let x = add(g, embedding(g, input.idx, this.wte), embedding(g, positionIds, this.wpe));
    x = dropout(g, x, p, 0);
    this.blocks.forEach((block, i) => {
      const a = fusedSelfAttention(g, applyLayerNorm(g, x, block.ln1), block.attn, block.attnProj, H, { causal: true, keyPad: null });
      x = add(g, x, dropout(g, a, p, 2 * i + 1));
      const m = feedForward(g, applyLayerNorm(g, x, block.ln2), block.fc, block.mlpProj, act);
      x = add(g, x, dropout(g, m, p, 2 * i + 2));
    });
    return linear(g, applyLayerNorm(g, x, this.lnF), this.lmHead, null);
  }
}
