"""course_utils.finetune: the copies of lesson 01's code, the recipes, and the training script."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from course_utils import finetune, hub

REPO_ROOT = Path(__file__).resolve().parents[1]
LESSON_01 = REPO_ROOT / "notebooks" / "01_finetune_gpt2_sentiment.ipynb"


def lesson_function(name: str, namespace: dict):
    """Compile function `name` exactly as notebook 01 defines it, in `namespace`."""
    nb = nbformat.read(LESSON_01, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or f"def {name}(" not in cell.source:
            continue
        tree = ast.parse(cell.source)
        nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
        exec(compile(ast.Module(body=nodes, type_ignores=[]), str(LESSON_01), "exec"), namespace)
        return namespace[name]
    raise LookupError(f"notebook 01 defines no {name}()")


@pytest.fixture(scope="module")
def data():
    return finetune.load_sentiment_data(finetune.MODEL, train_rows=64, valid_rows=48)


@pytest.fixture(scope="module")
def model():
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(hub.resolve_model(finetune.MODEL))


def test_process_fn_is_lesson_01s(data):
    namespace = {"tokenizer": data.tokenizer, "label_ids": data.label_ids, "MAX_LEN": 32}
    lesson_process_fn = lesson_function("process_fn", namespace)
    ours = finetune.make_process_fn(data.tokenizer, data.label_ids, max_len=32)
    examples = {
        "text": ["the film is charming .", "a waste of two hours . " * 12, ""],
        "label": [1, 0, 1],
    }
    assert ours(examples) == lesson_process_fn(examples)


def test_predictions_are_lesson_01s(data, model):
    namespace = {"collator": data.collator, "label_ids": data.label_ids, "torch": torch}
    lesson_predict = lesson_function("predict_labels", namespace)
    ours = finetune.predict_labels(model, data.valid, data.collator, data.label_ids, batch_size=16)
    assert torch.equal(ours, lesson_predict(model, data.valid, batch_size=16))
    assert 0.0 <= data.accuracy(model) <= 1.0


def test_label_words_must_be_single_tokens(data):
    with pytest.raises(ValueError, match="single-token words"):
        finetune.label_token_ids(data.tokenizer, ("neg", "unbelievably positive"))


def test_recipe_becomes_training_arguments(tmp_path):
    lesson = finetune.Recipe(
        "lesson 01",
        2e-5,
        8,
        precision="fp32",
        gradient_checkpointing=True,
        eval_every=100,
        save_every=100,
    )
    args = lesson.training_arguments(tmp_path)
    assert (args.learning_rate, args.per_device_train_batch_size) == (2e-5, 8)
    assert args.activation_checkpointing
    assert args.eval_strategy == "steps" and args.eval_steps == 100
    assert args.save_strategy == "steps" and args.save_steps == 100
    assert not args.bf16 and not args.fp16
    fast = finetune.Recipe("fast", 1e-4, 64, warmup=0.1)
    args = fast.training_arguments(tmp_path)
    assert args.eval_strategy == "no" and args.save_strategy == "no"
    assert not args.activation_checkpointing and args.warmup_steps == 0.1


@pytest.mark.parametrize(
    ("device", "precision", "override", "expected"),
    [
        ("cpu", "auto", None, "fp32"),
        ("cpu", "bf16", None, "bf16"),  # a named precision is used as named
        ("cuda", "fp32", None, "fp32"),
        ("cpu", "auto", "bf16", "bf16"),  # COURSE_PRECISION rehearses a GPU's arithmetic
        ("cpu", "auto", "fp16", "fp16"),
        ("cuda", "fp32", "bf16", "fp32"),  # lesson 01's fp32 recipe stays fp32
    ],
)
def test_recipe_precision_on_a_device(monkeypatch, device, precision, override, expected):
    if override:
        monkeypatch.setenv("COURSE_PRECISION", override)
    else:
        monkeypatch.delenv("COURSE_PRECISION", raising=False)
    recipe = finetune.Recipe("r", 1e-4, 8, precision=precision)
    assert recipe.resolved_precision(device) == expected


def test_stratified_subsets_keep_both_classes_of_label_ordered_data():
    # The Hub's rotten_tomatoes lists each split's positive rows first.
    from datasets import Dataset

    from course_utils.sampling import stratified_indices, stratified_subset

    ordered = Dataset.from_dict({"text": [f"r{i}" for i in range(1000)],
                                 "label": [1] * 500 + [0] * 500})
    for n in (200, 201, 7, 1000):
        subset = stratified_subset(ordered, n)
        labels = subset["label"]
        assert len(labels) == n
        assert abs(sum(labels) - n / 2) <= 0.5  # each class keeps its share, to one row
        assert len(set(subset["text"])) == n
    skewed = [0] * 900 + [1] * 100
    assert sum(skewed[i] for i in stratified_indices(skewed, 50)) == 5
    assert stratified_indices(skewed, 50, seed=1) == stratified_indices(skewed, 50, seed=1)
    assert stratified_indices(skewed, 50, seed=1) != stratified_indices(skewed, 50, seed=2)
    with pytest.raises(ValueError, match="n must be"):
        stratified_indices(skewed, 0)
    with pytest.raises(ValueError, match="no column"):
        stratified_subset(ordered, 10, column="stars")


def test_load_sentiment_data_is_stratified_on_label_ordered_data(tmp_path):
    from datasets import load_dataset

    from course_utils import standins

    folder = tmp_path / "ordered"
    source = load_dataset(str(standins.sentiment_dataset_dir()))
    for split, ds in source.items():  # positives first, as on the Hub
        ds.sort("label", reverse=True).to_parquet(str(folder / f"{split}.parquet"))
    data = finetune.load_sentiment_data(finetune.MODEL, train_rows=300, valid_rows=100,
                                        dataset_name=str(folder))
    share = data.valid_labels.float().mean().item()
    full_share = sum(source["validation"]["label"]) / len(source["validation"])
    assert abs(share - full_share) <= 0.01


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"learning_rate": 0, "batch_size": 8}, "must be positive"),
        ({"learning_rate": 1e-4, "batch_size": 0}, "must be positive"),
        ({"learning_rate": 1e-4, "batch_size": 8, "precision": "fp8"}, "precision must be"),
    ],
)
def test_bad_recipes_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        finetune.Recipe("bad", **kwargs)


def test_run_recipe_measures_a_run(data, tmp_path):
    from transformers import AutoModelForCausalLM

    path = hub.resolve_model(finetune.MODEL)
    recipe = finetune.Recipe("quick", 5e-3, 16, epochs=1)
    result = finetune.run_recipe(
        recipe,
        lambda: AutoModelForCausalLM.from_pretrained(path),
        data,
        tmp_path,
        target_accuracy=0.01,
        probe_every=2,
    )
    assert result.steps == 4 and result.samples_per_second > 0
    assert result.time_to_target is not None and result.time_to_target <= result.train_seconds
    assert [step for _, step, _ in result.curve] == [2, 4]  # stops probing once reached, then final
    assert result.row()["recipe"] == "quick"


def test_run_recipe_keeps_one_checkpoint_and_frees_its_model(data, tmp_path):
    """Checkpoints are counted but only the last stays on disk; after a bf16 run (whose
    autocast wrapper is a reference cycle) the model is gone even with the collector off."""
    import gc
    import weakref

    from transformers import AutoModelForCausalLM

    path = hub.resolve_model(finetune.MODEL)
    made = []

    def factory():
        model = AutoModelForCausalLM.from_pretrained(path)
        made.append(weakref.ref(model))
        return model

    recipe = finetune.Recipe("saves", 5e-3, 16, epochs=1, precision="bf16", save_every=1)
    gc.disable()
    try:
        result = finetune.run_recipe(recipe, factory, data, tmp_path)
        alive = made[0]() is not None
    finally:
        gc.enable()
    assert result.steps == 4 and result.checkpoints_saved == 4
    assert [p.name for p in tmp_path.glob("checkpoint-*")] == ["checkpoint-4"]
    assert not alive, "run_recipe left its model alive: it would hold GPU memory into the next run"


def _run_script(tmp_path, nproc):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    script = str(REPO_ROOT / "scripts" / "finetune_sentiment.py")
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command = [*launcher, f"--nproc_per_node={nproc}", script, "--fast", "--no-progress"]
    command += ["--output-dir", str(tmp_path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((tmp_path / "metrics.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("nproc", [1, 2])
def test_script_learns_on_one_and_two_processes(tmp_path, nproc):
    metrics = _run_script(tmp_path, nproc)
    assert metrics["world_size"] == nproc
    assert metrics["per_device_batch_size"] * nproc == metrics["recipe"]["batch_size"]
    assert metrics["standin"] and metrics["steps"] == 192  # the same schedule at any scale
    assert metrics["accuracy_after"] >= 0.8 > metrics["accuracy_before"] + 0.2
    assert (tmp_path / "model" / "model.safetensors").exists()


def test_script_help_and_bad_flags():
    script = str(REPO_ROOT / "scripts" / "finetune_sentiment.py")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    shown = subprocess.run(
        [sys.executable, script, "--help"], env=env, capture_output=True, text=True
    )
    assert (
        shown.returncode == 0 and "--batch-size" in shown.stdout and "torchrun" not in shown.stderr
    )
    bad = subprocess.run(
        [sys.executable, script, "--output-dir", "x", "--lr", "-1"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--lr must be positive" in bad.stderr


def test_script_mistakes_end_in_one_line_and_status_2(tmp_path):
    # an --output-dir that is a file, and a model that has no stand-in while offline
    script = str(REPO_ROOT / "scripts" / "finetune_sentiment.py")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    for argv, said in [(["--output-dir", str(a_file / "run")], "is a file, not a folder"),
                       (["--output-dir", str(tmp_path / "run"), "--model", "no-such/model"],
                        "no stand-in")]:
        run = subprocess.run([sys.executable, script, *argv], env=env, capture_output=True,
                             text=True)
        assert run.returncode == 2 and said in run.stderr, run.stderr
        last = run.stderr.strip().splitlines()[-1]  # argparse's own form: usage, then the error
        assert "Traceback" not in run.stderr and last.startswith("finetune_sentiment.py: error:")
        assert said in last
    assert a_file.read_text() == "mine"  # nothing of the learner's is touched
