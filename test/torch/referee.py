"""PyTorch referee for Loss Lab's engine: reference training runs, op-level values and LR schedules.

Usage:
  referee.py train --config C.json --init W.safetensors --batches B.safetensors --steps N --out M.jsonl
                   [--dump-grads G.safetensors] [--dump-logits L.safetensors]
  referee.py ops --in I.safetensors --out O.safetensors
  referee.py schedule --config C.json --steps N     (prints the lr of steps 1..N as a JSON list)
"""
import os
import sys

# BLAS reads this when it loads, so it must be set before numpy/torch are imported.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
# Keeps __pycache__ out of the source tree.
sys.dont_write_bytecode = True

import argparse  # noqa: E402
import json  # noqa: E402

import torch  # noqa: E402

from models import UnsupportedConfig  # noqa: E402
from optimization import UnsupportedOptimizer, make_optimizer, make_scheduler, parameter_groups  # noqa: E402
from reference_ops import OpCaseError, run_ops  # noqa: E402
from safetensors_io import SafetensorsError  # noqa: E402
from training import TrainingInputError, load_config, train  # noqa: E402

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.set_default_dtype(torch.float32)

EXPECTED_ERRORS = (UnsupportedConfig, UnsupportedOptimizer, OpCaseError, SafetensorsError, TrainingInputError, FileNotFoundError)


def schedule_lrs(cfg, n_steps):
    """The lr each of steps 1..N uses, read from the same optimizer + LambdaLR that `train` builds."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = make_optimizer(cfg["optimizer"], parameter_groups([weight], 0.0))
    scheduler = make_scheduler(optimizer, cfg["schedule"], cfg["optimizer"]["lr"])
    rates = []
    for _ in range(n_steps):
        rates.append(optimizer.param_groups[0]["lr"])
        weight.grad = torch.zeros_like(weight)
        optimizer.step()
        scheduler.step()
    return rates


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="referee.py", description="PyTorch reference for Loss Lab parity tests.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("train", help="train the reference model on dumped batches")
    run.add_argument("--config", required=True)
    run.add_argument("--init", required=True)
    run.add_argument("--batches", required=True)
    run.add_argument("--steps", required=True, type=int)
    run.add_argument("--out", required=True)
    run.add_argument("--dump-grads")
    run.add_argument("--dump-logits")
    ops = commands.add_parser("ops", help="op-level forward/backward reference")
    ops.add_argument("--in", dest="in_path", required=True)
    ops.add_argument("--out", required=True)
    schedule = commands.add_parser("schedule", help="print the learning rate of steps 1..N")
    schedule.add_argument("--config", required=True)
    schedule.add_argument("--steps", required=True, type=int)
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    try:
        if args.command == "train":
            train(load_config(args.config), args.init, args.batches, args.steps, args.out, args.dump_grads, args.dump_logits)
        elif args.command == "ops":
            run_ops(args.in_path, args.out)
        else:
            print(json.dumps(schedule_lrs(load_config(args.config), args.steps)))
    except EXPECTED_ERRORS as error:
        print(f"referee {args.command}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
