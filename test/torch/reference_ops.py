"""The `ops` subcommand: float64 forward and backward of single ops, reported as F32.

Each case's gradients are d/d(input) of sum(out * grad_output) for every float input.
"""
import json
import math

import numpy as np
import torch
from torch.nn import functional as F

from optimization import clip_gradients, make_optimizer, parameter_groups
from safetensors_io import read_safetensors, write_safetensors


class OpCaseError(ValueError):
    """A malformed op case."""


def op_linear(inputs, _attrs):
    return F.linear(inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None)


def op_embedding(inputs, _attrs):
    return F.embedding(inputs[0].long(), inputs[1])


def op_layer_norm(inputs, attrs):
    x, weight = inputs[0], inputs[1]
    bias = inputs[2] if len(inputs) > 2 else None
    return F.layer_norm(x, weight.shape, weight, bias, attrs.get("eps", 1e-5))


def op_attention(inputs, attrs):
    query, key, value = inputs[:3]
    heads = int(attrs["n_heads"])
    batch, q_len, width = query.shape
    k_len = key.shape[1]
    head_dim = width // heads

    def to_heads(t, length):
        return t.reshape(batch, length, heads, head_dim).transpose(1, 2)

    scores = (to_heads(query, q_len) @ to_heads(key, k_len).transpose(-2, -1)) * (1.0 / math.sqrt(head_dim))
    blocked = torch.zeros(batch, 1, q_len, k_len, dtype=torch.bool)
    if len(inputs) > 3:
        blocked = blocked | (inputs[3] != 0).reshape(batch, 1, 1, k_len)
    if attrs.get("causal", False):
        blocked = blocked | torch.ones(q_len, k_len, dtype=torch.bool).triu(diagonal=1)
    weights = F.softmax(scores.masked_fill(blocked, float("-inf")), dim=-1)
    return (weights @ to_heads(value, k_len)).transpose(1, 2).reshape(batch, q_len, width)


def op_self_attention(inputs, attrs):
    query, key, value = inputs[0].chunk(3, dim=-1)
    return op_attention([query, key, value, *inputs[1:]], attrs)


ACTIVATIONS = {
    "gelu": lambda x: F.gelu(x, approximate="none"),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
}


def op_feed_forward(inputs, attrs):
    """down(act(up(x))): inputs x, up weight, [up bias,] down weight[, down bias] (both biases or neither)."""
    activate = ACTIVATIONS[attrs["activation"]]
    if len(inputs) == 5:
        x, w1, b1, w2, b2 = inputs
    else:
        (x, w1, w2), b1, b2 = inputs, None, None
    return F.linear(activate(F.linear(x, w1, b1)), w2, b2)


def op_cross_entropy(inputs, attrs):
    summed = F.cross_entropy(
        inputs[0],
        inputs[1].long(),
        ignore_index=int(attrs.get("ignore_index", -100)),
        label_smoothing=float(attrs.get("label_smoothing", 0.0)),
        reduction="sum",
    )
    return (summed * float(attrs.get("scale", 1.0))).reshape(1)


def op_slice_last(inputs, attrs):
    start = int(attrs["start"])
    return inputs[0][:, start : start + int(attrs["width"])]


DIFFERENTIABLE_OPS = {
    "linear": op_linear,
    "embedding": op_embedding,
    "layer_norm": op_layer_norm,
    "gelu": lambda inputs, _a: ACTIVATIONS["gelu"](inputs[0]),
    "gelu_tanh": lambda inputs, _a: ACTIVATIONS["gelu_tanh"](inputs[0]),
    "relu": lambda inputs, _a: ACTIVATIONS["relu"](inputs[0]),
    "feed_forward": op_feed_forward,
    "attention": op_attention,
    "self_attention": op_self_attention,
    "cross_entropy": op_cross_entropy,
    "slice_last": op_slice_last,
    "add": lambda inputs, _a: inputs[0] + inputs[1],
    "scale": lambda inputs, attrs: inputs[0] * float(attrs["factor"]),
    "softmax": lambda inputs, _a: F.softmax(inputs[0], dim=-1),
}


