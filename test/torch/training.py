"""The `train` subcommand: replay dumped batches through the reference model and log one JSON line per step."""
import json
import math
import re

import torch
from torch.nn import functional as F

from models import build_model, vocab_size_of
from optimization import clip_gradients, make_optimizer, make_scheduler, parameter_groups
from safetensors_io import read_safetensors, write_safetensors

BATCH_NAME = re.compile(r"^s(\d+)\.m(\d+)\.(idx|targets|src|tgt_in|tgt_out)$")
BATCH_FIELDS = {"gpt": ("idx", "targets"), "encoder-decoder": ("src", "tgt_in", "tgt_out")}


class TrainingInputError(ValueError):
    """Inputs to `train` that do not fit together."""


def load_config(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_model(cfg, init_path):
    """Reference model with the init weights loaded strictly (every name and shape must match)."""
    arrays, _ = read_safetensors(init_path)
    weights = {name: torch.from_numpy(array) for name, array in arrays.items()}
    model = build_model(cfg["model"], vocab_size_of(cfg["model"], weights))
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        raise TrainingInputError(f"weights in {init_path} do not match the {cfg['model']['kind']} model: {error}") from error
    model.train()
    return model


def load_batches(path, kind):
    """({step: [micro-batch dict of long tensors, ...]}, pad_id) from a --dump-batches file."""
    arrays, metadata = read_safetensors(path)
    if "pad_id" not in metadata:
        raise TrainingInputError(f"{path}: metadata has no pad_id")
    pad_id = int(metadata["pad_id"])
    found = {}
    for name, array in arrays.items():
        match = BATCH_NAME.match(name)
        if match is None:
            raise TrainingInputError(f"{path}: unexpected tensor name {name!r}")
        step, micro, field = int(match[1]), int(match[2]), match[3]
        found.setdefault(step, {}).setdefault(micro, {})[field] = torch.from_numpy(array).long()
    steps = {}
    for step, micros in found.items():
        if sorted(micros) != list(range(len(micros))):
            raise TrainingInputError(f"{path}: step {step} has micro-batches {sorted(micros)}, expected 0..{len(micros) - 1}")
        for micro, fields in micros.items():
            missing = [f for f in BATCH_FIELDS[kind] if f not in fields]
            if missing:
                raise TrainingInputError(f"{path}: s{step}.m{micro} lacks {missing} for a {kind} model")
        steps[step] = [micros[m] for m in range(len(micros))]
    return steps, pad_id


def forward_logits(model, kind, batch, pad_id):
    """(logits [B,T,V], targets [B,T]) for one micro-batch."""
    if kind == "gpt":
        return model(batch["idx"]), batch["targets"]
    return model(batch["src"], batch["tgt_in"], pad_id), batch["tgt_out"]


def named_gradients(model):
    """Gradient of every state-dict name (tied names share one gradient)."""
    return {name: p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p) for name, p in model.state_dict(keep_vars=True).items()}


def finite_or_none(value):
    return value if math.isfinite(value) else None


def train(cfg, init_path, batches_path, n_steps, out_path, dump_grads=None, dump_logits=None):
    kind = cfg["model"]["kind"]
    model = load_model(cfg, init_path)
    steps, pad_id = load_batches(batches_path, kind)
    absent = [s for s in range(1, n_steps + 1) if s not in steps]
    if absent:
        raise TrainingInputError(f"{batches_path}: no batches for steps {absent[:5]}{'…' if len(absent) > 5 else ''}")
    parameters = list(model.parameters())
    optimizer = make_optimizer(cfg["optimizer"], parameter_groups(parameters, cfg["optimizer"]["weight_decay"]))
    scheduler = make_scheduler(optimizer, cfg["schedule"], cfg["optimizer"]["lr"])
    smoothing = cfg["loss"]["label_smoothing"]
    # With the padding mask off (a lesson setting), every target position counts, pads included.
    ignore_index = pad_id if cfg["loss"].get("ignore_padding", True) else -100
    with open(out_path, "w", encoding="utf-8") as log:
        for step in range(1, n_steps + 1):
            micros = steps[step]
            tokens = sum(int((forward_fields(kind, m)[-1] != ignore_index).sum()) for m in micros)
            if tokens == 0:
                raise TrainingInputError(f"step {step} has no non-pad targets")
            optimizer.zero_grad(set_to_none=True)
            loss = 0.0
            for micro, batch in enumerate(micros):
                logits, targets = forward_logits(model, kind, batch, pad_id)
                if dump_logits and step == 1 and micro == 0:
                    write_safetensors(dump_logits, {"logits": logits}, {"pad_id": str(pad_id)})
                summed = F.cross_entropy(
                    logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=ignore_index, label_smoothing=smoothing, reduction="sum"
                )
                part = summed / tokens
                part.backward()
                loss += float(part)
            if dump_grads and step == 1:
                write_safetensors(dump_grads, named_gradients(model))
            grad_norm, grad_norm_clipped = clip_gradients(parameters, cfg["training"]["grad_clip"] or 0)
            lr = optimizer.param_groups[0]["lr"]
            optimizer.step()
            scheduler.step()
            record = {
                "step": step,
                "loss": finite_or_none(loss),
                "lr": lr,
                "grad_norm": finite_or_none(grad_norm),
                "grad_norm_clipped": finite_or_none(grad_norm_clipped),
                "tokens": tokens,
            }
            log.write(json.dumps(record) + "\n")


def forward_fields(kind, batch):
    """The batch tensors in contract order; the last one is the targets."""
    return [batch[f] for f in BATCH_FIELDS[kind]]
