import type { ModelConfig } from '../../config/types';
import { PAD_ID } from '../../engine/data/vocab';
import { sinusoidalPositions } from '../../engine/nn/init';
import type { NamedTensor } from '../../engine/train/weights';
import { GraphBuilder } from './graphBuilder';
import {
  causalMask, crossAttention, feedForward, keyPaddingMask, layerNorm, linear, positionsOf, selfAttention, type AffineNames,
} from './onnxLayers';
import type { OnnxGraph } from './onnxProto';
import { ONNX_DTYPE } from './onnxSchema';

/** Adds the checkpoint's weights as initializers on first use, by state-dict name. */
class Weights {
  private readonly added = new Set<string>();

  constructor(private readonly g: GraphBuilder, private readonly tensors: ReadonlyMap<string, NamedTensor>) {}

  get(name: string): string {
    if (!this.added.has(name)) {
      const t = this.tensors.get(name);
      if (!t) throw new Error(`the checkpoint has no ${name}`);
      this.g.weight(name, t.shape, t.data);
      this.added.add(name);
    }
    return name;
  }

  /** `${prefix}.weight` and, when the model has biases, `${prefix}.bias`. */
  affine(prefix: string, bias: boolean): AffineNames {
    return { weight: this.get(`${prefix}.weight`), bias: bias ? this.get(`${prefix}.bias`) : null };
  }
}

/** nanoGPT's GPT: idx int64 [batch, time] → logits float [batch, time, vocab]. */
export function gptGraph(config: ModelConfig, vocabSize: number, tensors: ReadonlyMap<string, NamedTensor>): OnnxGraph {
  const g = new GraphBuilder();
  const w = new Weights(g, tensors);
  const { d_model: C, n_heads: H, bias, activation: act } = config;
  const idx = g.input('idx', ONNX_DTYPE.INT64, ['batch', 'time']);
  const positions = positionsOf(g, idx, 'idx');
  const tokens = g.op('Gather', [w.get('transformer.wte.weight'), idx], {}, 'wte');
  let x = g.op('Add', [tokens, g.op('Gather', [w.get('transformer.wpe.weight'), positions], {}, 'wpe')], {}, 'embed');
  const masks = { mask: causalMask(g, positions, 'idx'), rowsMayBeEmpty: false };
  for (let i = 0; i < config.n_layers; i++) {
    const p = `transformer.h.${i}`;
    const h = layerNorm(g, x, w.affine(`${p}.ln_1`, bias), `${p}.ln_1`);
    x = g.op('Add', [x, selfAttention(g, h, w.affine(`${p}.attn.c_attn`, bias), w.affine(`${p}.attn.c_proj`, bias), C, H, masks, `${p}.attn`)], {}, p);
    const m = layerNorm(g, x, w.affine(`${p}.ln_2`, bias), `${p}.ln_2`);
    x = g.op('Add', [x, feedForward(g, m, w.affine(`${p}.mlp.c_fc`, bias), w.affine(`${p}.mlp.c_proj`, bias), act, `${p}.mlp`)], {}, p);
  }
  const head = w.get(config.tie_embeddings ? 'transformer.wte.weight' : 'lm_head.weight');
  const logits = linear(g, layerNorm(g, x, w.affine('transformer.ln_f', bias), 'ln_f'), { weight: head, bias: null }, 'lm_head');
  g.output(logits, 'logits', ONNX_DTYPE.FLOAT, ['batch', 'time', vocabSize]);
  return g.build('losslab_gpt');
}

/**
 * torch.nn.Transformer(norm_first=True): src int64 [batch, src_time], tgt_in int64 [batch, tgt_time] → logits
 * [batch, tgt_time, vocab]. The key padding masks are `id == pad` of src and tgt_in, computed inside the graph.
 */
