"""Environment: device, precision, CPU threads, seeding, Colab detection, the setup summary."""

from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass

import numpy as np
import torch

from course_utils import hub, quiet, switches
from course_utils.switches import PRECISIONS, env_flag  # noqa: F401  (re-exported)


def is_fast() -> bool:
    """Fast mode (COURSE_FAST=1): same code paths on fewer data and steps, for tests."""
    return switches.fast()


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def pick_device() -> torch.device:
    """CUDA if present, else Apple MPS, else CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_precision(device_type: str, capability: tuple[int, int] | None = None) -> str:
    """The training precision for a device: 'bf16', 'fp16' or 'fp32'.

    bf16 only on CUDA cards of compute capability 8.0 or more (Ampere and newer): older cards,
    such as Colab's T4 (7.5), emulate bf16 slowly, so they get fp16. CPU and MPS train in fp32.
    """
    if device_type not in ("cuda", "mps", "cpu"):
        raise ValueError(f"device_type must be 'cuda', 'mps' or 'cpu', not {device_type!r}.")
    if device_type != "cuda":
        return "fp32"
    if capability is None:
        capability = torch.cuda.get_device_capability()
    if len(capability) != 2 or not all(isinstance(c, int) for c in capability):
        raise ValueError(f"capability must be a (major, minor) pair of ints, not {capability!r}.")
    return "bf16" if capability >= (8, 0) else "fp16"


def chosen_precision(device_type: str) -> str:
    """The precision this course trains in: COURSE_PRECISION if set, else pick_precision().

    COURSE_PRECISION=bf16 or fp16 on a CPU rehearses a GPU's arithmetic (slowly, but the same
    dtype paths run), which is how the tests find the dtype bugs of a T4 or an H100 here.
    """
    return switches.precision_override() or pick_precision(device_type)


def apply_thread_count(tiny_models: bool = False) -> int:
    """Set torch's CPU threads and return the count in use: COURSE_THREADS if set, else one
    thread when the models are the tiny stand-ins, else torch's default (one per core).

    A stand-in's matrices are so small that splitting each product between threads costs more
    than it saves: measured on 2 cores, lesson 01 in fast mode took 30 s with one thread and
    59 s with two. When several busy processes share a few cores, fewer threads per process
    also avoid waiting for a core; COURSE_THREADS=1 is the safe choice then.
    """
    wanted = switches.thread_count()
    if wanted is None and tiny_models:
        wanted = 1
    if wanted is not None and wanted != torch.get_num_threads():
        torch.set_num_threads(wanted)
    return torch.get_num_threads()


def precision_kwargs(precision: str) -> dict[str, bool]:
    """TrainingArguments keyword arguments for a precision, e.g. {'fp16': True}."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}.")
    return {"bf16": True} if precision == "bf16" else {"fp16": True} if precision == "fp16" else {}


def torch_dtype(precision: str) -> torch.dtype:
    """The torch dtype of a precision name."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}.")
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[precision]


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's random generators."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, not {seed!r}.")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


@dataclass(frozen=True)
class Env:
    """What the setup cell found: where and how this notebook runs."""

    device: torch.device
    precision: str
    offline: bool
    fast: bool
    colab: bool
    device_name: str
    precision_forced: bool = False  # set by COURSE_PRECISION
    threads: int = 0  # torch's CPU threads
    seed: int = 0  # COURSE_SEED: every random draw of a lesson derives from it
    seed_forced: bool = False  # set by COURSE_SEED

    def training_kwargs(self) -> dict[str, bool]:
        """The TrainingArguments that depend on this machine, e.g. {'bf16': True}.

        A 16-bit precision on a CPU (COURSE_PRECISION's rehearsal) also needs use_cpu=True:
        without it the Trainer refuses bf16 and fp16 when it finds no GPU. Without a GPU, batches
        are not put in pinned memory (it speeds up copies to a GPU, and warns when there is none).
        """
        kwargs = precision_kwargs(self.precision)
        if self.device.type == "cpu":
            kwargs["dataloader_pin_memory"] = False
            if kwargs.get("bf16") or kwargs.get("fp16"):
                kwargs["use_cpu"] = True
        return kwargs

    @property
    def dtype(self) -> torch.dtype:
        return torch_dtype(self.precision)

    def summary(self) -> str:
        hub = "offline (stand-ins)" if self.offline else "online (Hugging Face Hub)"
        mode = "fast" if self.fast else "full"
        precision = self.precision + (" (COURSE_PRECISION)" if self.precision_forced else "")
        line = f"device: {self.device_name} | precision: {precision} | hub: {hub} | mode: {mode}"
        if self.seed_forced:
            line += f" | seed: {self.seed} (COURSE_SEED)"
        if self.device.type == "cpu":
            line += f" | {self.threads} CPU thread{'s' if self.threads != 1 else ''}"
            line += " | no GPU found: everything runs, training is just slower"
        return line


def describe_device(device: torch.device) -> str:
    """A short human name for a device, e.g. 'cuda (Tesla T4, cc 7.5)'."""
    if device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        return f"cuda ({torch.cuda.get_device_name(device)}, cc {major}.{minor})"
    return device.type


def _uses_standins() -> bool:
    """True when GPT-2 will resolve to the tiny stand-in: offline, and not in the local cache.
    (Asked without resolving it, which would build the stand-ins.)"""
    return hub.is_offline() and not hub.in_local_cache(hub.MODEL_NAME, "model")


def current_env() -> Env:
    """Detect device, precision, hub access and run mode (probes the Hub once per process)."""
    device = pick_device()
    return Env(
        device=device,
        precision=chosen_precision(device.type),
        offline=hub.is_offline(),
        fast=is_fast(),
        colab=in_colab(),
        device_name=describe_device(device),
        precision_forced=switches.precision_override() is not None,
        threads=apply_thread_count(tiny_models=device.type == "cpu" and _uses_standins()),
        seed=switches.seed(),
        seed_forced=switches.seed_requested(),
    )


def setup() -> Env:
    """What every notebook's setup cell calls: detect, seed from COURSE_SEED, print one line.

    Lessons take every seed from `ENV.seed` (`ENV.seed`, `ENV.seed + 1`, ...), never a number of
    their own, so that COURSE_SEED moves every random draw at once.
    """
    quiet.silence_known_warnings()
    env = current_env()
    seed_everything(env.seed)
    print(env.summary())
    return env
