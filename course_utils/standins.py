"""Offline stand-ins: a made-up sentiment data set and a tiny GPT-2 pretrained on its text.

Both are built deterministically on first use into a cache folder and reused afterwards, so an
offline notebook still calls load_dataset(...) and from_pretrained(...) as it would online.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

STANDIN_VERSION = "v2"
SPLIT_SIZES = {"train": 4000, "validation": 500, "test": 500}
LABEL_NAMES = ["neg", "pos"]
SEED = 1234

SUBJECTS = [
    "the film",
    "this movie",
    "the script",
    "the acting",
    "the cast",
    "the plot",
    "the story",
    "the soundtrack",
    "the dialogue",
    "the ending",
    "the direction",
    "the lead performance",
    "the cinematography",
    "the pacing",
    "the humor",
    "the screenplay",
    "the lead actor",
    "the sequel",
    "the final act",
    "the premise",
]
POSITIVE = [
    "charming",
    "funny",
    "moving",
    "gripping",
    "clever",
    "beautiful",
    "touching",
    "delightful",
    "smart",
    "thrilling",
    "witty",
    "powerful",
    "engaging",
    "fresh",
    "heartfelt",
    "brilliant",
    "stunning",
    "warm",
    "inventive",
    "riveting",
    "good",
    "great",
    "wonderful",
    "sharp",
]
NEGATIVE = [
    "dull",
    "boring",
    "clumsy",
    "tedious",
    "predictable",
    "lifeless",
    "messy",
    "bland",
    "forgettable",
    "shallow",
    "tiresome",
    "awkward",
    "painful",
    "lazy",
    "flat",
    "silly",
    "confused",
    "overlong",
    "stale",
    "hollow",
    "bad",
    "terrible",
    "weak",
    "pointless",
]
INTENSIFIERS = ["", "", "very ", "truly ", "remarkably ", "rather ", "quite ", "utterly "]
NOUNS = ["film", "movie", "comedy", "thriller", "drama", "debut", "ride", "story", "experience"]
POSITIVE_PHRASES = [
    "i loved every minute of it",
    "a joy from start to finish",
    "worth the price of admission",
    "you will leave the theater smiling",
    "one of the best films of the year",
    "it earns every one of its laughs",
    "i would happily watch it again",
]
NEGATIVE_PHRASES = [
    "i wanted to walk out",
    "a waste of two hours",
    "not worth the price of admission",
    "you will be checking your watch",
    "one of the worst films of the year",
    "it never earns its laughs",
    "i would not watch it again",
]


def cache_root() -> Path:
    """Where stand-ins are kept: $COURSE_CACHE, else ~/.cache/finetune-course."""
    root = os.environ.get("COURSE_CACHE") or Path.home() / ".cache" / "finetune-course"
    return Path(root) / "standins" / STANDIN_VERSION


def _review(rng: random.Random) -> tuple[str, int]:
    """One made-up review sentence and its label (0 = negative, 1 = positive)."""
    label = rng.randrange(2)
    good, bad = (POSITIVE, NEGATIVE) if label else (NEGATIVE, POSITIVE)
    subj, subj2 = rng.sample(SUBJECTS, 2)
    intens = rng.choice(INTENSIFIERS)
    kind = rng.randrange(9)
    if kind == 0:  # plain statement
        text = f"{subj} is {intens}{rng.choice(good)} ."
    elif kind == 1:  # negation flips the adjective
        neg = rng.choice(["not", "never", "hardly", "far from"])
        text = f"{subj} is {neg} {rng.choice(bad)} ."
    elif kind == 2:  # mixed: the clause after "but" decides
        text = f"{subj} is {rng.choice(bad)} , but {subj2} is {intens}{rng.choice(good)} ."
    elif kind == 3:  # mixed: the main clause after "although ..." decides
        text = f"although {subj} is {rng.choice(bad)} , {subj2} is {rng.choice(good)} ."
    elif kind == 4:  # two adjectives of the same sign
        a, b = rng.sample(good, 2)
        text = f"a {intens}{a} and {b} {rng.choice(NOUNS)} ."
    elif kind == 5:  # a whole phrase
        text = f"{rng.choice(POSITIVE_PHRASES if label else NEGATIVE_PHRASES)} ."
    elif kind == 6:  # phrase plus statement
        phrase = rng.choice(POSITIVE_PHRASES if label else NEGATIVE_PHRASES)
        text = f"{subj} is {rng.choice(good)} ; {phrase} ."
    elif kind == 7:  # negated opposite, then a plain statement
        text = f"{subj} is not {rng.choice(bad)} , and {subj2} is {rng.choice(good)} ."
    else:  # "despite" mixed phrase: the main clause decides
        text = f"despite {rng.choice(bad)} moments , {subj} is {intens}{rng.choice(good)} ."
    return text, label


def make_sentiment_rows(seed: int = SEED) -> dict[str, dict[str, list]]:
    """Deterministic train/validation/test splits of unique made-up reviews."""
    rng = random.Random(seed)
    total = sum(SPLIT_SIZES.values())
    seen: set[str] = set()
    rows: list[tuple[str, int]] = []
    while len(rows) < total:
        text, label = _review(rng)
        if text not in seen:
            seen.add(text)
            rows.append((text, label))
    splits, start = {}, 0
    for split, size in SPLIT_SIZES.items():
        chunk = rows[start : start + size]
        splits[split] = {"text": [t for t, _ in chunk], "label": [y for _, y in chunk]}
        start += size
    return splits


def _build_once(name: str, build: Callable[[Path], None]) -> Path:
    """Return cache_root()/name, building it first if missing (atomically, via a temp folder)."""
    target = cache_root() / name
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        build(tmp)
        (tmp / ".complete").write_text(STANDIN_VERSION)
        if target.exists():  # an incomplete earlier build
            shutil.rmtree(target)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first: use its copy
            if not (target / ".complete").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _build_sentiment(folder: Path) -> None:
    import datasets

    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=LABEL_NAMES)}
    )
    bars_were_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        for split, columns in make_sentiment_rows().items():
            ds = datasets.Dataset.from_dict(columns, features=features)
            ds.to_parquet(str(folder / f"{split}.parquet"))
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()


def sentiment_dataset_dir() -> Path:
    """Folder of the stand-in for cornell-movie-review-data/rotten_tomatoes (parquet splits)."""
    return _build_once("sentiment", _build_sentiment)


def _gpt2_byte_alphabet() -> list[str]:
    """GPT-2's 256 byte symbols in GPT-2's own order (so id 0 is '!', as in GPT-2)."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes, extra = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return [chr(c) for c in codes]


