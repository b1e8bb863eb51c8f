"""The speed benchmark and the notebook runner work end to end (their figures are not tested)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


@pytest.mark.slow
def test_benchmark_reports_both_recipes(tmp_path):
    out = tmp_path / "bench.json"
    command = [
        sys.executable, str(REPO_ROOT / "benchmarks" / "finetune_speed.py"),
        "--train-rows", "256", "--valid-rows", "64", "--epochs", "2", "--peak-tflops", "1",
        "--json", str(out), "--output-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "throughput x" in done.stdout and "floor s" in done.stdout
    report = json.loads(out.read_text())
    assert [r["recipe"] for r in report["results"]] == ["lesson 01", "recommended"]
    assert report["results"][0]["recipe_settings"]["gradient_checkpointing"]
    assert report["results"][1]["recipe_settings"]["batch_size"] == 64
    assert report["flops_per_epoch"] > 0 and report["floor_seconds"] > 0
    assert set(report["floor_seconds_by_recipe"]) == {"lesson 01", "recommended"}
    assert {"torch", "transformers", "datasets"} <= set(report["versions"])
    assert report["device"]["type"] in {"cpu", "cuda", "mps"}
    assert report["ratios"]["throughput"] > 0


def test_benchmark_refuses_bad_arguments():
    script = str(REPO_ROOT / "benchmarks" / "finetune_speed.py")
    done = subprocess.run(
        [sys.executable, script, "--target", "1.5"], env=ENV, capture_output=True, text=True
    )
    assert done.returncode == 2 and "--target must be an accuracy" in done.stderr


def _notebook(path, *codes):
    import nbformat

    from course_utils.notebooks import setup_cell_source

    cells = [nbformat.v4.new_code_cell(setup_cell_source())]
    cells += [nbformat.v4.new_code_cell(code) for code in codes]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def test_notebook_runner_reports_times_and_failures_and_catches_a_second_pass(tmp_path):
    # One run over four small notebooks (kernels are what cost time): a fine one, a broken one,
    # and a learner's second "Run All" on a rerun-safe one and on one that breaks on rerun.
    _notebook(tmp_path / "01_fine.ipynb", "x = 1 + 1")
    _notebook(tmp_path / "02_broken.ipynb", "x = 1", "raise ValueError('dtype mismatch')")
    _notebook(tmp_path / "03_rerun_safe.ipynb", "items = []", "items.append(1)",
              "assert items == [1]")
    _notebook(tmp_path / "04_rerun_breaks.ipynb", "try:\n    counter += 1\nexcept NameError:\n"
              "    counter = 1", "assert counter == 1, 'second pass'")
    out = tmp_path / "run.json"
    command = [
        sys.executable, str(REPO_ROOT / "scripts" / "run_notebooks.py"),
        "--fast", "--twice", "--dir", str(tmp_path), "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1  # notebooks failed
    fine, broken, safe, breaks = json.loads(out.read_text())["notebooks"]
    assert fine["ok"] and fine["seconds"] > 0 and fine["setup"].startswith("device:")
    assert not broken["ok"] and broken["failed_cell"] == 2
    assert "ValueError" in broken["error"] and "dtype mismatch" in broken["error"]
    assert "02_broken.ipynb" in done.stdout and "FAILED" in done.stdout
    assert safe["ok"] and not breaks["ok"] and "second pass" in breaks["error"]
    # The failing line is named, so a bare AssertionError still says which check failed.
    assert breaks["failed_line"] == "assert counter == 1, 'second pass'"
    assert breaks["failed_cell_id"].endswith("-again") and "\x1b[" not in breaks["error"]


def test_notebook_runner_can_require_cuda(tmp_path):
    _notebook(tmp_path / "01_fine.ipynb", "x = 1")
    out = tmp_path / "run.json"
    command = [
        sys.executable, str(REPO_ROOT / "scripts" / "run_notebooks.py"),
        "--fast", "--dir", str(tmp_path), "--require-cuda", "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=600)
    (report,) = json.loads(out.read_text())["notebooks"]
    if "device: cuda" in report["setup"]:
        assert done.returncode == 0 and report["ok"]
    else:  # on a machine without CUDA, --require-cuda must fail, and say why
        assert done.returncode == 1 and "not on CUDA" in report["error"]


def test_a_lesson_passes_when_run_twice_in_one_kernel(tmp_path):
    # Lesson 03 (hand-written autograd, paths, exercises) is cheap; .ci/run does every lesson.
    out = tmp_path / "run.json"
    command = [
        sys.executable, str(REPO_ROOT / "scripts" / "run_notebooks.py"),
        "--fast", "--twice", "--only", "03", "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=600)
    (report,) = json.loads(out.read_text())["notebooks"]
    assert done.returncode == 0 and report["ok"], report


def test_an_fp32_run_is_held_to_the_fp32_peak():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "finetune_speed", REPO_ROOT / "benchmarks" / "finetune_speed.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    h100 = {"type": "cuda", "name": "NVIDIA H100 80GB HBM3"}
    assert bench.peak_tflops(h100, None, "bf16") == 989.0
    assert bench.peak_tflops(h100, None, "fp32") == 67.0  # not the tensor cores' 16-bit peak
    assert bench.peak_tflops({"type": "cuda", "name": "Tesla T4"}, None, "fp16") == 65.0
    assert bench.peak_tflops({"type": "cpu", "name": "x86_64"}, None, "fp32") is None
    assert bench.peak_tflops({"type": "cpu", "name": "x86_64"}, 2.0, "fp32") == 2.0


def test_notebook_runner_runs_every_lesson_under_each_seed(tmp_path):
    # `make test-seeds`: one run per lesson and seed, COURSE_SEED set in the kernel, and a table
    # that names the seed and the check that failed.
    _notebook(tmp_path / "01_seeded.ipynb",
              "assert ENV.seed != 1, 'a claim tuned to seed 0'")
    out = tmp_path / "run.json"
    command = [
        sys.executable, str(REPO_ROOT / "scripts" / "run_notebooks.py"),
        "--fast", "--dir", str(tmp_path), "--seeds", "0", "1", "--jobs", "2", "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    runs = {r["seed"]: r for r in json.loads(out.read_text())["notebooks"]}
    assert runs[0]["ok"] and not runs[1]["ok"]
    assert "seed: 1 (COURSE_SEED)" in runs[1]["setup"]
    assert "1 of 2 runs passed" in done.stdout and "a claim tuned to seed 0" in done.stdout
