#!/usr/bin/env python
"""Fine-tune GPT-2 for sentiment with the recipe lesson 09 recommends.

Runs unchanged on one CPU, one GPU, or several GPUs and machines: launched with `torchrun` or
`accelerate launch`, the Hugging Face Trainer runs one copy of the model per process and splits
each batch across them (data parallelism). Examples:

    python scripts/finetune_sentiment.py --output-dir outputs/sentiment
    torchrun --nproc_per_node 4 scripts/finetune_sentiment.py --output-dir outputs/sentiment
    accelerate launch --multi_gpu --num_processes 4 scripts/finetune_sentiment.py --output-dir ...

--batch-size is the global batch: with N processes each takes batch-size / N rows per step, so
the same flags train the same way on any number of processes. Writes <output-dir>/metrics.json
and the model (save_pretrained) to <output-dir>/model. Without the Hugging Face Hub it uses the
course's offline stand-ins (see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# The Hub probe must run before transformers and datasets are imported (it may switch them to
# offline mode), so course_utils comes first.
from course_utils import hub
from course_utils.finetune import DATASET, MODEL, Recipe, load_sentiment_data

DEFAULTS = {"gpt2": {"lr": 1e-4, "epochs": 2.0}, "stand-in": {"lr": 2e-3, "epochs": 6.0}}
DEFAULT_BATCH = 64


def recommended_recipe(args: argparse.Namespace, standin: bool) -> Recipe:
    """Lesson 09's recipe: mixed precision where the GPU has it, batch 64, warm-up then decay."""
    defaults = DEFAULTS["stand-in" if standin else "gpt2"]
    return Recipe(
        name="recommended",
        learning_rate=args.lr or defaults["lr"],
        batch_size=args.batch_size or DEFAULT_BATCH,
        epochs=args.epochs or defaults["epochs"],
        precision=args.precision,
        warmup=0.1,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Fine-tune GPT-2 for sentiment (lesson 09's recipe) on 1 CPU, 1 GPU or many.",
        epilog="Set HF_HUB_OFFLINE=1 to skip the Hub probe and use the stand-ins.",
    )
    add = parser.add_argument
    add("--output-dir", required=True, help="where metrics.json and model/ are written")
    add("--model", default=MODEL, help="Hub name or local folder (default: %(default)s)")
    add("--dataset", default=DATASET, help="Hub name of the data set (default: %(default)s)")
    add("--lr", type=float, help="peak learning rate (default: 1e-4 for GPT-2, 2e-3 for the "
        "stand-in; fixed defaults, while lesson 09 range-tests the rate for its model and batch: "
        "pass the rate it found)")
    add("--batch-size", type=int, help=f"global rows per step (default: {DEFAULT_BATCH})")
    add("--epochs", type=float, help="passes over the training set (default: 2; stand-in 6)")
    add(
        "--precision",
        default="auto",
        choices=["auto", "fp32", "fp16", "bf16"],
        help="auto: COURSE_PRECISION if set, else bf16 on GPUs of compute capability >= 8, "
        "fp16 on older GPUs, fp32 on CPU",
    )
    add("--max-len", type=int, default=32, help="tokens per row (default: %(default)s)")
    add("--train-rows", type=int, help="use only this many training rows")
    add("--valid-rows", type=int, help="use only this many validation rows")
    add("--fast", action="store_true", help="a quick run on 2,000 training rows")
    add("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    add("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args(argv)
    for name in ("lr", "batch_size", "epochs", "train_rows", "valid_rows"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive, not {value}")
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if (args.batch_size or DEFAULT_BATCH) % world_size:
        parser.error(f"--batch-size must be divisible by the {world_size} processes")
    taken = next((p for p in [Path(args.output_dir), *Path(args.output_dir).parents]
                  if p.exists() and not p.is_dir()), None)
    if taken is not None:
        parser.error(f"--output-dir {args.output_dir}: {taken} is a file, not a folder; "
                     "choose another path")
    if args.fast:
        args.train_rows = args.train_rows or 2000
        args.valid_rows = args.valid_rows or 200
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from transformers import AutoModelForCausalLM, Trainer, set_seed

    rank = int(os.environ.get("RANK", "0"))
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    try:
        model_path = hub.resolve_model(args.model)
        hub.resolve_dataset(args.dataset)
    except ValueError as err:  # offline, and no stand-in for that name: one line, as argparse
        print(f"{Path(sys.argv[0]).name}: error: {err}", file=sys.stderr)
        return 2
    recipe = recommended_recipe(args, standin=hub.is_standin(model_path))
    data = load_sentiment_data(
        args.model, args.train_rows, args.valid_rows, args.max_len, args.dataset
    )
    set_seed(args.seed)
    model = AutoModelForCausalLM.from_pretrained(model_path)
    output_dir = Path(args.output_dir)
    training_args = recipe.training_arguments(
        output_dir / "trainer",
        seed=args.seed,
        per_device_train_batch_size=recipe.batch_size // world_size,
        disable_tqdm=args.no_progress,
        logging_steps=10,
    )
    model.to(training_args.device)  # score it where it will train, not on the CPU
    accuracy_before = data.accuracy(model)  # on every rank, as after training (see below)
    trainer = Trainer(
        model=model,
        args=training_args,
        data_collator=data.collator,
        train_dataset=data.train,
        processing_class=data.tokenizer,
    )
    start = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - start
    # Every rank scores and saves: a sharded model (FSDP, DeepSpeed) needs all of them in the
    # forward pass and in save_model, and the Trainer writes the files from rank 0 only.
    accuracy_after = data.accuracy(trainer.model)
    trainer.save_model(str(output_dir / "model"))
    if rank == 0:
        metrics = {
            "model": args.model,
            "standin": hub.is_standin(model_path),
            "recipe": recipe.as_dict(),
            "precision": recipe.resolved_precision(training_args.device.type),
            "device": str(training_args.device),
            "world_size": world_size,
            "per_device_batch_size": training_args.per_device_train_batch_size,
            "train_rows": len(data.train),
            "valid_rows": len(data.valid),
            "steps": result.global_step,
            "train_seconds": round(seconds, 3),
            "samples_per_second": round(len(data.train) * recipe.epochs / seconds, 2),
            "train_loss": result.training_loss,
            "accuracy_before": accuracy_before,
            "accuracy_after": accuracy_after,
        }
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        summary = {
            k: metrics[k] for k in ("world_size", "steps", "accuracy_before", "accuracy_after")
        }
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
