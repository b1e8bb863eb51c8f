"""Exercise checkers: each says in plain words what is wrong, and knows a reference solution.

A checker is a function that tries the learner's code and calls `expect(condition, message)`.
Wrapped with `@exercise(reference=..., wrong=[...])` it becomes callable from a notebook:
`check_make_labels(make_labels)` prints one line (correct, not attempted yet, or what is wrong)
and returns a Verdict. The reference solution and typical wrong answers are kept beside it, so
the unit tests can show that every checker accepts its solution and rejects the mistakes.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

CORRECT, WRONG, NOT_ATTEMPTED = "correct", "wrong", "not attempted"
_SYMBOLS = {CORRECT: "✅", WRONG: "❌", NOT_ATTEMPTED: "⏳"}
REGISTRY: dict[str, Exercise] = {}


class Mismatch(AssertionError):
    """Raised by expect(): the learner's answer is wrong, with a message saying how."""


def expect(condition: bool, message: str) -> None:
    """Inside a checker: if `condition` is false, the answer is wrong, for the reason given."""
    if not condition:
        raise Mismatch(message)


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
            raise TypeError(f"Pass your function itself, e.g. check(my_fn), not {answer!r}.")
        try:
            self.check(answer)
            verdict = Verdict(self.name, CORRECT, "correct, well done.")
        except NotImplementedError:
            verdict = Verdict(self.name, NOT_ATTEMPTED, "not attempted yet (the stub raises).")
        except Mismatch as err:
            verdict = Verdict(self.name, WRONG, str(err))
        except Exception as err:  # the learner's code crashed: say so, do not stop the notebook
            verdict = Verdict(self.name, WRONG, f"your code raised {type(err).__name__}: {err}")
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
