"""Loads a Loss Lab checkpoint into the reference PyTorch model and optimizer, then continues training.

Usage:
  checkpoint_continue.py --config C.json --checkpoint step-N.safetensors --batches B.safetensors --steps M --out M.jsonl

The weights load with load_state_dict(strict=True). The sibling step-N.state.safetensors fills torch.optim's state
({name}.exp_avg / .exp_avg_sq and the step count, or .momentum_buffer; every tensor must be used) and the LambdaLR
schedule resumes after step N. Steps N+1..M train on the dumped batches; one JSON line per step, like `referee.py train`.
"""
import os
import sys

# BLAS reads this when it loads, so it must be set before numpy/torch are imported.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
sys.dont_write_bytecode = True

import argparse  # noqa: E402
import json  # noqa: E402
import warnings  # noqa: E402

import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from models import build_model, vocab_size_of  # noqa: E402
from optimization import clip_gradients, make_optimizer, make_scheduler, parameter_groups  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402
from training import finite_or_none, forward_fields, forward_logits, load_batches  # noqa: E402

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


class CheckpointError(ValueError):
    """A checkpoint that does not fit the model or optimizer."""


def load_model(cfg, path):
    arrays, metadata = read_safetensors(path)
    weights = {name: torch.from_numpy(array) for name, array in arrays.items()}
    model = build_model(cfg["model"], vocab_size_of(cfg["model"], weights))
    model.load_state_dict(weights, strict=True)
    return model, int(metadata["step"])


def load_optimizer_state(cfg, model, optimizer, path):
    """Puts the state file's tensors into optimizer.state, by the name of each (deduplicated) parameter."""
    arrays, metadata = read_safetensors(path)
    names = {id(p): name for name, p in model.named_parameters()}
    optimizer_cfg = cfg["optimizer"]
    used = set()

    def take(key, shape):
        if key not in arrays:
            raise CheckpointError(f"{path}: missing {key}")
        used.add(key)
        return torch.from_numpy(arrays[key]).reshape(shape)

    for group in optimizer.param_groups:
        for p in group["params"]:
            name = names[id(p)]
            if optimizer_cfg["name"] == "sgd":
                buffer = take(f"{name}.momentum_buffer", p.shape)
                # torch keeps no buffer without momentum; Loss Lab's is then all zeros.
                if optimizer_cfg["momentum"] > 0:
                    optimizer.state[p] = {"momentum_buffer": buffer}
            else:
                optimizer.state[p] = {
                    "step": torch.tensor(float(metadata["optimizer_step"])),
                    "exp_avg": take(f"{name}.exp_avg", p.shape),
                    "exp_avg_sq": take(f"{name}.exp_avg_sq", p.shape),
                }
    if used != set(arrays):
        raise CheckpointError(f"{path}: tensors no parameter uses: {sorted(set(arrays) - used)}")


def continue_training(cfg, checkpoint, batches_path, last_step, out_path):
    kind = cfg["model"]["kind"]
    model, step = load_model(cfg, checkpoint)
    model.train()
    parameters = list(model.parameters())
    optimizer = make_optimizer(cfg["optimizer"], parameter_groups(parameters, cfg["optimizer"]["weight_decay"]))
    load_optimizer_state(cfg, model, optimizer, checkpoint[: -len(".safetensors")] + ".state.safetensors")
    scheduler = make_scheduler(optimizer, cfg["schedule"], cfg["optimizer"]["lr"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "lr_scheduler.step() before optimizer.step()": here on purpose
        for _ in range(step):
            scheduler.step()
    steps, pad_id = load_batches(batches_path, kind)
    with open(out_path, "w", encoding="utf-8") as log:
        for s in range(step + 1, last_step + 1):
            micros = steps[s]
            tokens = sum(int((forward_fields(kind, m)[-1] != pad_id).sum()) for m in micros)
            optimizer.zero_grad(set_to_none=True)
            loss = 0.0
            for batch in micros:
                logits, targets = forward_logits(model, kind, batch, pad_id)
                summed = F.cross_entropy(
                    logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad_id,
                    label_smoothing=cfg["loss"]["label_smoothing"], reduction="sum",
                )
                part = summed / tokens
                part.backward()
                loss += float(part)
            grad_norm, clipped = clip_gradients(parameters, cfg["training"]["grad_clip"] or 0)
            lr = optimizer.param_groups[0]["lr"]
            optimizer.step()
            scheduler.step()
            record = {"step": s, "loss": finite_or_none(loss), "lr": lr, "grad_norm": finite_or_none(grad_norm), "grad_norm_clipped": finite_or_none(clipped), "tokens": tokens}
            log.write(json.dumps(record) + "\n")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--batches", required=True)
    parser.add_argument("--steps", required=True, type=int)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as handle:
        cfg = json.load(handle)
    try:
        continue_training(cfg, args.checkpoint, args.batches, args.steps, args.out)
    except (CheckpointError, RuntimeError) as error:
        print(f"checkpoint_continue: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