def op_optimizer(name, inputs, attrs):
    """The parameter after each of K optimizer steps, [K, ...param shape]."""
    param, grads = inputs[0], inputs[1]
    rates = [float(r) for r in attrs["lr"]]
    if grads.shape[0] != len(rates) or tuple(grads.shape[1:]) != tuple(param.shape):
        raise OpCaseError(f"case {name!r}: grads must be [K, {list(param.shape)}] with K = len(lr) = {len(rates)}, got {list(grads.shape)}")
    weight = torch.nn.Parameter(param.detach().clone())
    settings = {
        "name": attrs["name"],
        "lr": rates[0] if rates else 0.0,
        "betas": attrs.get("betas", [0.9, 0.999]),
        "eps": attrs.get("eps", 1e-8),
        "momentum": attrs.get("momentum", 0.0),
        "nesterov": attrs.get("nesterov", False),
    }
    optimizer = make_optimizer(settings, parameter_groups([weight], attrs.get("weight_decay", 0.0)))
    history = []
    for k, rate in enumerate(rates):
        for group in optimizer.param_groups:
            group["lr"] = rate
        weight.grad = grads[k].detach().clone()
        optimizer.step()
        history.append(weight.detach().clone())
    return {f"{name}.out": torch.stack(history) if history else torch.zeros(0, *param.shape, dtype=torch.float64)}


def op_clip(name, inputs, attrs):
    """Norms before/after clip_grad_norm_ and each clipped gradient."""
    params = []
    for grad in inputs:
        param = torch.nn.Parameter(torch.zeros_like(grad))
        param.grad = grad.detach().clone()
        params.append(param)
    max_norm = float(attrs["max_norm"])
    before = float(torch.nn.utils.clip_grad_norm_(params, max_norm))
    _, after = clip_gradients(params, 0)
    results = {f"{name}.out": torch.tensor([before, after], dtype=torch.float64)}
    for i, param in enumerate(params):
        results[f"{name}.clipped.{i}"] = param.grad
    return results


def run_case(case, tensors):
    name, op = case["name"], case["op"]
    attrs = case.get("attrs") or {}
    wants_grad = case.get("grad_output") is not None
    inputs = []
    for tensor_name in case["inputs"]:
        if tensor_name not in tensors:
            raise OpCaseError(f"case {name!r}: input tensor {tensor_name!r} is not in the input file")
        array = tensors[tensor_name]
        is_float = np.issubdtype(array.dtype, np.floating)
        value = torch.from_numpy(array).to(torch.float64 if is_float else torch.int64)
        inputs.append(value.requires_grad_(wants_grad and is_float))
    if op == "optimizer":
        return op_optimizer(name, inputs, attrs)
    if op == "clip":
        return op_clip(name, inputs, attrs)
    if op not in DIFFERENTIABLE_OPS:
        raise OpCaseError(f"case {name!r}: unknown op {op!r}")
    out = DIFFERENTIABLE_OPS[op](inputs, attrs)
    results = {f"{name}.out": out}
    if wants_grad:
        grad_output = torch.from_numpy(tensors[case["grad_output"]]).to(torch.float64)
        if tuple(grad_output.shape) != tuple(out.shape):
            raise OpCaseError(f"case {name!r}: grad_output shape {list(grad_output.shape)} != output shape {list(out.shape)}")
        float_indices = [i for i, t in enumerate(inputs) if t.requires_grad]
        grads = torch.autograd.grad((out * grad_output).sum(), [inputs[i] for i in float_indices], allow_unused=True)
        for i, grad in zip(float_indices, grads):
            results[f"{name}.grad.{i}"] = grad if grad is not None else torch.zeros_like(inputs[i])
    return results


def run_ops(in_path, out_path):
    tensors, metadata = read_safetensors(in_path)
    if "cases" not in metadata:
        raise OpCaseError(f"{in_path}: metadata has no 'cases'")
    results = {}
    for case in json.loads(metadata["cases"]):
        results.update(run_case(case, tensors))
    write_safetensors(out_path, {name: value.detach() for name, value in results.items()})
