/** The exported train.py's models: nanoGPT's GPT and torch.nn.Transformer, with Loss Lab's state-dict names. Python source, kept as text so the bundled CLI can write it. */
export const PYTHON_MODELS = String.raw`# ---------------------------------------------------------------- models (state-dict names as Loss Lab's checkpoints)

def activation_function(name):
    if name == "gelu":
        return lambda x: F.gelu(x)
    if name == "gelu_tanh":
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu
    raise ValueError(f"unknown activation {name!r}")


class LayerNorm(nn.Module):
    """LayerNorm whose bias can be left out (nn.LayerNorm before torch 2.1 cannot)."""

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
        query, key, value = self.c_attn(x).split(width, dim=2)

        def heads(t):
            return t.view(batch, steps, self.n_heads, width // self.n_heads).transpose(1, 2)

        scores = (heads(query) @ heads(key).transpose(-2, -1)) * (1.0 / math.sqrt(width // self.n_heads))
        future = torch.ones(steps, steps, dtype=torch.bool, device=x.device).triu(diagonal=1)
        weights = F.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        return self.c_proj((weights @ heads(value)).transpose(1, 2).contiguous().view(batch, steps, width))


class MLP(nn.Module):
    def __init__(self, d_model, d_ff, bias, activation):
        super().__init__()
        self.c_fc = nn.Linear(d_model, d_ff, bias=bias)
        self.c_proj = nn.Linear(d_ff, d_model, bias=bias)
        self.activation = activation_function(activation)

    def forward(self, x):
        return self.c_proj(self.activation(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.ln_1 = LayerNorm(m["d_model"], m["bias"])
        self.attn = CausalSelfAttention(m["d_model"], m["n_heads"], m["bias"])
        self.ln_2 = LayerNorm(m["d_model"], m["bias"])
        self.mlp = MLP(m["d_model"], m["d_ff"], m["bias"], m["activation"])
        self.dropout = nn.Dropout(m["dropout"])

    def forward(self, x):
        x = x + self.dropout(self.attn(self.ln_1(x)))
        return x + self.dropout(self.mlp(self.ln_2(x)))


class GPT(nn.Module):
    """nanoGPT's GPT-2: pre-LayerNorm decoder with learned positions; dropout on the embeddings and residual branches."""

    def __init__(self, m, vocab_size):
        super().__init__()
        self.transformer = nn.ModuleDict({
            "wte": nn.Embedding(vocab_size, m["d_model"]),
            "wpe": nn.Embedding(m["context"], m["d_model"]),
            "h": nn.ModuleList([Block(m) for _ in range(m["n_layers"])]),
            "ln_f": LayerNorm(m["d_model"], m["bias"]),
        })
        self.dropout = nn.Dropout(m["dropout"])
        self.lm_head = nn.Linear(m["d_model"], vocab_size, bias=False)
        if m["tie_embeddings"]:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, idx):
        positions = torch.arange(idx.shape[1], device=idx.device)
        x = self.dropout(self.transformer.wte(idx) + self.transformer.wpe(positions))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def sinusoidal_positions(length, width):
    positions = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    angles = positions / torch.pow(torch.tensor(10000.0, dtype=torch.float64), torch.arange(0, width, 2, dtype=torch.float64) / width)
    table = torch.zeros(length, width, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles[:, : width // 2])
    return table.to(torch.float32)


class EncoderDecoder(nn.Module):
    """torch.nn.Transformer (pre-norm, batch-first), scaled embeddings plus sinusoidal positions, and a generator."""

    def __init__(self, m, vocab_size):
        super().__init__()
        c = m["d_model"]
        self.d_model = c
        self.src_embed = nn.Embedding(vocab_size, c)
        self.tgt_embed = nn.Embedding(vocab_size, c)
        options = {} if m["bias"] else {"bias": False}  # torch >= 2.1
        self.transformer = nn.Transformer(
            d_model=c, nhead=m["n_heads"], num_encoder_layers=m["n_encoder_layers"], num_decoder_layers=m["n_decoder_layers"],
            dim_feedforward=m["d_ff"], dropout=m["dropout"], activation=activation_function(m["activation"]),
            batch_first=True, norm_first=True, **options,
        )
        # Loss Lab drops out the embeddings and each sublayer's output, not attention weights nor the feed-forward's inside.
        for layer in [*self.transformer.encoder.layers, *self.transformer.decoder.layers]:
            layer.dropout.p = 0.0
            for attention in (getattr(layer, "self_attn", None), getattr(layer, "multihead_attn", None)):
                if attention is not None:
                    attention.dropout = 0.0
        self.dropout = nn.Dropout(m["dropout"])
        self.generator = nn.Linear(c, vocab_size, bias=False)
        if m["tie_embeddings"]:
            self.generator.weight = self.tgt_embed.weight
        self.register_buffer("positions", sinusoidal_positions(m["context"], c), persistent=False)

    def embed(self, table, tokens):
        return self.dropout(table(tokens) * math.sqrt(self.d_model) + self.positions[: tokens.shape[1]])

    def forward(self, src, tgt_in):
        steps = tgt_in.shape[1]
        causal = torch.ones(steps, steps, dtype=torch.bool, device=src.device).triu(diagonal=1)
        hidden = self.transformer(
            self.embed(self.src_embed, src), self.embed(self.tgt_embed, tgt_in), tgt_mask=causal,
            src_key_padding_mask=src == PAD_ID, tgt_key_padding_mask=tgt_in == PAD_ID, memory_key_padding_mask=src == PAD_ID,
        )
        return self.generator(hidden)


def build_model(m, vocab_size):
    if m["kind"] == "gpt":
        return GPT(m, vocab_size)
    if not m["bias"] and "bias" not in nn.Transformer.__init__.__code__.co_varnames:
        raise SystemExit("model.bias = false needs torch >= 2.1 for torch.nn.Transformer(bias=False)")
    return EncoderDecoder(m, vocab_size)
`;
