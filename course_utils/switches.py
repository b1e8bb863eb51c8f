"""The course's environment switches, each read in this one place.

COURSE_FAST (fewer data and steps), HF_HUB_OFFLINE (no Hub), COURSE_PRECISION (bf16, fp16 or
fp32 instead of what the hardware suggests), COURSE_THREADS (torch's CPU threads),
COURSE_FULL_SIZE (GPT-2 at full size even without a GPU) and COURSE_SEED (the seed every random
draw of a lesson derives from). Set them before the kernel starts.
"""

from __future__ import annotations

import os

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


def fast() -> bool:
    """COURSE_FAST=1: the same code paths on fewer data and steps, for tests."""
    return env_flag("COURSE_FAST")


def hub_offline_requested() -> bool:
    """HF_HUB_OFFLINE=1: do not try the Hub at all."""
    return env_flag("HF_HUB_OFFLINE")


def full_size_on_cpu() -> bool:
    """COURSE_FULL_SIZE=1: train GPT-2 at full size even on a CPU (hours, not minutes)."""
    return env_flag("COURSE_FULL_SIZE")


def precision_override() -> str | None:
    """COURSE_PRECISION=bf16|fp16|fp32, or None when unset (the hardware decides)."""
    value = os.environ.get("COURSE_PRECISION", "").strip().lower()
    if not value:
        return None
    if value not in PRECISIONS:
        raise ValueError(
            f"COURSE_PRECISION={os.environ['COURSE_PRECISION']!r}: use one of {PRECISIONS}."
        )
    return value


def thread_count() -> int | None:
    """COURSE_THREADS=N: torch's intra-op CPU threads, or None when unset."""
    value = os.environ.get("COURSE_THREADS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"COURSE_THREADS={value!r}: use a whole number of threads, 1 or more.")
    return int(value)


def seed() -> int:
    """COURSE_SEED=N: the seed every random draw of a lesson derives from (default 0).

    A lesson's claims hold for any seed, not only for the one they were written with: change it
    and the data, the starting weights and the batch order change, and every self-check still
    passes (`make test-seeds` runs the lessons under several).
    """
    value = os.environ.get("COURSE_SEED", "").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise ValueError(f"COURSE_SEED={value!r}: use a whole number, 0 or more.")
    return int(value)


def seed_requested() -> bool:
    """True when COURSE_SEED is set (the setup line then shows the seed)."""
    return bool(os.environ.get("COURSE_SEED", "").strip())
