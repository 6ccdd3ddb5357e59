import type { ModelConfig } from '../../config/types';
import type { Backend } from '../backend';
import type { Graph } from '../graph';
import { add, dropout, scale } from '../ops/elementwise';
import { embedding } from '../ops/embedding';
import { linear } from '../ops/linear';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { constant, normal, sinusoidalPositions, xavierUniform } from './init';
import {
  applyLayerNorm, createLayerNorm, createLinear, crossAttention, feedForward, fusedSelfAttention, type Affine,
} from './layers';
import type { LanguageModel, ModelInput } from './model';
import { ParameterSet } from './parameters';

interface AttentionParams { inProj: Affine; outProj: Affine }
interface EncoderLayer { selfAttn: AttentionParams; norm1: Affine; norm2: Affine; linear1: Affine; linear2: Affine }
interface DecoderLayer extends EncoderLayer { crossAttn: AttentionParams; norm3: Affine }

/**
 * torch.nn.Transformer(norm_first=True, batch_first=True) under `transformer.`, with scaled token embeddings
 * plus sinusoidal positions and an output projection `generator`.
 */
export class EncoderDecoder implements LanguageModel {
  readonly params: ParameterSet;
  private readonly srcEmbed: Tensor;
  private readonly tgtEmbed: Tensor;
  private readonly encoder: EncoderLayer[] = [];
  private readonly decoder: DecoderLayer[] = [];
  private readonly encoderNorm: Affine;
  private readonly decoderNorm: Affine;
  private readonly generator: Tensor;
  private readonly positions: Float32Array;

  constructor(readonly config: ModelConfig, readonly vocabSize: number, backend: Backend, rng: Rng) {
    const { d_model: C, bias } = config;
    const params = (this.params = new ParameterSet(backend));
    const embedStd = 1 / Math.sqrt(C);
    this.srcEmbed = params.create('src_embed.weight', [vocabSize, C], normal(rng, embedStd));
    this.tgtEmbed = params.create('tgt_embed.weight', [vocabSize, C], normal(rng, embedStd));
    const attentionParams = (prefix: string): AttentionParams => {
      const inProj = {
        weight: params.create(`${prefix}.in_proj_weight`, [3 * C, C], xavierUniform(rng, 3 * C, C)),
        bias: bias ? params.create(`${prefix}.in_proj_bias`, [3 * C], constant(0)) : null,
      };
      return { inProj, outProj: createLinear(params, rng, `${prefix}.out_proj`, C, C, bias, 'xavier') };
    };
    const layer = (prefix: string): EncoderLayer => ({
      selfAttn: attentionParams(`${prefix}.self_attn`),
      linear1: createLinear(params, rng, `${prefix}.linear1`, config.d_ff, C, bias, 'xavier'),
      linear2: createLinear(params, rng, `${prefix}.linear2`, C, config.d_ff, bias, 'xavier'),
      norm1: createLayerNorm(params, `${prefix}.norm1`, C, bias),
      norm2: createLayerNorm(params, `${prefix}.norm2`, C, bias),
    });
    for (let i = 0; i < config.n_encoder_layers; i++) this.encoder.push(layer(`transformer.encoder.layers.${i}`));
    this.encoderNorm = createLayerNorm(params, 'transformer.encoder.norm', C, bias);
    for (let i = 0; i < config.n_decoder_layers; i++) {
      const prefix = `transformer.decoder.layers.${i}`;
      const base = layer(prefix);
      this.decoder.push({ ...base, crossAttn: attentionParams(`${prefix}.multihead_attn`), norm3: createLayerNorm(params, `${prefix}.norm3`, C, bias) });
    }
    this.decoderNorm = createLayerNorm(params, 'transformer.decoder.norm', C, bias);
    if (config.tie_embeddings) {
      params.tie('generator.weight', this.tgtEmbed);
      this.generator = this.tgtEmbed;
    } else {
      this.generator = params.create('generator.weight', [vocabSize, C], normal(rng, embedStd));
    }
    this.positions = sinusoidalPositions(config.context, C);
  }

  logits(g: Graph, input: ModelInput): Tensor {
    if (input.kind !== 'encoder-decoder') throw new Error('an encoder-decoder model takes source/target batches');
    const { n_heads: H, dropout: p, activation: act } = this.config;
    let stream = 0;
    const drop = (x: Tensor): Tensor => dropout(g, x, p, stream++);
    let memory = drop(this.embed(g, input.src, this.srcEmbed));
    for (const l of this.encoder) {
      memory = add(g, memory, drop(fusedSelfAttention(g, applyLayerNorm(g, memory, l.norm1), l.selfAttn.inProj, l.selfAttn.outProj, H, { causal: false, keyPad: input.srcPad })));
      memory = add(g, memory, drop(feedForward(g, applyLayerNorm(g, memory, l.norm2), l.linear1, l.linear2, act)));
    }
    memory = applyLayerNorm(g, memory, this.encoderNorm);
    let y = drop(this.embed(g, input.tgtIn, this.tgtEmbed));
    for (const l of this.decoder) {
      y = add(g, y, drop(fusedSelfAttention(g, applyLayerNorm(g, y, l.norm1), l.selfAttn.inProj, l.selfAttn.outProj, H, { causal: true, keyPad: input.tgtPad })));
      y = add(g, y, drop(crossAttention(g, applyLayerNorm(g, y, l.norm2), memory, l.crossAttn.inProj, l.crossAttn.outProj, H, input.srcPad)));
      y = add(g, y, drop(feedForward(g, applyLayerNorm(g, y, l.norm3), l.linear1, l.linear2, act)));
    }
    return linear(g, applyLayerNorm(g, y, this.decoderNorm), this.generator, null);
  }

  /** emb(ids) · √C + PE[position]. */
  private embed(g: Graph, ids: Tensor, table: Tensor): Tensor {
    const [B, T] = ids.shape;
    const C = this.config.d_model;
    const positions = new Int32Array(B * T);
    for (let i = 0; i < B * T; i++) positions[i] = i % T;
    const pe = embedding(g, g.constant([B, T], positions), g.constant([this.config.context, C], this.positions));
    return add(g, scale(g, embedding(g, ids, table), Math.sqrt(C)), pe);
  }
}

