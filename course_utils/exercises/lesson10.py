"""Lesson 10's exercise: name the bug behind each run's symptoms.

The runs are labelled A, B, ...; `MYSTERY` says which bug of `course_utils.mutants` each one
has (try the exercise before you read it). `check_diagnosis({"A": "...", ...})` prints one line:
right, not attempted yet, or which run is misdiagnosed and which lesson explains its bug.
"""

from __future__ import annotations

from course_utils.exercises import CORRECT, NOT_ATTEMPTED, WRONG, Verdict
from course_utils.messages import say

HEALTHY = "healthy"
# run -> the bug it has (a name in course_utils.mutants.BUGS, or "healthy")
MYSTERY: dict[str, str] = {
    "A": "learning_rate_x100",
    "B": "no_label_mask",
    "C": HEALTHY,
    "D": "one_class_validation",
    "E": "learning_rate_too_small",
    "F": "missing_zero_grad",
}
# what each diagnosis means, and where the course explains it
EXPLAINED: dict[str, tuple[str, str]] = {
    HEALTHY: ("no bug: the loss falls and accuracy rises", "lesson 01"),
    "learning_rate_x100": ("a learning rate far too large", "lesson 06 (too large, divergent)"),
    "learning_rate_too_small": ("a learning rate far too small", "lesson 06 (too small)"),
    "no_label_mask": ("no -100 mask: every token is scored", "lessons 01 and 08 (-100)"),
    "one_class_validation": ("a one-class validation slice", "lesson 01 (loading the data)"),
    "missing_zero_grad": (
        "no optimizer.zero_grad(): gradients pile up across steps",
        "lesson 03 (PyTorch accumulates .grad)",
    ),
}
CHOICES = tuple(EXPLAINED)


def diagnosis_solution() -> dict[str, str]:
    """The right diagnosis of every run."""
    return dict(MYSTERY)


def _judge(answers) -> tuple[str, str]:
    if not isinstance(answers, dict):
        return WRONG, say("ex.10.diagnosis.not_a_dict", type=type(answers).__name__)
    unknown_runs = sorted(str(k) for k in answers if k not in MYSTERY)
    if unknown_runs:
        return WRONG, say("ex.10.diagnosis.unknown_run", runs=", ".join(unknown_runs),
                          all_runs=", ".join(MYSTERY))
    given = {k: v for k, v in answers.items() if v not in (None, "", ...)}
    if not given:
        return NOT_ATTEMPTED, say("ex.10.diagnosis.not_attempted")
    for run, name in given.items():
        if not isinstance(name, str) or name.strip() not in EXPLAINED:
            return WRONG, say("ex.10.diagnosis.unknown_bug", run=run, name=name,
                              choices=", ".join(CHOICES))
    for run, name in sorted(given.items()):
        right = MYSTERY[run]
        if name.strip() != right:
            meaning, _ = EXPLAINED[name.strip()]
            _, where = EXPLAINED[right]
            return WRONG, say("ex.10.diagnosis.misdiagnosed", run=run, meaning=meaning,
                              where=where)
    missing = [run for run in MYSTERY if run not in given]
    if missing:
        return WRONG, say("ex.10.diagnosis.missing", runs=", ".join(missing))
    return CORRECT, say("ex.10.diagnosis.correct")


def check_diagnosis(answers, quiet: bool = False) -> Verdict:
    """answers: {run letter: bug name}; prints one line and returns the Verdict."""
    try:
        status, message = _judge(answers)
    except Exception as err:  # a strange answer must get a message, never a crash
        status, message = WRONG, say("ex.10.diagnosis.unreadable", error=type(err).__name__,
                                     detail=err)
    verdict = Verdict("diagnosis", status, message)
    if not quiet:
        print(verdict)
    return verdict
