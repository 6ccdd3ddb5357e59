/**
 * The exported train.py's byte-level BPE encoder (bpe and gpt2 vocabularies), a port of src/engine/data/bpe/*: the
 * tokenizer.json beside the script, GPT-2's pre-tokenizer written out as a scanner over Unicode categories (Python's
 * `re` has no \p{L}), and merges applied lowest rank first. Python source, kept as text so the bundled CLI can write it.
 */
export const PYTHON_BPE = String.raw`# ---------------------------------------------------------------- byte-level BPE (src/engine/data/bpe/*.ts)

# Unicode White_Space: what \s means to Hugging Face's regex engine, which the pre-tokenizer pattern is written for.
BPE_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B)))
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def byte_chars():
    """GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others map to U+0100 onwards."""
    chars, extra = [], 256
    for byte in range(256):
        if 0x21 <= byte <= 0x7E or 0xA1 <= byte <= 0xAC or byte >= 0xAE:
            chars.append(chr(byte))
        else:
            chars.append(chr(extra))
            extra += 1
    return chars


def char_class(ch):
    """S (whitespace), L (letter), N (number) or O (anything else), as GPT-2's pattern sees a character."""
    if ch in BPE_SPACE:
        return "S"
    major = unicodedata.category(ch)[0]
    return major if major in "LN" else "O"


def pre_tokenize(text):
    r"""The pieces of 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+, in order."""
    pieces, i, n = [], 0, len(text)
    while i < n:
        contraction = next((c for c in CONTRACTIONS if text.startswith(c, i)), None) if text[i] == "'" else None
        if contraction:
            pieces.append(contraction)
            i += len(contraction)
            continue
        start, kind = i, char_class(text[i])
        if text[i] == " " and i + 1 < n and char_class(text[i + 1]) != "S":
            i, kind = i + 1, char_class(text[i + 1])
        j = i
        while j < n and char_class(text[j]) == kind:
            j += 1
        if kind == "S" and j < n and j - start > 1:
            j -= 1  # \s+(?!\S): a run followed by a non-space leaves its last character to the next piece
        pieces.append(text[start:j])
        i = j
    return pieces


class BytePairEncoding:
    """tokenizer.json (Hugging Face format) as Loss Lab writes it for bpe and gpt2: ids equal Loss Lab's."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as handle:
            spec = json.load(handle)
        self.ids = spec["model"]["vocab"]
        self.size = len(self.ids)
        self.chars = byte_chars()
        self.ranks = {}
        for rank, merge in enumerate(spec["model"]["merges"]):
            left, right = merge.split(" ") if isinstance(merge, str) else merge
            self.ranks.setdefault((self.ids[left], self.ids[right]), (rank, self.ids[left + right]))
        specials = sorted(((t["content"], t["id"]) for t in spec["added_tokens"]), key=lambda s: -len(s[0]))
        self.special_ids = dict(specials)
        self.special_split = re.compile("(" + "|".join(re.escape(content) for content, _ in specials) + ")")
        self.cache = {}

    def encode(self, text):
        ids = []
        for part in self.special_split.split(text):
            if part in self.special_ids:
                ids.append(self.special_ids[part])
            elif part:
                for piece in pre_tokenize(part):
                    ids.extend(self.encode_piece(piece))
        return ids

    def encode_piece(self, piece):
        cached = self.cache.get(piece)
        if cached is None:
            symbols = [self.ids[self.chars[b]] for b in piece.encode("utf-8")]
            while len(symbols) > 1:
                found = [(self.ranks[pair], i) for i, pair in enumerate(zip(symbols, symbols[1:])) if pair in self.ranks]
                if not found:
                    break
                (_, merged), at = min(found)
                symbols[at : at + 2] = [merged]
            cached = self.cache[piece] = symbols
        return cached
`;
