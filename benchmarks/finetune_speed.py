#!/usr/bin/env python
"""Benchmark: lesson 01's fine-tuning recipe against the course's recommended one (lesson 09).

Both recipes fine-tune the same model on the same data, one after the other in this process.
For each, the benchmark reports samples per second, the training time until the validation
accuracy first reaches a target, the final accuracy, peak memory, the ratios to lesson 01's
recipe, and how close one epoch came to the card's arithmetic floor (counted FLOPs over peak
FLOP/s). It prints a table and writes JSON with the machine, library versions and card.

    python benchmarks/finetune_speed.py                 # --shape tiny: the stand-in, any CPU
    python benchmarks/finetune_speed.py --shape gpt2    # GPT-2 small (124M), random weights

Works offline: both shapes use the course's stand-in data; --shape gpt2 builds GPT-2 small from
its configuration, so GPU figures need no Hub access.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import torch

from course_utils import estimates, standins
from course_utils.env import pick_device
from course_utils.finetune import (
    Recipe,
    SentimentData,
    load_sentiment_data,
    results_table,
    run_recipe,
)

REPO_ROOT = Path(__file__).resolve().parents[1]

# Dense peaks (TFLOP/s) by a substring of the CUDA device name: 16-bit on tensor cores, and
# plain fp32 (what an fp32 run's matrix products use: PyTorch leaves TF32 off for them). The
# first match wins, so more specific names come first. Sources: the vendors' data sheets.
PEAK_TFLOPS = [
    # name, 16-bit, fp32
    ("H200", 989.0, 67.0), ("H100 PCIe", 756.0, 51.0), ("H100", 989.0, 67.0),
    ("A100", 312.0, 19.5), ("L40S", 362.0, 91.6), ("L4", 121.0, 30.3), ("A10G", 70.0, 31.2),
    ("A10", 125.0, 31.2), ("T4", 65.0, 8.1), ("V100", 125.0, 15.7), ("RTX 4090", 165.0, 82.6),
    ("RTX 3090", 71.0, 35.6),
]  # fmt: skip

SHAPES = {
    # rows, epochs, target accuracy, learning rates (lesson 01's recipe, recommended recipe)
    "tiny": {"train_rows": 4000, "epochs": 4.0, "target": 0.75, "lr_lesson": 2e-3, "lr_rec": 2e-3},
    "gpt2": {"train_rows": 8530, "epochs": 1.0, "target": 0.75, "lr_lesson": 1e-4, "lr_rec": 3e-4},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--shape",
        choices=sorted(SHAPES),
        default="tiny",
        help="tiny: the course's stand-in GPT-2; gpt2: GPT-2 small, random weights (default: tiny)",
    )
    add(
        "--train-rows",
        type=int,
        help="training rows, repeated if the data set is smaller "
        "(default: tiny 4000, gpt2 8530 as in rotten_tomatoes)",
    )
    add("--valid-rows", type=int, default=500, help="validation rows (default: %(default)s)")
    add("--epochs", type=float, help="epochs for both recipes (default: tiny 4, gpt2 1)")
    add("--target", type=float, help="validation accuracy to time (default: 0.75)")
    add("--lr-lesson", type=float, help="learning rate of lesson 01's recipe")
    add("--lr-recommended", type=float, help="learning rate of the recommended recipe")
    add(
        "--peak-tflops",
        type=float,
        help="the device's peak FLOP/s in TFLOP/s, for the floor "
        "(known GPUs are looked up; a CPU needs this flag)",
    )
    add(
        "--json",
        type=Path,
        help="where to write the results (default: outputs/benchmarks/finetune_speed_<shape>.json)",
    )
    add(
        "--output-dir",
        type=Path,
        default=REPO_ROOT / "outputs" / "benchmarks",
        help="scratch space for the recipes' checkpoints (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    defaults = SHAPES[args.shape]
    args.train_rows = args.train_rows or defaults["train_rows"]
    args.epochs = args.epochs or defaults["epochs"]
    args.target = args.target or defaults["target"]
    args.lr_lesson = args.lr_lesson or defaults["lr_lesson"]
    args.lr_recommended = args.lr_recommended or defaults["lr_rec"]
    args.json = args.json or args.output_dir / f"finetune_speed_{args.shape}.json"
    for name in ("train_rows", "valid_rows", "epochs", "lr_lesson", "lr_recommended"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if not 0 < args.target <= 1:
        parser.error("--target must be an accuracy in (0, 1]")
    return args


def load_data(train_rows: int, valid_rows: int) -> SentimentData:
    """The stand-in data with the stand-in tokenizer; training rows repeated up to train_rows."""
    from datasets import concatenate_datasets

    data = load_sentiment_data(
        str(standins.tiny_gpt2_dir()),
        valid_rows=valid_rows,
        dataset_name=str(standins.sentiment_dataset_dir()),
    )
    copies = -(-train_rows // len(data.train))
    data.train = concatenate_datasets([data.train] * copies).select(range(train_rows))
    return data


def model_factory(shape: str):
    """A function that returns a fresh model of the shape, always the same weights."""
    from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel

    if shape == "tiny":
        return lambda: AutoModelForCausalLM.from_pretrained(standins.tiny_gpt2_dir())

    def gpt2_small():
        with torch.random.fork_rng():
            torch.manual_seed(0)
            return GPT2LMHeadModel(GPT2Config())  # 124M parameters, random weights

    return gpt2_small


def training_flops_per_epoch(model: torch.nn.Module, data: SentimentData) -> float:
    """Counted FLOPs of one training epoch without padding: forward and backward (3 forwards) of
    every row at its own length (course_utils.estimates, which equals torch's FLOP counter)."""
    lengths = [len(ids) for ids in data.train["input_ids"]]
    return sum(estimates.training_step_flops(model.config, 1, n) for n in lengths)


def device_facts() -> dict:
    device = pick_device()
    facts = {"type": device.type}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        facts.update(
            name=props.name,
            capability=f"{props.major}.{props.minor}",
            memory_gb=round(props.total_memory / 2**30, 1),
        )
    else:
        facts.update(name=platform.processor() or platform.machine(), cpus=os.cpu_count())
    return facts


def peak_tflops(device: dict, override: float | None, precision: str = "bf16") -> float | None:
    """The card's dense peak for a run's precision (an override applies to every precision)."""
    if override:
        return override
    for key, peak16, peak32 in PEAK_TFLOPS:
        if device["type"] == "cuda" and key in device["name"]:
            return peak32 if precision == "fp32" else peak16
    return None


def versions() -> dict:
    import accelerate
    import datasets
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "accelerate": accelerate.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    data = load_data(args.train_rows, args.valid_rows)
    make_model = model_factory(args.shape)
    recipes = [
        Recipe(
            "lesson 01",
            args.lr_lesson,
            8,
            epochs=args.epochs,
            precision="fp32",
            gradient_checkpointing=True,
            eval_every=100,
            save_every=100,
        ),
        Recipe(
            "recommended", args.lr_recommended, 64, epochs=args.epochs, precision="auto", warmup=0.1
        ),
    ]
    results = []
    for recipe in recipes:
        steps = estimates.training_steps(len(data.train), recipe.batch_size, args.epochs)
        print(f"running {recipe.name!r}: {steps} steps ...", flush=True)
        run_dir = args.output_dir / recipe.name.replace(" ", "_")
        results.append(
            run_recipe(
                recipe,
                make_model,
                data,
                run_dir,
                target_accuracy=args.target,
                probe_every=max(1, steps // 30),
            )
        )
        shutil.rmtree(run_dir, ignore_errors=True)  # lesson 01's checkpoints: 1.5 GB each on GPT-2

    device = device_facts()
    flops = training_flops_per_epoch(make_model(), data)
    peak = peak_tflops(device, args.peak_tflops)  # 16-bit: the floor of the fastest recipe
    floor = flops / (peak * 1e12) if peak else None
    # Each run against the peak of its own precision: an fp32 run is held to the fp32 peak.
    run_floors = []
    for recipe in recipes:
        run_peak = peak_tflops(device, args.peak_tflops, recipe.resolved_precision(device["type"]))
        run_floors.append(flops / (run_peak * 1e12) if run_peak else None)
    table = results_table(results, baseline="lesson 01")
    table["epoch s"] = [round(r.train_seconds / args.epochs, 3) for r in results]
    table["floor s"] = [None if f is None else round(f, 4) for f in run_floors]
    table["of peak"] = [
        None if f is None else f"{f / (r.train_seconds / args.epochs):.2%}"
        for f, r in zip(run_floors, results)
    ]

    print(
        f"\nshape {args.shape}: {len(data.train)} training rows x {args.epochs:g} epochs, "
        f"target accuracy {args.target:.0%}; device {device['name']}"
    )
    print(
        f"one epoch: {flops / 1e12:.2f} TFLOP counted"
        + (
            f"; floor {floor:.3f} s at {peak:g} TFLOP/s (16-bit; an fp32 run's floor uses the "
            "fp32 peak). The count is of each row's own tokens, without padding: a floor."
            if floor
            else "; no peak FLOP/s known for this device (pass --peak-tflops for the floor)"
        )
    )
    with_pd_options = __import__("pandas").option_context(
        "display.width", 200, "display.max_columns", 20
    )
    with with_pd_options:
        print(table.to_string())

    report = {
        "benchmark": "finetune_speed",
        "shape": args.shape,
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "hostname": platform.node(),
        },
        "device": device,
        "versions": versions(),
        "flops_per_epoch": flops,
        "peak_tflops": peak,
        "floor_seconds": floor,
        "floor_seconds_by_recipe": dict(zip([r.name for r in recipes], run_floors)),
        "results": [
            {
                **r.row(),
                "accuracy_before": r.accuracy_before,
                "memory_kind": r.memory_kind,
                "curve": r.curve,
                "recipe_settings": rec.as_dict(),
            }
            for r, rec in zip(results, recipes)
        ],
        "ratios": {
            "throughput": results[1].samples_per_second / results[0].samples_per_second,
            "time_to_target": (
                results[0].time_to_target / results[1].time_to_target
                if results[0].time_to_target and results[1].time_to_target
                else None
            ),
        },
        "wall_seconds": time.perf_counter() - started,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
