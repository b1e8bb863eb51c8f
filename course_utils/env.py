"""Environment: device, precision, seeding, Colab detection, the fast switch, the setup summary."""

from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass

import numpy as np
import torch

PRECISIONS = ("bf16", "fp16", "fp32")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no switch such as COURSE_FAST=1 from the environment."""
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not a yes/no value: use 1 or 0.")


def is_fast() -> bool:
    """Fast mode (COURSE_FAST=1): same code paths on fewer data and steps, for tests."""
    return env_flag("COURSE_FAST")


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

    def training_kwargs(self) -> dict[str, bool]:
        """Precision as ready TrainingArguments keyword arguments."""
        return precision_kwargs(self.precision)

    @property
    def dtype(self) -> torch.dtype:
        return torch_dtype(self.precision)

    def summary(self) -> str:
        hub = "offline (stand-ins)" if self.offline else "online (Hugging Face Hub)"
        mode = "fast" if self.fast else "full"
        line = (
            f"device: {self.device_name} | precision: {self.precision} | hub: {hub} | mode: {mode}"
        )
        if self.device.type == "cpu":
            line += " | no GPU found: everything runs, training is just slower"
        return line


def describe_device(device: torch.device) -> str:
    """A short human name for a device, e.g. 'cuda (Tesla T4, cc 7.5)'."""
    if device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        return f"cuda ({torch.cuda.get_device_name(device)}, cc {major}.{minor})"
    return device.type


def current_env() -> Env:
    """Detect device, precision, hub access and run mode (probes the Hub once per process)."""
    from course_utils.hub import is_offline

    device = pick_device()
    return Env(
        device=device,
        precision=pick_precision(device.type),
        offline=is_offline(),
        fast=is_fast(),
        colab=in_colab(),
        device_name=describe_device(device),
    )


def setup(seed: int = 0) -> Env:
    """What every notebook's setup cell calls: detect, seed, print one summary line."""
    env = current_env()
    seed_everything(seed)
    print(env.summary())
    return env
