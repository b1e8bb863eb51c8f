"""Lesson 01's sentiment fine-tuning as reusable parts, for lesson 09, the script and the benchmark.

Lesson 01 writes each part out where it teaches it; tests/test_finetune.py shows that these
copies give the same rows and predictions as the lesson's own code. Import transformers-heavy
parts lazily: course_utils must stay importable before the Hub probe has run.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from course_utils import hub, switches
from course_utils.env import PRECISIONS, chosen_precision, pick_device, precision_kwargs
from course_utils.sampling import stratified_subset

DATASET = "cornell-movie-review-data/rotten_tomatoes"
MODEL = "openai-community/gpt2"
LABEL_WORDS = ("neg", "pos")
MAX_LEN = 32


def label_token_ids(tokenizer, words=LABEL_WORDS) -> list[int]:
    """The token id of each label word (each must be a single token)."""
    ids = []
    for word in words:
        tokens = tokenizer(word, add_special_tokens=False)["input_ids"]
        if len(tokens) != 1:
            raise ValueError(
                f"label word {word!r} is {len(tokens)} tokens; pick single-token words."
            )
        ids.append(tokens[0])
    return ids


def make_process_fn(tokenizer, label_ids: list[int], max_len: int = MAX_LEN) -> Callable:
    """Lesson 01's process_fn: rows become <review><EOS><label>, labels -100 but the last."""
    if max_len < 2:
        raise ValueError(f"max_len must leave room for EOS and label, not {max_len}.")

    def process_fn(examples):
        model_inputs = {"input_ids": [], "attention_mask": [], "labels": []}
        for text, label in zip(examples["text"], examples["label"]):
            prompt_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            label_id = label_ids[label]
            input_ids = (prompt_ids + [tokenizer.eos_token_id, label_id])[-max_len:]
            model_inputs["input_ids"].append(input_ids)
            model_inputs["attention_mask"].append([1] * len(input_ids))
            model_inputs["labels"].append([-100] * (len(input_ids) - 1) + [label_id])
        return model_inputs

    return process_fn


def make_collator(tokenizer):
    """Pads input_ids with the pad id, attention_mask with 0 and labels with -100."""
    from transformers import DataCollatorForSeq2Seq

    return DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)


@torch.no_grad()
def predict_labels(
    model, rows, collator, label_ids: list[int], batch_size: int = 64
) -> torch.Tensor:
    """Class of each processed row, read from the label logits at the EOS position."""
    was_training = model.training
    model.eval()
    predictions = []
    for start in range(0, len(rows), batch_size):
        batch = collator([rows[i] for i in range(start, min(start + batch_size, len(rows)))])
        input_ids = batch["input_ids"].to(model.device)
        attention_mask = batch["attention_mask"].to(model.device)
        logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
        eos_position = attention_mask.sum(dim=1) - 2
        logits_at_eos = logits[torch.arange(len(input_ids)), eos_position]
        predictions.append(logits_at_eos[:, label_ids].argmax(dim=-1).cpu())
    model.train(was_training)
    return torch.cat(predictions) if predictions else torch.zeros(0, dtype=torch.long)


@dataclass
class SentimentData:
    """Tokenizer, label ids, processed splits and the validation labels, ready to train on."""

    tokenizer: object
    label_ids: list[int]
    train: object
    valid: object
    valid_labels: torch.Tensor
    collator: object

    def correct(self, model, batch_size: int = 64) -> torch.Tensor:
        """For each validation row, whether the model gets it right (a bool tensor)."""
        predicted = predict_labels(model, self.valid, self.collator, self.label_ids, batch_size)
        return predicted == self.valid_labels

    def accuracy(self, model, batch_size: int = 64) -> float:
        return self.correct(model, batch_size).float().mean().item()


