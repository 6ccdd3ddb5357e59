"""The two reference models: a GPT-2 style decoder and a torch.nn.Transformer encoder-decoder.

Parameter names and shapes are the checkpoint contract with the TypeScript engine, so both models
are built only from a resolved LabConfig plus the vocabulary size read from the weights file.
"""
import functools
import math

import torch
from torch import nn
from torch.nn import functional as F


class UnsupportedConfig(ValueError):
    """A config the reference cannot reproduce exactly."""


def activation_function(name):
    """The callable for a config activation name."""
    if name == "gelu":
        return functools.partial(F.gelu, approximate="none")
    if name == "gelu_tanh":
        return functools.partial(F.gelu, approximate="tanh")
    if name == "relu":
        return F.relu
    raise UnsupportedConfig(f"unknown activation {name!r} (expected gelu, gelu_tanh or relu)")


class LayerNorm(nn.Module):
    """LayerNorm over the last dim whose bias can be left out (nn.LayerNorm in torch 1.13 cannot)."""

    def __init__(self, dim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, bias):
        super().__init__()
        self.n_heads = n_heads
        self.c_attn = nn.Linear(d_model, 3 * d_model, bias=bias)
        self.c_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, x):
        batch, steps, width = x.shape
        head_dim = width // self.n_heads
        query, key, value = self.c_attn(x).split(width, dim=2)

        def to_heads(t):
            return t.view(batch, steps, self.n_heads, head_dim).transpose(1, 2)

        scores = (to_heads(query) @ to_heads(key).transpose(-2, -1)) * (1.0 / math.sqrt(head_dim))
        future = torch.ones(steps, steps, dtype=torch.bool, device=x.device).triu(diagonal=1)
        weights = F.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        merged = (weights @ to_heads(value)).transpose(1, 2).contiguous().view(batch, steps, width)
        return self.c_proj(merged)


class FeedForward(nn.Module):
    def __init__(self, d_model, d_ff, bias, activation):
        super().__init__()
        self.c_fc = nn.Linear(d_model, d_ff, bias=bias)
        self.c_proj = nn.Linear(d_ff, d_model, bias=bias)
        self.activation = activation_function(activation)

    def forward(self, x):
        return self.c_proj(self.activation(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, model_cfg):
        super().__init__()
        c, bias = model_cfg["d_model"], model_cfg["bias"]
        self.ln_1 = LayerNorm(c, bias)
        self.attn = CausalSelfAttention(c, model_cfg["n_heads"], bias)
        self.ln_2 = LayerNorm(c, bias)
        self.mlp = FeedForward(c, model_cfg["d_ff"], bias, model_cfg["activation"])

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """Pre-LayerNorm decoder-only Transformer with learned positions; forward(idx) -> logits [B,T,V]."""

    def __init__(self, model_cfg, vocab_size):
        super().__init__()
        c = model_cfg["d_model"]
        self.context = model_cfg["context"]
        self.transformer = nn.ModuleDict(
            {
                "wte": nn.Embedding(vocab_size, c),
                "wpe": nn.Embedding(self.context, c),
                "h": nn.ModuleList([Block(model_cfg) for _ in range(model_cfg["n_layers"])]),
                "ln_f": LayerNorm(c, model_cfg["bias"]),
            }
        )
        self.lm_head = nn.Linear(c, vocab_size, bias=False)
        if model_cfg["tie_embeddings"]:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, idx):
        steps = idx.shape[1]
        if steps > self.context:
            raise UnsupportedConfig(f"sequence length {steps} exceeds model.context {self.context}")
        positions = torch.arange(steps, device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(positions)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def sinusoidal_positions(length, width):
    """PE[pos, 2i] = sin(pos / 10000^(2i/C)), PE[pos, 2i+1] = cos(same); computed in float64, stored as float32."""
    positions = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    even_dims = torch.arange(0, width, 2, dtype=torch.float64)
    angles = positions / torch.pow(torch.tensor(10000.0, dtype=torch.float64), even_dims / width)
    table = torch.zeros(length, width, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles[:, : width // 2])
    return table.to(torch.float32)


class EncoderDecoder(nn.Module):
    """torch.nn.Transformer (pre-norm, batch-first) with scaled embeddings and sinusoidal positions."""

    def __init__(self, model_cfg, vocab_size):
        super().__init__()
        if not model_cfg["bias"]:
            raise UnsupportedConfig("model.bias = false is not supported for encoder-decoder: torch 1.13's nn.Transformer always has biases")
        c = model_cfg["d_model"]
        self.d_model = c
        self.context = model_cfg["context"]
        self.src_embed = nn.Embedding(vocab_size, c)
        self.tgt_embed = nn.Embedding(vocab_size, c)
        self.transformer = nn.Transformer(
            d_model=c,
            nhead=model_cfg["n_heads"],
            num_encoder_layers=model_cfg["n_encoder_layers"],
            num_decoder_layers=model_cfg["n_decoder_layers"],
            dim_feedforward=model_cfg["d_ff"],
            dropout=model_cfg["dropout"],
            activation=activation_function(model_cfg["activation"]),
            batch_first=True,
            norm_first=True,
        )
        self.generator = nn.Linear(c, vocab_size, bias=False)
        if model_cfg["tie_embeddings"]:
            self.generator.weight = self.tgt_embed.weight
        self.register_buffer("positions", sinusoidal_positions(self.context, c), persistent=False)

    def embed(self, table, tokens):
        length = tokens.shape[1]
        if length > self.context:
            raise UnsupportedConfig(f"sequence length {length} exceeds model.context {self.context}")
        return table(tokens) * math.sqrt(self.d_model) + self.positions[:length]

    def forward(self, src, tgt_in, pad_id):
        steps = tgt_in.shape[1]
        causal = torch.full((steps, steps), float("-inf"), device=src.device).triu(diagonal=1)
        hidden = self.transformer(
            self.embed(self.src_embed, src),
            self.embed(self.tgt_embed, tgt_in),
            tgt_mask=causal,
            src_key_padding_mask=src == pad_id,
            tgt_key_padding_mask=tgt_in == pad_id,
            memory_key_padding_mask=src == pad_id,
        )
        return self.generator(hidden)


def build_model(model_cfg, vocab_size):
    """The reference model for a resolved config; dropout must be 0 so both sides compute the same thing."""
    if model_cfg["dropout"] != 0:
        raise UnsupportedConfig(f"model.dropout must be 0 for parity with PyTorch (got {model_cfg['dropout']})")
    if model_cfg["d_model"] % model_cfg["n_heads"] != 0:
        raise UnsupportedConfig(f"model.d_model {model_cfg['d_model']} is not divisible by model.n_heads {model_cfg['n_heads']}")
    if model_cfg["kind"] == "gpt":
        return GPT(model_cfg, vocab_size)
    if model_cfg["kind"] == "encoder-decoder":
        return EncoderDecoder(model_cfg, vocab_size)
    raise UnsupportedConfig(f"unknown model.kind {model_cfg['kind']!r}")


def vocab_size_of(model_cfg, weights):
    """Vocabulary size read from the embedding table in a weights dict."""
    key = "transformer.wte.weight" if model_cfg["kind"] == "gpt" else "tgt_embed.weight"
    if key not in weights:
        raise UnsupportedConfig(f"weights file has no {key!r}, so the vocabulary size is unknown")
    return int(weights[key].shape[0])
