"""Exercise checkers: each says in plain words what is wrong, and knows a reference solution.

A checker is a function that tries the learner's code and calls `expect(condition, message)`.
Wrapped with `@exercise(reference=..., wrong=[...])` it becomes callable from a notebook:
`check_make_labels(make_labels)` prints one line (correct, not attempted yet, or what is wrong)
and returns a Verdict. The reference solution and typical wrong answers are kept beside it, so
the unit tests can show that every checker accepts its solution and rejects the mistakes.

Numbers are compared by the rule of `course_utils.checks`: a value computed in a dtype with
machine epsilon eps, from values of size `scale`, is trusted to 256 * eps * scale. `is_close`
applies it without printing (a checker prints one verdict, nothing else), with the dtype the
learner's answer actually has, so a correct answer in float32 or NumPy passes as well as one in
float64, and a half-precision answer is turned down with the reason.
"""

from __future__ import annotations

import importlib
import inspect
import numbers
import pkgutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from course_utils.checks import DEFAULT_ULPS
from course_utils.messages import say

CORRECT, WRONG, NOT_ATTEMPTED = "correct", "wrong", "not attempted"
_SYMBOLS = {CORRECT: "✅", WRONG: "❌", NOT_ATTEMPTED: "⏳"}
REGISTRY: dict[str, Exercise] = {}


class Mismatch(AssertionError):
    """Raised by expect(): the learner's answer is wrong, with a message saying how."""


def expect(condition: bool, message: str) -> None:
    """Inside a checker: if `condition` is false, the answer is wrong, for the reason given."""
    if not condition:
        raise Mismatch(message)


def float_dtype(*values) -> torch.dtype:
    """The least precise float dtype among the values as the learner returned them: a tensor's
    or NumPy array's own dtype; float64 for Python numbers, integers and anything else."""
    found = []
    for value in values:
        if isinstance(value, torch.Tensor):
            if value.is_floating_point():
                found.append(value.dtype)
            continue
        try:
            kind = np.asarray(value).dtype
        except (TypeError, ValueError):
            continue
        if kind == np.float32:
            found.append(torch.float32)
        elif kind == np.float16:
            found.append(torch.float16)
    return max(found, key=lambda d: torch.finfo(d).eps, default=torch.float64)


def as_number(value) -> float | None:
    """A learner's number as a float (Python or NumPy scalar, or a one-element tensor or
    array); None when it is not one number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype != torch.bool:
        return float(value.detach().reshape(()))
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.number):
        return float(value.reshape(()))
    return None


def _float64(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64)
    return torch.as_tensor(np.asarray(value, dtype=np.float64))


def is_close(got, want, *, dtype: torch.dtype | None = None, scale=None,
             ulps: float = DEFAULT_ULPS, atol=0.0) -> bool:
    """Whether |got - want| <= atol + ulps * eps(dtype) * scale everywhere (NaN never is).

    `dtype` defaults to the less precise of got and want, `scale` to their largest magnitude;
    pass `scale` (a number, or a tensor of per-element scales) when the result was computed from
    larger values, e.g. a difference or a sum with cancellation. `atol` adds a bound derived
    elsewhere (a truncation error). An answer in float16 or bfloat16 is wrong here: its own
    rounding, 1e-3 or worse, would hide the mistakes the checkers look for.
    """
    dtype = dtype or float_dtype(got, want)
    if torch.finfo(dtype).eps > torch.finfo(torch.float32).eps:
        raise Mismatch(say("ex.common.half_precision", dtype=str(dtype).removeprefix("torch."),
                           eps=torch.finfo(dtype).eps))
    a, b = _float64(got), _float64(want)
    if scale is None:
        both = torch.cat([a.flatten(), b.flatten()])
        both = both[torch.isfinite(both)]
        scale = float(both.abs().max()) if both.numel() else 0.0
    scale = _float64(scale)
    tol = _float64(atol) + ulps * torch.finfo(dtype).eps * scale
    return bool(torch.all((a == b) | ((a - b).abs() <= tol)))


@dataclass(frozen=True)
class Verdict:
    """What a checker concluded; true only when the answer is correct."""

    exercise: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        return f"{_SYMBOLS[self.status]} {self.exercise}: {self.message}"

    def _ipython_display_(self) -> None:
        """Shown as the last value of a notebook cell: nothing, the checker already printed it."""


class Exercise:
    """A checker with its reference solution and a few typical wrong answers."""

    def __init__(self, check: Callable, reference: Callable, wrong: list[Callable]):
        self.name = check.__name__.removeprefix("check_")
        self.check = check
        self.reference = reference
        self.wrong = list(wrong)
        self.__doc__ = check.__doc__
        self.__name__ = check.__name__

    def __call__(self, answer: Callable, quiet: bool = False) -> Verdict:
        if not callable(answer):
            raise TypeError(say("ex.common.not_a_function", answer=answer))
        try:
            self.check(answer)
            verdict = Verdict(self.name, CORRECT, say("ex.common.correct"))
        except NotImplementedError:
            verdict = Verdict(self.name, NOT_ATTEMPTED, say("ex.common.not_attempted"))
        except Mismatch as err:
            verdict = Verdict(self.name, WRONG, str(err))
        except Exception as err:  # the learner's code crashed: say so, do not stop the notebook
            verdict = Verdict(self.name, WRONG, say("ex.common.crashed", error=type(err).__name__,
                                                    detail=err))
        if not quiet:
            print(verdict)
        return verdict

    def solution(self) -> str:
        """The reference solution's source code."""
        return textwrap.dedent(inspect.getsource(self.reference))

    def show_solution(self) -> None:
        """Print the reference solution (try the exercise first)."""
        print(self.solution())


def exercise(
    reference: Callable, wrong: list[Callable] | None = None
) -> Callable[[Callable], Exercise]:
    """Decorator that turns a checker function into a registered Exercise."""
    if not callable(reference):
        raise TypeError("reference must be the reference solution, a function.")

    def wrap(check: Callable) -> Exercise:
        ex = Exercise(check, reference, wrong or [])
        REGISTRY[f"{check.__module__}.{ex.name}"] = ex
        return ex

    return wrap


def all_exercises() -> dict[str, Exercise]:
    """Import every lesson's exercise module and return all registered exercises."""
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(REGISTRY)