def load_sentiment_data(
    model_name: str,
    train_rows: int | None = None,
    valid_rows: int | None = None,
    max_len: int = MAX_LEN,
    dataset_name: str = DATASET,
    seed: int | None = None,
) -> SentimentData:
    """Load, subsample (stratified: both classes keep their share, rows drawn with `seed`, by
    default the course's, COURSE_SEED) and process the data.

    `model_name` and `dataset_name` are resolved through course_utils.hub, so offline they
    become the stand-ins.
    """
    from datasets import load_dataset
    from transformers import AutoTokenizer

    for what, n in (("train_rows", train_rows), ("valid_rows", valid_rows)):
        if n is not None and n < 1:
            raise ValueError(f"{what} must be positive or None, not {n}.")
    raw = load_dataset(hub.resolve_dataset(dataset_name))
    train, valid = raw["train"], raw["validation"]
    seed = switches.seed() if seed is None else seed
    if train_rows is not None:
        train = stratified_subset(train, train_rows, seed=seed)
    if valid_rows is not None:
        valid = stratified_subset(valid, valid_rows, seed=seed)
    tokenizer = AutoTokenizer.from_pretrained(hub.resolve_model(model_name))
    tokenizer.pad_token = tokenizer.eos_token
    label_ids = label_token_ids(tokenizer)
    process_fn = make_process_fn(tokenizer, label_ids, max_len)
    columns = train.column_names
    return SentimentData(
        tokenizer=tokenizer,
        label_ids=label_ids,
        train=train.map(process_fn, batched=True, remove_columns=columns),
        valid=valid.map(process_fn, batched=True, remove_columns=columns),
        valid_labels=torch.tensor(valid["label"]),
        collator=make_collator(tokenizer),
    )


@dataclass(frozen=True)
class Recipe:
    """How to fine-tune: the knobs that lesson 09 measures, as TrainingArguments."""

    name: str
    learning_rate: float
    batch_size: int
    epochs: float = 1.0
    precision: str = "auto"  # "auto": bf16 / fp16 / fp32 as the hardware allows
    gradient_checkpointing: bool = False
    eval_every: int | None = None  # the Trainer's own evaluation (eval_loss) every N steps
    save_every: int | None = None  # a full checkpoint every N steps
    optim: str = "adamw_torch_fused"
    optim_args: str | None = None  # e.g. "momentum=0.9" for optim="sgd"
    lr_scheduler: str = "linear"
    warmup: float = 0.0  # below 1: a fraction of all steps
    weight_decay: float = 0.0
    log_every: int = 10  # training-loss (and learning-rate) log interval without eval_every

    def __post_init__(self):
        if self.learning_rate <= 0 or self.batch_size < 1 or self.epochs <= 0:
            raise ValueError(f"{self.name}: learning_rate, batch_size and epochs must be positive.")
        if self.precision != "auto" and self.precision not in PRECISIONS:
            raise ValueError(f"{self.name}: precision must be 'auto' or one of {PRECISIONS}.")

    def resolved_precision(self, device_type: str | None = None) -> str:
        """The precision this recipe trains in on a device type (default: this machine's).

        "auto" follows env.chosen_precision (the hardware, or COURSE_PRECISION); a named
        precision is used as it is (the Trainer also trains in bf16 or fp16 on a CPU).
        """
        device_type = device_type or pick_device().type
        if self.precision == "auto":
            return chosen_precision(device_type)
        return self.precision

    def training_arguments(self, output_dir: str | os.PathLike, seed: int | None = None,
                           **overrides):
        """TrainingArguments for this recipe (overrides win); seed None: COURSE_SEED."""
        from transformers import TrainingArguments

        on_cpu = pick_device().type == "cpu"
        kwargs = dict(
            output_dir=str(output_dir),
            num_train_epochs=self.epochs,
            per_device_train_batch_size=self.batch_size,
            per_device_eval_batch_size=max(self.batch_size, 64),
            learning_rate=self.learning_rate,
            lr_scheduler_type=self.lr_scheduler,
            warmup_steps=self.warmup,
            weight_decay=self.weight_decay,
            optim=self.optim,
            optim_args=self.optim_args,
            activation_checkpointing=self.gradient_checkpointing,  # the 5.x name
            eval_strategy="steps" if self.eval_every else "no",
            eval_steps=self.eval_every,
            save_strategy="steps" if self.save_every else "no",
            save_steps=self.save_every or 500,
            save_total_limit=1,  # the writes are what a recipe costs; older copies measure nothing
            logging_steps=self.eval_every or self.log_every,
            report_to="none",
            seed=switches.seed() if seed is None else seed,
            disable_tqdm=True,
            dataloader_pin_memory=torch.cuda.is_available(),
            # Without an accelerator, say so: several CPU processes (torchrun) then train
            # data-parallel over gloo instead of each running alone.
            use_cpu=on_cpu,
            ddp_backend="gloo" if on_cpu and int(os.environ.get("WORLD_SIZE", "1")) > 1 else None,
            **precision_kwargs(self.resolved_precision()),
        )
        kwargs.update(overrides)
        return TrainingArguments(**kwargs)

    def as_dict(self) -> dict:
        return asdict(self)


def _return_free_memory() -> None:
    """Hand the allocator's free pages back to the OS (glibc's malloc_trim), so that a later
    growth of resident memory counts new allocations, not pages freed earlier and reused."""
    import ctypes
    import ctypes.util

    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, musl): nothing to trim
        pass


