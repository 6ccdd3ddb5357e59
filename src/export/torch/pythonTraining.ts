/** The exported train.py's optimizer, schedule and training loop, with DistributedDataParallel under torchrun. Python source, kept as text so the bundled CLI can write it. */
export const PYTHON_TRAINING = String.raw`# ---------------------------------------------------------------- optimizer and schedule

def scheduled_lr(schedule, base_lr, step):
    """The learning rate of 1-based step step (src/engine/optim/schedule.ts)."""
    warmup, min_lr = schedule["warmup_steps"], schedule["min_lr"]
    if step <= warmup:
        return base_lr * step / warmup
    progress = min(1.0, (step - warmup) / max(1, schedule["decay_steps"] - warmup))
    decay = schedule["decay"]
    if decay == "constant":
        value = base_lr
    elif decay == "linear":
        value = base_lr - (base_lr - min_lr) * progress
    elif decay == "cosine":
        value = min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))
    elif decay == "inverse_sqrt":
        value = base_lr * math.sqrt(max(warmup, 1) / step)
    elif decay == "exponential":
        value = base_lr * schedule["gamma"] ** (step - warmup)
    else:
        value = base_lr * schedule["gamma"] ** math.floor((step - warmup) / schedule["step_size"])
    return max(min_lr, value)


def make_optimizer(cfg, parameters):
    """nanoGPT's two groups (weight decay on tensors with >= 2 dims only) under torch.optim.AdamW / Adam / SGD."""
    o = cfg["optimizer"]
    groups = [
        {"params": [p for p in parameters if p.dim() >= 2], "weight_decay": o["weight_decay"]},
        {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0},
    ]
    if o["name"] == "sgd":
        return torch.optim.SGD(groups, lr=o["lr"], momentum=o["momentum"], dampening=0, nesterov=o["nesterov"])
    adam = torch.optim.AdamW if o["name"] == "adamw" else torch.optim.Adam
    return adam(groups, lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"])


def make_scheduler(optimizer, cfg):
    """LambdaLR whose factor at its counter k is lr(k + 1) / lr, so step s updates with lr(s)."""
    base_lr = cfg["optimizer"]["lr"]

    def factor(k):
        return scheduled_lr(cfg["schedule"], base_lr, k + 1) / base_lr if base_lr else 0.0

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def gradient_norm(parameters):
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    return float(torch.norm(torch.stack([torch.norm(g, 2.0) for g in grads]), 2.0)) if grads else 0.0


# ---------------------------------------------------------------- training

class Distributed:
    """This process's place under torchrun (RANK, WORLD_SIZE, LOCAL_RANK), or a single process."""

    def __init__(self, device_choice):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = device_choice == "cuda" or (device_choice == "auto" and torch.cuda.is_available())
        self.device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group("nccl" if cuda else "gloo")

    def share(self, rows):
        """This process's rows [begin, end) of a global batch of rows rows."""
        return rows * self.rank // self.world, rows * (self.rank + 1) // self.world

    def total(self, value):
        """Sum of a float over all processes."""
        if self.world == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return float(tensor[0])


def summed_loss(model, kind, batch, rows, smoothing, device):
    """Cross-entropy summed over this process's rows of a batch (pad targets ignored)."""
    part = {key: value.to(device) for key, value in batch.rows(*rows).items()}
    if kind == "gpt":
        logits, targets = model(part["idx"]), part["targets"]
    else:
        logits, targets = model(part["src"], part["tgt_in"]), part["tgt_out"]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=PAD_ID, label_smoothing=smoothing, reduction="sum")


def evaluate(model, kind, batches, smoothing, place):
    """Mean loss per non-pad target over the validation batches."""
    tokens = max(1, sum(b.tokens for b in batches))
    model.eval()
    with torch.no_grad():
        total = sum(float(summed_loss(model, kind, b, place.share(b.targets.shape[0]), smoothing, place.device) / tokens) for b in batches)
    model.train()
    return place.total(total)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.path.join(HERE, "config.json"))
    parser.add_argument("--vocab", default=os.path.join(HERE, "vocab.json"))
    parser.add_argument("--init", default=os.path.join(HERE, "init.safetensors"), help="initial weights")
    parser.add_argument("--metrics", default=os.path.join(HERE, "metrics.jsonl"), help="metrics lines (JSON per line)")
    parser.add_argument("--save", default=os.path.join(HERE, "final.safetensors"), help="the trained weights")
    parser.add_argument("--max-steps", type=int, default=None, help="stop early; the schedule still follows config.json")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    with open(args.config, encoding="utf-8") as handle:
        cfg = json.load(handle)
    with open(args.vocab, encoding="utf-8") as handle:
        vocab = Vocabulary(json.load(handle), os.path.dirname(os.path.abspath(args.vocab)))
    place = Distributed(args.device)
    train_cfg, m, d = cfg["training"], cfg["model"], cfg["data"]
    if train_cfg["batch_size"] < place.world:
        raise SystemExit(f"training.batch_size {train_cfg['batch_size']} is less than the {place.world} processes: each needs a row")
    torch.manual_seed(cfg["seed"] + place.rank)
    train_set, val_set = load_data(cfg, os.path.dirname(os.path.abspath(args.config)), vocab)
    model = build_model(m, vocab.size)
    model.load_state_dict(read_safetensors(args.init)[0], strict=True)
    model.to(place.device).train()
    wrapped = model
    if place.world > 1:
        wrapped = DistributedDataParallel(model, device_ids=[place.device.index] if place.device.type == "cuda" else None, broadcast_buffers=False)
    parameters = list(model.parameters())
    optimizer = make_optimizer(cfg, parameters)
    scheduler = make_scheduler(optimizer, cfg)
    sampling = (train_cfg["batch_size"], m["context"], d["shuffle"], cfg["seed"])
    sampler = BatchSampler(train_set, *sampling)
    evals = eval_batches(val_set, *sampling, train_cfg["eval_steps"]) if train_cfg["eval_interval"] > 0 else []
    total_steps, micros, smoothing = train_cfg["steps"], train_cfg["grad_accumulation"], cfg["loss"]["label_smoothing"]
    last = min(total_steps, args.max_steps or total_steps)
    out = open(args.metrics, "w", encoding="utf-8") if place.rank == 0 else None
    if out is not None:
        rows = train_cfg["batch_size"] // place.world
        count = sum(p.numel() for p in parameters)
        print(f"{cfg['name']}: {count:,} parameters on {place.device}; {place.world} process(es), ~{rows} of {train_cfg['batch_size']} rows of every batch each", file=sys.stderr)

    def emit(record):
        if out is not None:
            line = json.dumps(record)
            print(line, flush=True)
            out.write(line + "\n")
            out.flush()

    started = time.perf_counter()
    step = 0
    for step in range(1, last + 1):
        step_start = time.perf_counter()
        batches = [sampler.next() for _ in range(micros)]
        tokens = sum(b.tokens for b in batches)
        positions = sum(b.targets.numel() for b in batches)
        optimizer.zero_grad(set_to_none=True)
        loss = 0.0
        for micro, batch in enumerate(batches):
            # Gradients are all-reduced (averaged) on the last micro-batch only.
            sync = contextlib.nullcontext() if place.world == 1 or micro == micros - 1 else wrapped.no_sync()
            with sync:
                part = summed_loss(wrapped, m["kind"], batch, place.share(batch.targets.shape[0]), smoothing, place.device) / max(1, tokens)
                (part * place.world).backward()
            loss += float(part)
        loss = place.total(loss)
        if train_cfg["grad_clip"] > 0:
            grad_norm = float(torch.nn.utils.clip_grad_norm_(parameters, train_cfg["grad_clip"]))
            clipped = gradient_norm(parameters)
        else:
            grad_norm = clipped = gradient_norm(parameters)
        if not (math.isfinite(loss) and math.isfinite(grad_norm)):
            print(f"step {step}: the loss ({loss}) or a gradient is not finite; stopping", file=sys.stderr)
            return 1
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
        now = time.perf_counter()
        emit({
            "step": step, "loss": loss, "lr": lr, "grad_norm": grad_norm, "grad_norm_clipped": clipped, "tokens": tokens,
            "pad_fraction": (positions - tokens) / max(1, positions),
            "tokens_per_sec": tokens / max(1e-9, now - step_start), "time_ms": round((now - started) * 1000),
        })
        every = train_cfg["eval_interval"]
        if every > 0 and (step % every == 0 or step == total_steps):
            emit({"step": step, "val_loss": evaluate(model, m["kind"], evals, smoothing, place)})
    if out is not None:
        out.close()
        write_safetensors(args.save, model.state_dict(), {"step": step, "config": cfg["name"]})
    if place.world > 1:
        dist.barrier()
        # Destroying a gloo process group at interpreter exit can deadlock (pytorch/pytorch#56297): leave at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
`;
