"""The offline stand-ins: the data set's shape and variety, determinism, built once."""

import os

import pytest
import torch

from course_utils import standins


@pytest.fixture(scope="module")
def rows():
    return standins.make_sentiment_rows()


def test_splits_columns_and_sizes(rows):
    assert list(rows) == ["train", "validation", "test"]
    assert len(rows["train"]["text"]) >= 2000
    for split in rows.values():
        assert list(split) == ["text", "label"]
        assert len(split["text"]) == len(split["label"])
        assert set(split["label"]) == {0, 1}
        share = sum(split["label"]) / len(split["label"])
        assert 0.4 < share < 0.6


def test_rows_are_unique_and_splits_do_not_overlap(rows):
    texts = [t for split in rows.values() for t in split["text"]]
    assert len(texts) == len(set(texts))


def test_sentences_are_varied_with_negations_and_mixed_phrases(rows):
    train = rows["train"]["text"]
    assert len({t.split()[0] for t in train}) > 10
    assert sum(" not " in t or " never " in t or " hardly " in t for t in train) > 200
    assert (
        sum(" but " in t or t.startswith("although") or t.startswith("despite") for t in train)
        > 200
    )
    # In a "but" sentence the label follows the second clause, not the first.
    labels = dict(zip(train, rows["train"]["label"]))
    but_sentences = [t for t in train if " , but " in t and " not " not in t]
    for text in but_sentences[:50]:
        second = text.split(" , but ")[1]
        sign = any(f" {w} " in f" {second} " for w in standins.POSITIVE)
        assert labels[text] == int(sign), text


def test_rows_are_deterministic(rows):
    assert standins.make_sentiment_rows() == rows
    assert standins.make_sentiment_rows(seed=7) != rows


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    folders = []
    for name in ("a", "b"):
        cache = tmp_path_factory.mktemp(name)
        os.environ["COURSE_CACHE"] = str(cache)
        try:
            folders.append((standins.sentiment_dataset_dir(), standins.tiny_gpt2_dir()))
        finally:
            del os.environ["COURSE_CACHE"]
    return folders


def test_builds_are_identical(two_builds):
    from datasets import load_dataset
    from safetensors.torch import load_file

    (data_a, model_a), (data_b, model_b) = two_builds
    ds_a, ds_b = load_dataset(str(data_a)), load_dataset(str(data_b))
    for split in ("train", "validation", "test"):
        assert ds_a[split].to_dict() == ds_b[split].to_dict()
    weights_a = load_file(model_a / "model.safetensors")
    weights_b = load_file(model_b / "model.safetensors")
    assert weights_a.keys() == weights_b.keys()
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)
    assert (model_a / "tokenizer.json").read_bytes() == (model_b / "tokenizer.json").read_bytes()


def test_built_once_then_reused(two_builds, monkeypatch):
    _, model_dir = two_builds[0]
    monkeypatch.setenv("COURSE_CACHE", str(model_dir.parents[2]))
    stamp = (model_dir / "model.safetensors").stat().st_mtime_ns
    monkeypatch.setattr(standins, "_build_tiny_gpt2", lambda folder: pytest.fail("rebuilt"))
    assert standins.tiny_gpt2_dir() == model_dir
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == stamp


def test_unfinished_build_is_redone(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    half = standins.cache_root() / "sentiment"
    half.mkdir(parents=True)
    (half / "train.parquet").write_text("half-written")
    folder = standins.sentiment_dataset_dir()
    assert (folder / ".complete").exists()
    assert (folder / "train.parquet").read_bytes()[:4] == b"PAR1"


def test_standin_loads_like_gpt2(two_builds):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _, model_dir = two_builds[0]
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    assert type(model).__name__ == "GPT2LMHeadModel"
    # Laid out like GPT-2: id 0 is "!", EOS is the last id, label words are single tokens.
    assert tokenizer.convert_ids_to_tokens(0) == "!"
    assert tokenizer.eos_token_id == len(tokenizer) - 1 == model.config.vocab_size - 1
    for word in standins.LABEL_NAMES:
        assert len(tokenizer(word, add_special_tokens=False)["input_ids"]) == 1
    ids = tokenizer("the film is charming .", return_tensors="pt")["input_ids"]
    assert model(input_ids=ids).logits.shape == (1, ids.shape[1], len(tokenizer))