class _PeakMemory:
    """Memory a block adds at its peak, over what was held when it began: on a GPU from CUDA's
    allocator, else from the process's resident memory (sampled every 20 ms).

    Relative to the start, so that whatever an earlier run left allocated does not count."""

    def __init__(self, device: torch.device):
        self.device = device
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def _rss() -> int:
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            return 0

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)  # the peak restarts from here
            self.baseline = torch.cuda.memory_allocated(self.device)
        else:
            _return_free_memory()  # else reused free pages would hide part of the growth
            self.baseline = self.peak = self._rss()

            def sample():
                while not self._stop.wait(0.02):
                    self.peak = max(self.peak, self._rss())

            self._thread = threading.Thread(target=sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            self.peak = torch.cuda.max_memory_allocated(self.device) - self.baseline
        else:
            self._stop.set()
            self._thread.join()
            self.peak = max(self.peak, self._rss()) - self.baseline  # growth during the run
        return False


@dataclass
class RunResult:
    """What one fine-tuning run measured."""

    recipe: str
    steps: int
    train_seconds: float
    samples_per_second: float
    accuracy_before: float
    final_accuracy: float
    peak_memory_bytes: int
    memory_kind: str  # "cuda allocated" or "RSS growth"
    time_to_target: float | None  # training seconds until validation accuracy >= target
    final_correct: list[bool] = field(default_factory=list)  # per validation row, at the end
    step_seconds: list[float] = field(default_factory=list)  # wall time of each optimizer step
    curve: list[tuple[float, int, float]] = field(default_factory=list)  # (seconds, step, acc)
    log_history: list[dict] = field(default_factory=list)
    checkpoints_saved: int = 0  # checkpoints written (the Trainer keeps only the last on disk)

    def row(self) -> dict:
        """A flat dict for a results table."""
        return {
            "recipe": self.recipe,
            "steps": self.steps,
            "train s": round(self.train_seconds, 2),
            "samples/s": round(self.samples_per_second, 1),
            "time to target s": None
            if self.time_to_target is None
            else round(self.time_to_target, 2),
            "accuracy": round(self.final_accuracy, 4),
            "peak memory MB": round(self.peak_memory_bytes / 2**20, 1),
        }


def _step_clock(durations: list):
    """A TrainerCallback that records the wall time of every optimizer step."""
    from transformers import TrainerCallback

    class StepClock(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            self.start = time.perf_counter()

        def on_step_end(self, args, state, control, model=None, **kwargs):
            if model is not None and model.device.type == "cuda":
                torch.cuda.synchronize(model.device)
            durations.append(time.perf_counter() - self.start)

    return StepClock()


def _save_counter():
    """A TrainerCallback that counts the checkpoints the Trainer writes (in `.count`)."""
    from transformers import TrainerCallback

    class SaveCounter(TrainerCallback):
        count = 0

        def on_save(self, args, state, control, **kwargs):
            self.count += 1

    return SaveCounter()


def _accuracy_probe(
    data: SentimentData, every: int, target: float | None, curve: list, last: list
):
    """A TrainerCallback that measures validation accuracy every `every` steps, off the clock."""
    from transformers import TrainerCallback

    class AccuracyProbe(TrainerCallback):
        def __init__(self):
            self.paused = 0.0
            self.start = None
            self.reached = None

        def on_train_begin(self, args, state, control, model=None, **kwargs):
            self.start = time.perf_counter()

        def on_step_end(self, args, state, control, model=None, **kwargs):
            if state.global_step % every and state.global_step != state.max_steps:
                return
            if self.reached is not None and state.global_step != state.max_steps:
                return
            if model.device.type == "cuda":
                torch.cuda.synchronize(model.device)
            now = time.perf_counter()
            elapsed = now - self.start - self.paused
            correct = data.correct(model)
            acc = correct.float().mean().item()
            last[:] = correct.tolist()
            curve.append((elapsed, state.global_step, acc))
            if target is not None and self.reached is None and acc >= target:
                self.reached = elapsed
            self.paused += time.perf_counter() - now

    return AccuracyProbe()


def align_pad_token(model: torch.nn.Module, tokenizer) -> None:
    """Tell the model's configs which token pads (EOS, lesson 01): the Trainer would otherwise
    align them itself, with a warning, at the start of every run."""
    pad = tokenizer.pad_token_id
    model.config.pad_token_id = pad
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.pad_token_id = pad


def run_recipe(
    recipe: Recipe,
    model_factory: Callable[[], torch.nn.Module],
    data: SentimentData,
    output_dir: str | os.PathLike,
    target_accuracy: float | None = None,
    probe_every: int | None = None,
    seed: int | None = None,
) -> RunResult:
    """Fine-tune a fresh model with a recipe and measure it.

    `probe_every` steps (and at the end) the validation accuracy is measured with the training
    clock paused, which gives the time to reach `target_accuracy`. Samples per second count
    the whole run as the recipe defines it: its evaluations and checkpoints included. `seed`
    (by default the course's, COURSE_SEED) seeds the weights' draws and the batch order.
    """
    from transformers import Trainer, set_seed

    if target_accuracy is not None and not 0 < target_accuracy <= 1:
        raise ValueError(f"target_accuracy must be in (0, 1], not {target_accuracy}.")
    seed = switches.seed() if seed is None else seed
    set_seed(seed)
    args = recipe.training_arguments(Path(output_dir), seed=seed)
    model = model_factory().to(args.device)  # evaluate where it will train, not on the CPU
    align_pad_token(model, data.tokenizer)
    accuracy_before = data.accuracy(model)
    curve: list[tuple[float, int, float]] = []
    last_correct: list[bool] = []
    step_seconds: list[float] = []
    saves = _save_counter()
    callbacks = [_step_clock(step_seconds), saves]  # the clock first: a probe's pause is not timed
    probe = None
    if probe_every:
        probe = _accuracy_probe(data, probe_every, target_accuracy, curve, last_correct)
        callbacks.append(probe)
    trainer = Trainer(
        model=model,
        args=args,
        data_collator=data.collator,
        train_dataset=data.train,
        eval_dataset=data.valid if recipe.eval_every else None,
        processing_class=data.tokenizer,
        callbacks=callbacks,
    )
    device = args.device
    with _PeakMemory(device) as memory:
        start = time.perf_counter()
        result = trainer.train()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start - (probe.paused if probe else 0.0)
    if not curve:
        last_correct = data.correct(model).tolist()
    final = sum(last_correct) / len(last_correct)
    samples = len(data.train) * recipe.epochs
    log_history = list(trainer.state.log_history)
    # After 16-bit training the model's autocast wrapper is a reference cycle: without a
    # collection, this run's model (0.5 GB for GPT-2) would stay on the GPU into the next run.
    # (An fp32 run on a CPU has no such wrapper, and the next run's memory probe collects.)
    del trainer, model
    if device.type == "cuda" or args.bf16 or args.fp16:
        gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return RunResult(
        recipe=recipe.name,
        steps=result.global_step,
        train_seconds=seconds,
        samples_per_second=samples / seconds,
        accuracy_before=accuracy_before,
        final_accuracy=final,
        peak_memory_bytes=memory.peak,
        memory_kind="cuda allocated" if device.type == "cuda" else "RSS growth",
        time_to_target=probe.reached if probe else None,
        final_correct=last_correct,
        step_seconds=step_seconds,
        curve=curve,
        log_history=log_history,
        checkpoints_saved=saves.count,
    )


def without_autocast(model: torch.nn.Module) -> torch.nn.Module:
    """Undo the autocast wrapper that the Trainer (through accelerate) leaves on
    `model.forward` after training in bf16 or fp16, so the model computes in fp32 again.

    Without this, every later forward pass, comparisons included, still runs in 16 bits.
    """
    from accelerate.utils import extract_model_from_parallel

    unwrapped = extract_model_from_parallel(model, keep_fp32_wrapper=False)
    if unwrapped is not model:
        raise ValueError("without_autocast expects the model itself, not a parallel wrapper.")
    return model


def runs_in_autocast(model: torch.nn.Module) -> bool:
    """True while accelerate's mixed-precision wrapper is still on model.forward."""
    return "_original_forward" in model.__dict__


def results_table(results: list[RunResult], baseline: str | None = None):
    """A pandas table of runs; with a baseline name, also each run's speed-up over it."""
    import pandas as pd

    table = pd.DataFrame([r.row() for r in results]).set_index("recipe")
    if baseline is not None:
        if baseline not in table.index:
            raise ValueError(f"no run named {baseline!r}; runs: {list(table.index)}.")
        base = table.loc[baseline]
        table["throughput x"] = (table["samples/s"] / base["samples/s"]).round(2)
        if base["time to target s"] is not None and not pd.isna(base["time to target s"]):
            table["time to target x"] = (
                base["time to target s"] / table["time to target s"]
            ).round(2)
    return table