export function encoderDecoderGraph(config: ModelConfig, vocabSize: number, tensors: ReadonlyMap<string, NamedTensor>): OnnxGraph {
  const g = new GraphBuilder();
  const w = new Weights(g, tensors);
  const { d_model: C, n_heads: H, bias, activation: act, context } = config;
  const table = g.weight('positional_encoding', [context, C], sinusoidalPositions(context, C));
  const embed = (ids: string, weight: string, hint: string): { x: string; positions: string } => {
    const positions = positionsOf(g, ids, hint);
    const scaled = g.op('Mul', [g.op('Gather', [w.get(weight), ids], {}, hint), g.scalar(Math.sqrt(C))], {}, hint);
    return { x: g.op('Add', [scaled, g.op('Gather', [table, positions], {}, hint)], {}, `${hint}.embed`), positions };
  };
  const src = g.input('src', ONNX_DTYPE.INT64, ['batch', 'src_time']);
  const tgtIn = g.input('tgt_in', ONNX_DTYPE.INT64, ['batch', 'tgt_time']);
  const srcPad = { mask: keyPaddingMask(g, src, PAD_ID, 'src'), rowsMayBeEmpty: true };

  let memory = embed(src, 'src_embed.weight', 'src').x;
  for (let i = 0; i < config.n_encoder_layers; i++) {
    const p = `transformer.encoder.layers.${i}`;
    const h = layerNorm(g, memory, w.affine(`${p}.norm1`, bias), `${p}.norm1`);
    memory = g.op('Add', [memory, selfAttention(g, h, inProj(w, `${p}.self_attn`, bias), w.affine(`${p}.self_attn.out_proj`, bias), C, H, srcPad, `${p}.self_attn`)], {}, p);
    const m = layerNorm(g, memory, w.affine(`${p}.norm2`, bias), `${p}.norm2`);
    memory = g.op('Add', [memory, feedForward(g, m, w.affine(`${p}.linear1`, bias), w.affine(`${p}.linear2`, bias), act, `${p}.ff`)], {}, p);
  }
  memory = layerNorm(g, memory, w.affine('transformer.encoder.norm', bias), 'encoder.norm');

  const target = embed(tgtIn, 'tgt_embed.weight', 'tgt');
  const tgtMask = g.op('Or', [causalMask(g, target.positions, 'tgt'), keyPaddingMask(g, tgtIn, PAD_ID, 'tgt')], {}, 'tgt.mask');
  const selfMasks = { mask: tgtMask, rowsMayBeEmpty: true };
  let y = target.x;
  for (let i = 0; i < config.n_decoder_layers; i++) {
    const p = `transformer.decoder.layers.${i}`;
    const h = layerNorm(g, y, w.affine(`${p}.norm1`, bias), `${p}.norm1`);
    y = g.op('Add', [y, selfAttention(g, h, inProj(w, `${p}.self_attn`, bias), w.affine(`${p}.self_attn.out_proj`, bias), C, H, selfMasks, `${p}.self_attn`)], {}, p);
    const c = layerNorm(g, y, w.affine(`${p}.norm2`, bias), `${p}.norm2`);
    y = g.op('Add', [y, crossAttention(g, c, memory, inProj(w, `${p}.multihead_attn`, bias), w.affine(`${p}.multihead_attn.out_proj`, bias), C, H, srcPad, `${p}.multihead_attn`)], {}, p);
    const m = layerNorm(g, y, w.affine(`${p}.norm3`, bias), `${p}.norm3`);
    y = g.op('Add', [y, feedForward(g, m, w.affine(`${p}.linear1`, bias), w.affine(`${p}.linear2`, bias), act, `${p}.ff`)], {}, p);
  }
  const generator = w.get(config.tie_embeddings ? 'tgt_embed.weight' : 'generator.weight');
  const logits = linear(g, layerNorm(g, y, w.affine('transformer.decoder.norm', bias), 'decoder.norm'), { weight: generator, bias: null }, 'generator');
  g.output(logits, 'logits', ONNX_DTYPE.FLOAT, ['batch', 'tgt_time', vocabSize]);
  return g.build('losslab_encoder_decoder');
}

/** torch.nn.MultiheadAttention's packed in_proj_weight / in_proj_bias. */
function inProj(w: Weights, prefix: string, bias: boolean): AffineNames {
  return { weight: w.get(`${prefix}.in_proj_weight`), bias: bias ? w.get(`${prefix}.in_proj_bias`) : null };
}
