"""Library warnings that the course has checked to be harmless, silenced in this one place.

A lesson shows a learner only what its text explains. Each warning below appears on every run,
says nothing about the learner's code, and is harmless for the reason given beside it; every other
warning still shows (and `tests/test_warnings.py` fails on any warning a lesson prints that is
not explained). `setup()` calls `silence_known_warnings()` once per kernel.
"""

from __future__ import annotations

import logging
import warnings

# (logger name, the start of the message, why it is harmless)
HARMLESS_LOG_MESSAGES: tuple[tuple[str, str, str], ...] = (
    ("transformers.modeling_utils", "`loss_type=None` was set in the config but it is unrecognized",
     "GPT-2's class name (GPT2LMHeadModel) is not in transformers' table of losses, so it falls "
     "back to ForCausalLMLoss, which is GPT-2's own loss: cross-entropy of each token against the "
     "next, labels -100 ignored. Lesson 08 computes it by hand and checks that they agree."),
    ("transformers.trainer_utils", "mtime may not be reliable on this filesystem",
     "When it deletes an old checkpoint, the Trainer orders checkpoints by step number instead of "
     "by file time; the step number is the right order anyway."),
)

# (warning class, the start of the message, why it is harmless)
HARMLESS_WARNINGS: tuple[tuple[type[Warning], str, str], ...] = (
    (FutureWarning, "`is_gradient_checkpointing` is deprecated",
     "peft asks the model under the old name; the answer is the same, and the course itself uses "
     "the new name (activation checkpointing)."),
)


class _DropHarmless(logging.Filter):
    def __init__(self, starts: tuple[str, ...]):
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.starts)


def silence_known_warnings() -> None:
    """Hide the warnings listed in this module, and only those; safe to call more than once."""
    for name in {logger for logger, _, _ in HARMLESS_LOG_MESSAGES}:
        starts = tuple(start for logger, start, _ in HARMLESS_LOG_MESSAGES if logger == name)
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropHarmless) for f in logger.filters):
            logger.addFilter(_DropHarmless(starts))
    for category, start, _ in HARMLESS_WARNINGS:
        warnings.filterwarnings("ignore", message=_escaped(start), category=category)


def _escaped(start: str) -> str:
    import re

    return re.escape(start)
