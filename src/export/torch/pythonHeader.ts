/** The head of the exported train.py: usage, imports, a tiny safetensors reader and writer, and Loss Lab's seeded RNG. Python source, kept as text so the bundled CLI can write it. */
export const PYTHON_HEADER = String.raw`#!/usr/bin/env python3
"""Loss Lab run "{name}", exported for PyTorch: trains the same model on the same batches with the same
optimizer, gradient clipping and learning-rate schedule as losslab train, and writes the same metrics lines.

Beside this script: config.json (the resolved Loss Lab config; data paths are relative to it), vocab.json (and for
bpe and gpt2 vocabularies tokenizer.json, Hugging Face's format), init.safetensors (the initial weights by state-dict
name) and data/ (the dataset files).

  python3 train.py [--max-steps N] [--metrics FILE] [--save FILE] [--device auto|cpu|cuda]
  torchrun --nproc_per_node N --rdzv_backend c10d --rdzv_endpoint localhost:0 --redirects 1 --tee 1 train.py [...]

Under torchrun the model is wrapped in DistributedDataParallel (gloo on CPU, nccl on CUDA): every process draws the
same global batches and trains on its share of their rows, so the metrics equal the single-process run's.
"--redirects 1 --tee 1": torch 1.13's launcher on Python 3.11 fails to parse its own default of 0. The c10d rendezvous
on localhost:0 takes a free port, so several runs can train at once (torch 1.13's --standalone always takes 29400).
With model.dropout > 0 the masks come from torch's generator, so losses then differ from Loss Lab's step by step.
"""
import argparse
import contextlib
import json
import math
import os
import re
import struct
import sys
import time
import unicodedata

import torch
import torch.distributed as dist
from torch import nn
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel

HERE = os.path.dirname(os.path.abspath(__file__))
PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
FIRST_SYMBOL_ID = 4
MASK32 = 0xFFFFFFFF


# ---------------------------------------------------------------- safetensors

SAFETENSORS_DTYPES = {
    "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
    "I32": torch.int32, "I64": torch.int64,
}


def read_safetensors(path):
    """(dict name -> tensor, metadata dict); floating tensors become float32."""
    with open(path, "rb") as handle:
        blob = handle.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + header_len].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    base = 8 + header_len
    tensors = {}
    for name, entry in header.items():
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        raw = bytearray(blob[base + begin : base + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensor = flat.reshape(entry["shape"])
        tensors[name] = tensor.float() if tensor.is_floating_point() else tensor
    return tensors, metadata


def tensor_bytes(tensor):
    """Little-endian float32 bytes of a tensor."""
    tensor = tensor.detach().to("cpu", torch.float32).contiguous()
    try:
        return tensor.numpy().tobytes()
    except (ImportError, RuntimeError):
        import array

        return array.array("f", tensor.flatten().tolist()).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """Writes float tensors as F32 (8-byte aligned header, as the reference implementation)."""
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        raw = tensor_bytes(tensor)
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as handle:
        handle.write(struct.pack("<Q", len(text)) + text)
        for raw in chunks:
            handle.write(raw)
    os.replace(path + ".tmp", path)


# ---------------------------------------------------------------- random numbers

def imul(a, b):
    return (a * b) & MASK32


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK32


class Rng:
    """Loss Lab's generator (src/engine/rng.ts): splitmix32 seeding, xoshiro128**; the same numbers bit for bit."""

    def __init__(self, seed, stream=0):
        x = (int(math.floor(seed)) ^ imul(stream + 1, 0x9E3779B9)) & MASK32
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & MASK32
            z = imul(x ^ (x >> 16), 0x85EBCA6B)
            z = imul(z ^ (z >> 13), 0xC2B2AE35)
            state.append((z ^ (z >> 16)) & MASK32)
        self.s0, self.s1, self.s2, self.s3 = state

    def next_u32(self):
        result = imul(rotl(imul(self.s1, 5), 7), 9)
        t = (self.s1 << 9) & MASK32
        self.s2 ^= self.s0
        self.s3 ^= self.s1
        self.s1 ^= self.s2
        self.s0 ^= self.s3
        self.s2 ^= t
        self.s3 = rotl(self.s3, 11)
        return result

    def uniform(self):
        return self.next_u32() / 4294967296.0

    def int(self, n):
        return math.floor(self.uniform() * n)

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.int(i + 1)
            items[i], items[j] = items[j], items[i]
        return items
`;
