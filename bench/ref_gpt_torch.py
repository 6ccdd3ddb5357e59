#!/usr/bin/env python3
"""PyTorch side of `npm run bench`: trains the reference GPT (byte vocab 256, d_model 128, 4 layers, 4 heads,
context 128, batch 16, AdamW lr 3e-4 wd 0.1, clipping 1.0) or, with --size mid, the mid-size GPT (d_model 384,
6 layers, 6 heads, context 256, batch 8) on a fixed random batch and prints one JSON line: tokens/s over the timed
steps and the process's peak RSS.

Run it with OPENBLAS_NUM_THREADS=1 (bench/run.ts does): OpenBLAS threads on top of torch's own would
oversubscribe the cores. Attention is written out (scores, mask, softmax, weighted sum), as in nanoGPT without
flash attention; weight decay applies to every parameter (AdamW over model.parameters()).
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, WIDTH, LAYERS, HEADS, CONTEXT, BATCH = 256, 128, 4, 4, 128, 16
# (width, layers, heads, context, batch) of each size, as bench/refGptModel.ts's BENCH_MODELS.
SIZES = {'ref': (128, 4, 4, 128, 16), 'mid': (384, 6, 6, 256, 8)}


class Layer(nn.Module):
    """Pre-norm Transformer block: causal self-attention, then a 4x-wide GELU MLP, each added to the residual."""

    def __init__(self):
        super().__init__()
        self.norm_attn = nn.LayerNorm(WIDTH)
        self.norm_mlp = nn.LayerNorm(WIDTH)
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.out = nn.Linear(WIDTH, WIDTH)
        self.up = nn.Linear(WIDTH, 4 * WIDTH)
        self.down = nn.Linear(4 * WIDTH, WIDTH)
        self.register_buffer('allowed', torch.tril(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool)))

    def heads(self, t):
        b, n, _ = t.shape
        return t.view(b, n, HEADS, WIDTH // HEADS).transpose(1, 2)

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = (self.heads(t) for t in self.qkv(self.norm_attn(x)).split(WIDTH, dim=2))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(WIDTH // HEADS))
        weights = scores.masked_fill(~self.allowed[:n, :n], float('-inf')).softmax(dim=-1)
        x = x + self.out((weights @ v).transpose(1, 2).reshape(b, n, WIDTH))
        return x + self.down(F.gelu(self.up(self.norm_mlp(x))))


class TinyGpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, WIDTH)
        self.positions = nn.Embedding(CONTEXT, WIDTH)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, VOCAB, bias=False)
        self.head.weight = self.tokens.weight
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, 0.02)
                if getattr(module, 'bias', None) is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, idx, targets):
        x = self.tokens(idx) + self.positions(torch.arange(idx.shape[1]))
        for layer in self.layers:
            x = layer(x)
        logits = self.head(self.norm(x))
        return F.cross_entropy(logits.view(-1, VOCAB), targets.reshape(-1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--size', choices=sorted(SIZES), default='ref')
    args = parser.parse_args()
    global WIDTH, LAYERS, HEADS, CONTEXT, BATCH  # the modules above read the size from these
    WIDTH, LAYERS, HEADS, CONTEXT, BATCH = SIZES[args.size]
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = TinyGpt()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    batch = torch.randint(0, VOCAB, (BATCH, CONTEXT + 1))
    inputs, targets = batch[:, :-1], batch[:, 1:]

    def train_step():
        loss = model(inputs, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    for _ in range(args.warmup):
        train_step()
    start = time.perf_counter()
    losses, step_seconds = [], []
    for _ in range(args.steps):
        step_start = time.perf_counter()
        losses.append(train_step())
        step_seconds.append(time.perf_counter() - step_start)
    seconds = time.perf_counter() - start
    print(json.dumps({
        'tokens_per_sec': BATCH * CONTEXT * args.steps / seconds,
        'ms_per_step': 1000 * seconds / args.steps,
        'fastest_step_ms': 1000 * min(step_seconds),
        'peak_rss_bytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        'first_loss': losses[0],
        'last_loss': losses[-1],
        'threads': torch.get_num_threads(),
        'version': torch.__version__,
    }))


if __name__ == '__main__':
    main()