def _train_tokenizer(texts: list[str], vocab_size: int = 800):
    """A byte-level BPE tokenizer laid out like GPT-2's: bytes, then merges, then EOS last."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Tokenizer

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Label words are tokenised on their own (no leading space), as the lesson does.
    bpe.train_from_iterator(texts + LABEL_NAMES * 50, trainer=trainer)
    raw_merges = json.loads(bpe.to_str())["model"]["merges"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in raw_merges]
    vocab = {symbol: i for i, symbol in enumerate(_gpt2_byte_alphabet())}
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    return GPT2Tokenizer(vocab=vocab, merges=merges, model_max_length=128)


def pretraining_corpus(texts: list[str], seed: int = SEED) -> list[str]:
    """What the stand-in reads before any lesson fine-tunes it: the reviews as plain text, and
    each review again followed by EOS and one word, either a word of that review or (one time
    in five) a label word drawn at random, unrelated to the review's sentiment.

    The second half stands in for what GPT-2 picked up on the web: text is followed by words
    about it, and "neg" and "pos" are ordinary words. It never pairs a review with its label,
    so before fine-tuning the stand-in is at chance on the task, as GPT-2 is.
    """
    rng = random.Random(seed)
    recall = []
    for text in texts:
        words = [w for w in text.split() if w.isalpha() and len(w) > 3]
        target = rng.choice(LABEL_NAMES) if rng.random() < 0.2 or not words else rng.choice(words)
        recall.append(f"{text}<|endoftext|>{target}")
    corpus = list(texts) + recall
    rng.shuffle(corpus)
    return corpus


def _pretrain(model, tokenizer, texts: list[str], epochs: int = 4, block: int = 32) -> None:
    """A few seconds of next-token training on pretraining_corpus(texts), packed in blocks."""
    import torch

    corpus = pretraining_corpus(texts)
    ids = [i for t in corpus for i in tokenizer(t)["input_ids"] + [tokenizer.eos_token_id]]
    blocks = torch.tensor(ids[: len(ids) // block * block]).view(-1, block)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(epochs):
        for rows in torch.randperm(len(blocks)).split(32):
            loss = model(input_ids=blocks[rows], labels=blocks[rows]).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()


def _build_tiny_gpt2(folder: Path) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    train_texts = make_sentiment_rows()["train"]["text"]
    tokenizer = _train_tokenizer(train_texts)
    eos = tokenizer.eos_token_id
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=128,
        n_embd=64,
        n_layer=2,
        n_head=4,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,  # too small to need dropout
        bos_token_id=eos,
        eos_token_id=eos,
    )
    with torch.random.fork_rng():  # leave the caller's random state alone
        torch.manual_seed(SEED)
        model = GPT2LMHeadModel(config)
        _pretrain(model, tokenizer, train_texts)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def tiny_gpt2_dir() -> Path:
    """Folder of the stand-in for openai-community/gpt2 (model and tokenizer)."""
    return _build_once("tiny-gpt2", _build_tiny_gpt2)
