"""Environment detection: precision choice, switches, seeding, the summary line."""

import random

import numpy as np
import pytest
import torch

from course_utils import env


@pytest.mark.parametrize(
    ("capability", "expected"),
    [((7, 5), "fp16"), ((7, 0), "fp16"), ((8, 0), "bf16"), ((8, 6), "bf16"), ((9, 0), "bf16")],
)
def test_cuda_precision_follows_compute_capability(capability, expected):
    assert env.pick_precision("cuda", capability) == expected


@pytest.mark.parametrize("device_type", ["cpu", "mps"])
def test_cpu_and_mps_train_in_fp32(device_type):
    assert env.pick_precision(device_type) == "fp32"


def test_precision_as_training_arguments():
    assert env.precision_kwargs("bf16") == {"bf16": True}
    assert env.precision_kwargs("fp16") == {"fp16": True}
    assert env.precision_kwargs("fp32") == {}
    assert env.torch_dtype("fp16") is torch.float16


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: env.pick_precision("tpu"), "device_type must be"),
        (lambda: env.pick_precision("cuda", (8,)), "capability must be"),
        (lambda: env.precision_kwargs("fp8"), "precision must be one of"),
        (lambda: env.seed_everything(-1), "seed must be"),
    ],
)
def test_bad_arguments_give_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _fake_gpu(monkeypatch, capability, name="Fake GPU"):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: capability)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: name)


@pytest.mark.parametrize(("capability", "expected"), [((7, 5), "fp16"), ((9, 0), "bf16")])
def test_detected_environment_on_a_faked_gpu(monkeypatch, capability, expected):
    _fake_gpu(monkeypatch, capability, "Tesla T4")
    monkeypatch.setattr("course_utils.hub._offline", True)
    found = env.current_env()
    assert found.device.type == "cuda"
    assert found.precision == expected
    assert found.training_kwargs() == {expected: True}
    assert f"cc {capability[0]}.{capability[1]}" in found.summary()


def test_detected_environment_on_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr("course_utils.hub._offline", True)
    monkeypatch.setenv("COURSE_FAST", "1")
    found = env.current_env()
    assert (found.device.type, found.precision, found.fast, found.offline) == (
        "cpu",
        "fp32",
        True,
        True,
    )
    line = found.summary()
    assert "\n" not in line
    for part in ("device: cpu", "precision: fp32", "offline", "fast", "no GPU found"):
        assert part in line


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_env_flag(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_FAST", value)
    assert env.is_fast() is expected


def test_env_flag_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "maybe")
    with pytest.raises(ValueError, match="COURSE_FAST='maybe' is not a yes/no value"):
        env.is_fast()


def test_seeding_makes_every_generator_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    env.seed_everything(123)
    first = draw()
    env.seed_everything(123)
    assert draw() == first
    env.seed_everything(124)
    assert draw() != first


def test_colab_detection(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    assert not env.in_colab()
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab-2026")
    assert env.in_colab()


@pytest.mark.parametrize("value", ["bf16", "fp16", "fp32"])
def test_course_precision_overrides_the_hardware(monkeypatch, value):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr("course_utils.hub._offline", True)
    monkeypatch.setenv("COURSE_PRECISION", value)
    found = env.current_env()
    assert found.precision == value and found.precision_forced
    assert f"precision: {value} (COURSE_PRECISION)" in found.summary()
    on_cpu = {"use_cpu": True} if value != "fp32" else {}  # 16 bits on a CPU: tell the Trainer
    assert found.training_kwargs() == {**env.precision_kwargs(value), **on_cpu,
                                       "dataloader_pin_memory": False}


def test_course_precision_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("COURSE_PRECISION", "fp8")
    with pytest.raises(ValueError, match="COURSE_PRECISION='fp8'"):
        env.chosen_precision("cpu")


def test_course_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("COURSE_THREADS", "1")
        assert env.apply_thread_count() == 1 == torch.get_num_threads()
        monkeypatch.delenv("COURSE_THREADS")
        torch.set_num_threads(2)
        assert env.apply_thread_count(tiny_models=True) == 1  # the stand-ins: one thread
        torch.set_num_threads(2)
        assert env.apply_thread_count(tiny_models=False) == 2  # real models: left as they are
        monkeypatch.setenv("COURSE_THREADS", "2")
        assert env.apply_thread_count(tiny_models=True) == 2  # the switch wins
        monkeypatch.setenv("COURSE_THREADS", "zero")
        with pytest.raises(ValueError, match="COURSE_THREADS='zero'"):
            env.apply_thread_count()
    finally:
        torch.set_num_threads(before)


def test_env_and_hub_do_not_import_each_other_in_a_circle():
    import ast
    import inspect

    from course_utils import hub

    imported = {
        node.module or "" for node in ast.walk(ast.parse(inspect.getsource(hub)))
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name for node in ast.walk(ast.parse(inspect.getsource(hub)))
        if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert "env" not in imported and "course_utils.env" not in imported


def test_16_bit_on_a_cpu_tells_the_trainer_to_use_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr("course_utils.hub._offline", True)
    monkeypatch.setenv("COURSE_PRECISION", "bf16")
    assert env.current_env().training_kwargs() == {"bf16": True, "use_cpu": True,
                                                   "dataloader_pin_memory": False}
    monkeypatch.delenv("COURSE_PRECISION")
    assert env.current_env().training_kwargs() == {"dataloader_pin_memory": False}


def test_course_seed_is_read_with_the_other_switches(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr("course_utils.hub._offline", True)
    monkeypatch.delenv("COURSE_SEED", raising=False)
    found = env.current_env()
    assert (found.seed, found.seed_forced) == (0, False)
    assert "seed" not in found.summary()  # the default says nothing
    monkeypatch.setenv("COURSE_SEED", "7")
    found = env.current_env()
    assert (found.seed, found.seed_forced) == (7, True)
    assert "seed: 7 (COURSE_SEED)" in found.summary()
    monkeypatch.setenv("COURSE_SEED", "-1")
    with pytest.raises(ValueError, match="COURSE_SEED='-1'"):
        env.current_env()


def test_setup_seeds_from_course_seed(monkeypatch, capsys):
    monkeypatch.setattr("course_utils.hub._offline", True)
    monkeypatch.setenv("COURSE_SEED", "3")
    env.setup()
    first = torch.rand(3)
    env.seed_everything(3)
    assert torch.equal(torch.rand(3), first)  # setup() seeded torch with COURSE_SEED
    monkeypatch.setenv("COURSE_SEED", "4")
    env.setup()
    assert not torch.equal(torch.rand(3), first)
    assert "seed: 4 (COURSE_SEED)" in capsys.readouterr().out
