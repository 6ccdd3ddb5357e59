"""Optimizer, learning-rate schedule and gradient-norm helpers shared by `train`, `schedule` and `ops`."""
import math

import torch


class UnsupportedOptimizer(ValueError):
    """An optimizer setting the reference cannot reproduce."""


def scheduled_lr(schedule_cfg, base_lr, step):
    """Learning rate used by the update of 1-based optimizer step `step`."""
    warmup = schedule_cfg["warmup_steps"]
    min_lr = schedule_cfg["min_lr"]
    if step <= warmup:
        return base_lr * step / warmup
    progress = min(1.0, (step - warmup) / max(1, schedule_cfg["decay_steps"] - warmup))
    decay = schedule_cfg["decay"]
    if decay == "constant":
        value = base_lr
    elif decay == "linear":
        value = base_lr - (base_lr - min_lr) * progress
    elif decay == "cosine":
        value = min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))
    elif decay == "inverse_sqrt":
        value = base_lr * math.sqrt(max(warmup, 1) / step)
    elif decay == "exponential":
        value = base_lr * schedule_cfg["gamma"] ** (step - warmup)
    elif decay == "step":
        value = base_lr * schedule_cfg["gamma"] ** math.floor((step - warmup) / schedule_cfg["step_size"])
    else:
        raise UnsupportedOptimizer(f"unknown schedule.decay {decay!r}")
    return max(min_lr, value)


def make_scheduler(optimizer, schedule_cfg, base_lr):
    """LambdaLR whose multiplier at its internal counter k is f(k + 1) / lr, so step s's update uses f(s)."""

    def multiplier(counter):
        return scheduled_lr(schedule_cfg, base_lr, counter + 1) / base_lr if base_lr != 0 else 0.0

    return torch.optim.lr_scheduler.LambdaLR(optimizer, multiplier)


def parameter_groups(parameters, weight_decay):
    """Two groups as in nanoGPT: decay for tensors with >= 2 dims, none for the rest (shared tensors counted once)."""
    unique = list({id(p): p for p in parameters}.values())
    return [
        {"params": [p for p in unique if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in unique if p.dim() < 2], "weight_decay": 0.0},
    ]


def make_optimizer(optimizer_cfg, groups):
    """torch.optim.AdamW / Adam / SGD for the config's optimizer section."""
    name = optimizer_cfg["name"]
    lr = optimizer_cfg["lr"]
    if name in ("adamw", "adam"):
        cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
        betas = tuple(optimizer_cfg["betas"])
        return cls(groups, lr=lr, betas=betas, eps=optimizer_cfg["eps"], foreach=False)
    if name == "sgd":
        momentum = optimizer_cfg["momentum"]
        nesterov = bool(optimizer_cfg["nesterov"])
        if nesterov and momentum <= 0:
            raise UnsupportedOptimizer("optimizer.nesterov needs optimizer.momentum > 0")
        return torch.optim.SGD(groups, lr=lr, momentum=momentum, dampening=0, nesterov=nesterov, foreach=False)
    raise UnsupportedOptimizer(f"unknown optimizer.name {name!r} (expected adamw, adam or sgd)")


def total_grad_norm(parameters):
    """Global L2 norm of the gradients, computed the way clip_grad_norm_ does (norm of per-tensor norms)."""
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    return float(torch.norm(torch.stack([torch.norm(g, 2.0) for g in grads]), 2.0))


def clip_gradients(parameters, max_norm):
    """(norm before clipping, norm after clipping); clipping is off when max_norm <= 0."""
    parameters = list(parameters)
    if max_norm > 0:
        before = float(torch.nn.utils.clip_grad_norm_(parameters, max_norm))
        return before, total_grad_norm(parameters)
    norm = total_grad_norm(parameters)
    return norm, norm
