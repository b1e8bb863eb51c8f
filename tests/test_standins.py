"""The offline stand-ins: the data set's shape and variety, determinism, built once.

How hard the data set is (lengths, language, new words, noise, word order) is checked in
test_standin_properties.py.
"""

import re
import shutil

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
    assert sum(" but " in t or "although " in t or "despite " in t for t in train) > 200
    # In "<clause> , but <clause>" the label follows the second clause, not the first: here
    # plain clauses ("the cast is truly warm") of opposite signs.
    details = standins.make_sentiment_rows(details=True)["train"]
    sign = {**dict.fromkeys(standins.NEGATIVE, 0), **dict.fromkeys(standins.POSITIVE, 1)}
    subject, intensifier = "|".join(standins.SUBJECTS), "|".join(standins.INTENSIFIERS)
    plain = rf"(?:{subject}) is (?:(?:{intensifier}) )?([a-z]+)"
    checked = agree = 0
    for text, label, clean in zip(train, details["label"], details["clean_label"]):
        match = re.search(rf"(?:^|\. ){plain} , but {plain} \.", text)
        if match and match[1] in sign and match[2] in sign:
            assert sign[match[1]] != sign[match[2]] == clean, text
            checked, agree = checked + 1, agree + (label == clean)
    assert checked > 50 and agree >= 0.9 * checked  # the noisy label too, but for a few


def test_rows_are_deterministic(rows):
    assert standins.make_sentiment_rows() == rows
    assert standins.make_sentiment_rows(seed=7) != rows


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """Two builds in two fresh caches, of small splits to stay quick (the code is the same)."""
    folders = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(standins, "SPLIT_SIZES", {"train": 400, "validation": 50, "test": 50})
        patch.setattr(standins, "WEB_LINES", 200)
        for name in ("a", "b"):
            patch.setenv("COURSE_CACHE", str(tmp_path_factory.mktemp(name)))
            folders.append((standins.sentiment_dataset_dir(), standins.tiny_gpt2_dir()))
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


def test_a_damaged_cache_is_found_and_rebuilt_with_one_line(two_builds, tmp_path, monkeypatch,
                                                             capsys):
    _, model_dir = two_builds[0]
    cache = tmp_path / "cache"
    copy = cache / model_dir.relative_to(model_dir.parents[2])
    shutil.copytree(model_dir.parents[2], cache)  # the whole cache of build a, to damage
    monkeypatch.setenv("COURSE_CACHE", str(cache))
    assert standins.damage(copy) is None
    weights = copy / "model.safetensors"
    whole = weights.read_bytes()
    weights.write_bytes(whole[: len(whole) // 2])  # an interrupted copy: a truncated file
    assert "model.safetensors" in standins.damage(copy)
    rebuilt = []
    monkeypatch.setattr(standins, "_build_tiny_gpt2",
                        lambda folder: (rebuilt.append(folder),
                                        (folder / "model.safetensors").write_bytes(whole)))
    assert standins.tiny_gpt2_dir() == copy and rebuilt
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "damaged" in out and "rebuilding" in out
    assert weights.read_bytes() == whole and standins.damage(copy) is None
    # a folder built before sizes were recorded: its weights' own header still tells
    (copy / ".complete").write_text(standins.STANDIN_VERSION)
    weights.write_bytes(whole[:-10])
    assert "model.safetensors" in standins.damage(copy)
    weights.write_bytes(whole)
    assert standins.damage(copy) is None
    (copy / "model.safetensors").unlink()
    (copy / ".complete").write_text(f"{standins.STANDIN_VERSION}\n{len(whole)} model.safetensors\n")
    assert "missing" in standins.damage(copy)
