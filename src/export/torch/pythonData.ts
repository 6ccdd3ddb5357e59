/** The exported train.py's data pipeline: Loss Lab's parsing, tokenization, split and batch sampler, ported to Python. Python source, kept as text so the bundled CLI can write it. */
export const PYTHON_DATA = String.raw`# ---------------------------------------------------------------- data (src/engine/data/*.ts)

# JavaScript's \s: the whitespace Loss Lab splits words on and trims lines with.
JS_SPACE = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
BLANK = re.compile(JS_SPACE + "*")
SPACES = re.compile(JS_SPACE + "+")
WINDOW_STREAM, PERMUTATION_STREAM, EVAL_SEED_OFFSET = 0xDA7A, 0xDA7B, 0x5EED


class Vocabulary:
    """vocab.json: ids 0-3 are <pad> <bos> <eos> <unk>; bytes, characters or words follow (bpe, gpt2: tokenizer.json)."""

    def __init__(self, spec, folder):
        self.kind = spec["kind"]
        self.bpe = BytePairEncoding(os.path.join(folder, "tokenizer.json")) if self.kind in ("bpe", "gpt2") else None
        symbols = spec.get("symbols", [])
        self.ids = {symbol: FIRST_SYMBOL_ID + i for i, symbol in enumerate(symbols)}
        self.size = self.bpe.size if self.bpe else FIRST_SYMBOL_ID + (256 if self.kind == "byte" else len(symbols))

    def encode(self, text):
        if self.bpe:
            return self.bpe.encode(text)
        if self.kind == "byte":
            return [b + FIRST_SYMBOL_ID for b in text.encode("utf-8")]
        pieces = list(text) if self.kind == "char" else [w for w in SPACES.split(text) if w]
        return [self.ids.get(piece, UNK_ID) for piece in pieces]


def read_text(path):
    """UTF-8 text without a byte-order mark, CRLF turned into LF (as Loss Lab reads datasets)."""
    with open(path, "r", encoding="utf-8", newline="") as handle:
        text = handle.read()
    return (text[1:] if text.startswith("\ufeff") else text).replace("\r\n", "\n")


def is_blank(text):
    return BLANK.fullmatch(text) is not None


def parse_pair(line, fmt, where):
    if fmt == "tsv":
        parts = line.split("\t")
        if len(parts) != 2:
            raise ValueError(f"{where}: expected source<TAB>target")
        return parts[0], parts[1]
    record = json.loads(line)
    return record["source"], record["target"]


def load_dataset(cfg, path, vocab):
    """("stream", LongTensor) | ("lines", [ids]) | ("pairs", [(source ids, target ids)])."""
    text = read_text(path)
    if cfg["model"]["kind"] == "gpt":
        if cfg["data"]["sequences"] == "stream":
            return "stream", torch.tensor(vocab.encode(text), dtype=torch.long)
        return "lines", [vocab.encode(line) for line in text.split("\n") if not is_blank(line)]
    fmt = cfg["data"]["format"]
    if fmt == "auto":
        fmt = "tsv" if path.lower().endswith(".tsv") else "jsonl"
    pairs = []
    for number, line in enumerate(text.split("\n"), 1):
        if not is_blank(line):
            source, target = parse_pair(line, fmt, f"{path}:{number}")
            pairs.append((vocab.encode(source), vocab.encode(target)))
    return "pairs", pairs


def js_round(x):
    """Math.round: halves go up."""
    whole = math.floor(x)
    return whole + 1 if x - whole >= 0.5 else whole


def split_dataset(dataset, fraction):
    """The last fraction of the tokens or examples is held out for validation."""
    kind, items = dataset
    cut = len(items) - js_round(len(items) * fraction)
    return (kind, items[:cut]), (kind, items[cut:])


class Batch:
    """One batch of long tensors: gpt {idx, targets} or encoder-decoder {src, tgt_in, tgt_out}; tokens are non-pad targets."""

    def __init__(self, tensors, target_key):
        self.tensors = tensors
        self.targets = tensors[target_key]
        self.tokens = int((self.targets != PAD_ID).sum())

    def rows(self, begin, end):
        return {key: value[begin:end] for key, value in self.tensors.items()}


def stream_batch(tokens, starts, context):
    idx = torch.full((len(starts), context), PAD_ID, dtype=torch.long)
    targets = torch.full((len(starts), context), PAD_ID, dtype=torch.long)
    for row, start in enumerate(starts):
        window = tokens[start : start + context + 1]
        idx[row, : min(context, len(window))] = window[:context]
        targets[row, : max(0, len(window) - 1)] = window[1:]
    return Batch({"idx": idx, "targets": targets}, "targets")


def lines_batch(sequences, context):
    lengths = [min(len(seq) + 1, context) for seq in sequences]
    width = max(lengths)
    idx = torch.full((len(sequences), width), PAD_ID, dtype=torch.long)
    targets = torch.full((len(sequences), width), PAD_ID, dtype=torch.long)
    for row, (seq, length) in enumerate(zip(sequences, lengths)):
        full = [BOS_ID] + list(seq) + [EOS_ID]
        idx[row, :length] = torch.tensor(full[:length])
        targets[row, :length] = torch.tensor(full[1 : length + 1])
    return Batch({"idx": idx, "targets": targets}, "targets")


def pairs_batch(pairs, context):
    src_lengths = [min(len(source) + 1, context) for source, _ in pairs]
    tgt_lengths = [min(len(target) + 1, context) for _, target in pairs]
    src = torch.full((len(pairs), max(src_lengths)), PAD_ID, dtype=torch.long)
    tgt_in = torch.full((len(pairs), max(tgt_lengths)), PAD_ID, dtype=torch.long)
    tgt_out = torch.full((len(pairs), max(tgt_lengths)), PAD_ID, dtype=torch.long)
    for row, ((source, target), s, t) in enumerate(zip(pairs, src_lengths, tgt_lengths)):
        src[row, :s] = torch.tensor((list(source) + [EOS_ID])[:s])
        tgt_in[row, :t] = torch.tensor(([BOS_ID] + list(target))[:t])
        tgt_out[row, :t] = torch.tensor((list(target) + [EOS_ID])[:t])
    return Batch({"src": src, "tgt_in": tgt_in, "tgt_out": tgt_out}, "tgt_out")


class BatchSampler:
    """Loss Lab's sampler: random or consecutive windows of a stream; epochs over a (shuffled) permutation of examples."""

    def __init__(self, dataset, batch_size, context, shuffle, seed):
        self.kind, self.items = dataset
        self.batch_size, self.context, self.shuffle = batch_size, context, shuffle
        self.mode = "epochs" if self.kind != "stream" else "random-windows" if shuffle else "sequential-windows"
        self.seed = seed
        self.rng = Rng(seed, WINDOW_STREAM)
        self.size = len(self.items)
        self.cursor = self.epoch = 0
        self.order = None

    def next(self):
        if self.kind == "stream":
            return stream_batch(self.items, [self.next_window_start() for _ in range(self.batch_size)], self.context)
        picks = [self.items[self.next_example()] for _ in range(self.batch_size)]
        return lines_batch(picks, self.context) if self.kind == "lines" else pairs_batch(picks, self.context)

    def next_window_start(self):
        if self.mode == "random-windows":
            return self.rng.int(self.size - self.context) if self.size > self.context + 1 else 0
        windows = max(1, (self.size - 1) // self.context)
        start = (self.cursor % windows) * self.context
        self.advance(windows)
        return start

    def next_example(self):
        if self.order is None:
            self.order = list(range(self.size))
            if self.shuffle:
                seed = ((self.seed & MASK32) ^ imul(self.epoch + 1, 0x9E3779B1)) & MASK32
                Rng(seed, PERMUTATION_STREAM).shuffle(self.order)
        index = self.order[self.cursor]
        self.advance(self.size)
        return index

    def advance(self, length):
        self.cursor += 1
        if self.cursor >= length:
            self.cursor, self.epoch, self.order = 0, self.epoch + 1, None


def eval_batches(dataset, batch_size, context, shuffle, seed, count):
    """The validation batches: the same at every evaluation."""
    sampler = BatchSampler(dataset, batch_size, context, shuffle, seed + EVAL_SEED_OFFSET)
    return [sampler.next() for _ in range(count)]


def load_data(cfg, config_dir, vocab):
    """(train, val) datasets as Loss Lab prepares them."""
    # os.path.join keeps an absolute path as it is.
    train = load_dataset(cfg, os.path.join(config_dir, cfg["data"]["train"]), vocab)
    if cfg["data"]["val"] is None:
        return split_dataset(train, cfg["data"]["val_fraction"])
    return train, load_dataset(cfg, os.path.join(config_dir, cfg["data"]["val"]), vocab)
`;
