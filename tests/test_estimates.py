"""Know before you wait: the counts behind the estimates are exact, the time and memory model
holds on GPT-2 small's shape (124 M parameters, random weights, rows as long as real reviews)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel

from course_utils import estimates, finetune, standins


@pytest.fixture(scope="module")
def data():
    return finetune.load_sentiment_data(
        str(standins.tiny_gpt2_dir()), train_rows=37, valid_rows=16,
        dataset_name=str(standins.sentiment_dataset_dir()),
    )


@pytest.mark.parametrize("epochs", [1.0, 1.5])
def test_the_trainer_takes_the_estimated_steps(data, tmp_path, epochs):
    # 37 rows at batch 8: a last, smaller batch is a step too, and 1.5 epochs round up.
    recipe = finetune.Recipe("count", 1e-3, 8, epochs=epochs)
    run = finetune.run_recipe(recipe, lambda: AutoModelForCausalLM.from_pretrained(
        standins.tiny_gpt2_dir()), data, tmp_path)
    assert run.steps == estimates.training_steps(len(data.train), 8, epochs)


@pytest.mark.parametrize("recompute", [False, True])
def test_flops_equal_torchs_flop_counter(recompute):
    config = GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=800, n_positions=64)
    model = GPT2LMHeadModel(config).train()
    if recompute:
        model.activation_checkpointing_enable()
    ids = torch.randint(800, (8, 24))
    with FlopCounterMode(display=False) as counter:
        model(input_ids=ids, labels=ids).loss.backward()
    counted = counter.get_total_flops()
    assert estimates.training_step_flops(config, 8, 24, recompute) == pytest.approx(counted,
                                                                                     rel=1e-9)


def test_warm_up_leaves_the_model_alone(data):
    model = AutoModelForCausalLM.from_pretrained(standins.tiny_gpt2_dir())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    estimate = estimates.estimate_training("tiny", model, data.train, 8, 2.0)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert estimate.steps == estimates.training_steps(len(data.train), 8, 2.0)
    assert estimate.seconds_per_step > 0 and "About to train tiny" in str(estimate)


def test_gpt2_shape_rehearsal_checks_the_time_and_memory_model(tmp_path):
    if os.environ.get("COURSE_REHEARSAL_CHILD") != "1":
        # Memory is measured as growth of the resident set: in a process that earlier tests
        # have used, pages they freed can be reused and hide part of it. So: a fresh process.
        name = "test_gpt2_shape_rehearsal_checks_the_time_and_memory_model"
        command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:xdist"]
        done = subprocess.run(
            [*command, f"{__file__}::{name}"],
            env={**os.environ, "COURSE_REHEARSAL_CHILD": "1"},
            cwd=Path(__file__).parents[1], capture_output=True, text=True, timeout=900,
        )
        print(done.stdout[-3000:])
        assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
        return
    # GPT-2 small's shape with random weights (no download) on rows as long as real reviews,
    # through the same run_recipe as lesson 09 and the script use.
    data = finetune.load_sentiment_data(
        str(standins.tiny_gpt2_dir()), train_rows=12, valid_rows=4,
        dataset_name=str(standins.sentiment_dataset_dir()),
    )
    lengths = [len(r) for r in data.train["input_ids"]]
    assert max(lengths) <= 32  # lesson 01's MAX_LEN
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = GPT2LMHeadModel(GPT2Config())
    n_params = sum(p.numel() for p in model.parameters())
    assert 124e6 < n_params < 125e6
    # Batch 4: a few seconds a step on one core, and lesson 01's length per row.
    estimate = estimates.estimate_training("GPT-2 small", model, data.train, 4, 1.0)
    print(estimate)
    recipe = finetune.Recipe("gpt2 shape", 1e-5, 4, epochs=1.0, precision="fp32")
    run = finetune.run_recipe(recipe, lambda: model, data, tmp_path)
    assert run.steps == estimate.steps == 3
    assert len(run.step_seconds) == run.steps
    measured = sorted(run.step_seconds[1:])[0]  # the first step also allocates AdamW's state
    print(f"estimated {estimate.seconds_per_step:.2f} s/step, measured {measured:.2f} s/step "
          f"(steps: {', '.join(f'{t:.2f}' for t in run.step_seconds)})")
    # The warm-up predicts the run's step time; a factor of 3 either way allows for the
    # Trainer's own overhead and a machine that is busier in one phase than the other.
    assert estimate.seconds_per_step / 3 < measured < 3 * estimate.seconds_per_step
    # Memory: the run adds gradients, AdamW's moments and activations to the loaded weights.
    added = estimate.memory_bytes - 4 * n_params
    print(f"estimated {added / 2**30:.2f} GiB added, measured {run.peak_memory_bytes / 2**30:.2f}")
    assert 0.5 * added < run.peak_memory_bytes < 2 * added
