"""Self-check helpers: compare numbers within a tolerance derived from their dtype and size,
and decide whether one classifier is better than another or within noise.

The check vocabulary states one claim and prints one line when it holds: `agree` (two
computations give the same numbers), `holds` (a yes/no claim, with what was measured and
allowed), `within` (a number in an interval), `beats` (a classifier better beyond noise). When a
claim fails they raise ClaimFailed, whose message says what was measured, what was allowed and
where to look first; every word of it comes from course_utils.messages.

The one rule for float tolerances (`tolerance`): a result computed in a dtype with machine
epsilon eps, from values of size `scale`, is trusted to `ulps * eps * scale`. The default of 256
ulps covers sums of thousands of rounded terms (their errors grow like sqrt(n) on average), and
stays far below any real mistake: in fp32 it is 3e-5 relative, in bf16 it is 2 (so bf16 values
are compared in fp32, or against a bound derived in the text).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from course_utils.messages import say

DEFAULT_ULPS = 256


def _as_tensor(x, what: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu()
    try:
        return torch.as_tensor(np.asarray(x))
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{what} must be a number, array or tensor, not {type(x).__name__}."
        ) from err


def _float_dtype(*tensors: torch.Tensor) -> torch.dtype:
    """The least precise floating dtype among the tensors (float64 if none is floating)."""
    floats = [t.dtype for t in tensors if t.is_floating_point()]
    if not floats:
        return torch.float64
    return max(floats, key=lambda d: torch.finfo(d).eps)


def tolerance(dtype: torch.dtype | str, scale: float = 1.0, ulps: float = DEFAULT_ULPS) -> float:
    """The absolute tolerance for values of size `scale` computed in `dtype`: ulps * eps * scale.

    >>> tolerance(torch.float32, scale=10.0)   # 256 * 1.19e-7 * 10
    0.00030517578125
    """
    if isinstance(dtype, str):
        names = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16,
                 "fp64": torch.float64}
        if dtype not in names:
            raise ValueError(f"dtype must be a torch float dtype or one of {list(names)}.")
        dtype = names[dtype]
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"dtype must be a floating torch dtype, not {dtype!r}.")
    if not scale >= 0 or ulps <= 0:
        raise ValueError(f"scale must be >= 0 and ulps > 0, not scale={scale}, ulps={ulps}.")
    return float(ulps * torch.finfo(dtype).eps * scale)


@dataclass(frozen=True)
class Comparison:
    """The outcome of compare(); true when the values are close."""

    name: str
    exact: bool
    close: bool
    max_diff: float
    tol: float

    def __bool__(self) -> bool:
        return self.close

    def __str__(self) -> str:
        return say("compare.line", name=self.name, exact=str(self.exact), close=str(self.close),
                   max_diff=self.max_diff, tol=self.tol)


def _compare_values(name, mine, reference, atol, rtol, ulps, scale, dtype
                    ) -> tuple[Comparison, str]:
    """compare() without printing; also says where the largest difference is."""
    a, b = _as_tensor(mine, "mine"), _as_tensor(reference, "reference")
    if a.shape != b.shape:
        raise ValueError(
            f"{name}: shapes differ: mine {tuple(a.shape)}, reference {tuple(b.shape)}."
        )
    a64, b64 = a.to(torch.float64), b.to(torch.float64)
    if atol is None:
        if scale is None:
            finite = torch.cat([a64.flatten(), b64.flatten()])
            finite = finite[torch.isfinite(finite)]
            scale = float(finite.abs().max()) if finite.numel() else 0.0
        atol = tolerance(dtype or _float_dtype(a, b), scale, ulps)
    if atol < 0 or rtol < 0:
        raise ValueError(f"atol and rtol must be >= 0, not atol={atol}, rtol={rtol}.")
    exact = bool(torch.equal(a64, b64))
    diff = (a64 - b64).abs()
    max_diff = float(diff.max()) if diff.numel() else 0.0
    where = "-"
    if diff.numel():
        worst = int(torch.nan_to_num(diff, nan=math.inf).flatten().argmax())
        where = str(tuple(int(i) for i in np.unravel_index(worst, tuple(diff.shape))) or "()")
    if diff.numel() and torch.isnan(diff).any():
        max_diff = float("nan")
    close = exact or bool(torch.all(diff <= atol + rtol * b64.abs()))
    result = Comparison(name=name, exact=exact, close=close, max_diff=max_diff,
                        tol=atol + rtol * float(b64.abs().max()) if b64.numel() else atol)
    return result, where


def compare(
    name: str,
    mine,
    reference,
    atol: float | None = None,
    rtol: float = 0.0,
    *,
    ulps: float = DEFAULT_ULPS,
    scale: float | None = None,
    dtype: torch.dtype | None = None,
) -> Comparison:
    """Compare `mine` with `reference` elementwise, print one line, and return the result.

    Without `atol`, the tolerance follows the rule of this module: `tolerance(dtype, scale,
    ulps)`, where `dtype` defaults to the less precise of the two inputs and `scale` to the
    largest magnitude among them (pass `scale` when the values should be 0 but were computed
    from larger ones). An explicit `atol` (and `rtol`) is for bounds derived in the text.
    `close` means |mine - reference| <= atol + rtol * |reference| everywhere (NaNs never match).
    Use it in a self-check: `assert compare("relu", my_relu(x), torch.relu(x))`.
    """
    result, _ = _compare_values(name, mine, reference, atol, rtol, ulps, scale, dtype)
    print(result)
    return result


# --- The check vocabulary: one claim, one printed line ------------------------------------------


class ClaimFailed(AssertionError):
    """A self-check's claim did not hold. The message states the claim, what was measured, what
    was allowed, and where to look first (all from course_utils.messages)."""


def agree(
    claim: str,
    mine,
    reference,
    atol: float | None = None,
    rtol: float = 0.0,
    *,
    ulps: float = DEFAULT_ULPS,
    scale: float | None = None,
    dtype: torch.dtype | None = None,
    hint: str | None = None,
) -> Comparison:
    """Check that two computations give the same numbers, within the tolerance compare() uses.

    Prints one line when they agree (`✓ the hand-written gradient equals autograd (largest
    difference 2.2e-16, allowed 1.3e-13)`); raises ClaimFailed saying by how much, where, and
    what to look at first when they do not. `claim` is the sentence that is true when they agree.
    """
    a, b = _as_tensor(mine, "mine"), _as_tensor(reference, "reference")
    if a.shape != b.shape:
        raise ClaimFailed(say("agree.shapes", claim=claim, first=tuple(a.shape),
                              second=tuple(b.shape)))
    result, where = _compare_values(claim, a, b, atol, rtol, ulps, scale, dtype)
    if not result.close:
        raise ClaimFailed(say("agree.failed", claim=claim, difference=result.max_diff,
                              where=where, allowed=result.tol, hint=hint or say("agree.hint")))
    print(say("agree.held", claim=claim, difference=result.max_diff, allowed=result.tol))
    return result


def holds(claim: str, condition, *, measured: str | None = None, allowed: str | None = None,
          hint: str | None = None) -> None:
    """Check a yes/no claim: print `✓ claim (measured; allowed)` when `condition` is true, raise
    ClaimFailed with the same facts when it is not. `measured` and `allowed` are short phrases,
    e.g. measured="17 of 20 starts", allowed="at least 14 needed"; give both or neither."""
    if (measured is None) != (allowed is None):
        raise ValueError(f"{claim}: give both measured and allowed, or neither.")
    if isinstance(condition, torch.Tensor):
        if condition.numel() != 1:
            raise ValueError(f"{claim}: the condition must be one yes/no value, not a tensor of "
                             f"{condition.numel()}; use .all() or .any().")
        condition = bool(condition)
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(f"{claim}: the condition must be True or False, not "
                        f"{type(condition).__name__}.")
    detail = "" if measured is None else say("claim.detail", measured=measured, allowed=allowed)
    if not condition:
        raise ClaimFailed(say("claim.failed", claim=claim, detail=detail,
                              hint=hint or say("claim.hint")))
    print(say("claim.held", claim=claim, detail=detail))


def within(claim: str, value: float, low: float, high: float, *, hint: str | None = None
           ) -> float:
    """Check that `value` lies in [low, high]: print one line if so, raise ClaimFailed if not.
    Returns the value as a float."""
    value, low, high = (float(v) for v in (value, low, high))
    if not low <= high:
        raise ValueError(say("within.bounds", claim=claim, low=low, high=high))
    if not low <= value <= high:  # NaN lands here too
        raise ClaimFailed(say("within.failed", claim=claim, value=value, low=low, high=high,
                              hint=hint or say("claim.hint")))
    print(say("within.held", claim=claim, value=value, low=low, high=high))
    return value


# --- "Is A better than B?" on the same rows ------------------------------------------------


@dataclass(frozen=True)
class PairedVerdict:
    """The outcome of compare_accuracy(): 'better', 'within noise' or 'worse' (A against B)."""

    name_a: str
    name_b: str
    accuracy_a: float
    accuracy_b: float
    low: float  # 95% interval of accuracy_a - accuracy_b
    high: float
    p_value: float  # exact McNemar test on the rows where A and B disagree
    verdict: str

    def worse_beyond_doubt(self, false_alarm: float = 1e-3) -> bool:
        """True when A is behind B by more than chance explains, at a level that a correct lesson
        (A in truth as good as B) reaches at most once in 1 / false_alarm runs: McNemar's
        two-sided p below 2 false_alarm, A behind. The check for "A is not worse than B"."""
        if not 0 < false_alarm < 0.5:
            raise ValueError(f"false_alarm must be in (0, 0.5), not {false_alarm}.")
        return self.accuracy_a < self.accuracy_b and self.p_value < 2 * false_alarm

    def __str__(self) -> str:
        return say("compare_accuracy.line", name_a=self.name_a, accuracy_a=self.accuracy_a,
                   name_b=self.name_b, accuracy_b=self.accuracy_b,
                   difference=self.accuracy_a - self.accuracy_b, low=self.low, high=self.high,
                   p_value=self.p_value, verdict=self.verdict)


def _correct_vector(x, what: str) -> np.ndarray:
    arr = np.asarray(_as_tensor(x, what))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{what} must be a non-empty 1-D sequence of right/wrong (1/0) values.")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{what} must hold only 0/1 or False/True (one per row).")
    return arr.astype(bool)


def mcnemar_p_value(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar test: rows only A got right against rows only B got right."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    k = min(only_a, only_b)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def compare_accuracy(
    correct_a, correct_b, name_a: str = "A", name_b: str = "B", alpha: float = 0.05,
    show: bool = True,
) -> PairedVerdict:
    """Is classifier A better than B on the same rows, worse, or within noise? Prints one line.

    `correct_a[i]` says whether A got row i right (same rows, same order for B). The verdict
    comes from the exact McNemar test (significance `alpha`), which looks only at the rows
    where the two disagree; the 95% interval of the accuracy difference is the paired normal
    approximation. On 200 rows at 85% one accuracy alone has a standard error of 2.5 points, so
    a difference of a point or two is "within noise".
    """
    a, b = _correct_vector(correct_a, "correct_a"), _correct_vector(correct_b, "correct_b")
    if a.shape != b.shape:
        raise ValueError(f"correct_a has {a.size} rows and correct_b {b.size}: use the same rows.")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), not {alpha}.")
    n = a.size
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    diff = (only_a - only_b) / n
    var = max(((only_a + only_b) - (only_a - only_b) ** 2 / n) / n**2, 0.0)
    half = 1.96 * math.sqrt(var)
    p = mcnemar_p_value(only_a, only_b)
    verdict = "within noise" if p >= alpha else ("better" if diff > 0 else "worse")
    result = PairedVerdict(name_a, name_b, float(a.mean()), float(b.mean()), diff - half,
                           diff + half, p, verdict)
    if show:
        print(result)
    return result


def beats(claim: str, correct_a, correct_b, name_a: str, name_b: str, *, alpha: float = 0.05,
          hint: str | None = None) -> PairedVerdict:
    """Check that classifier A is better than B on the same rows, beyond noise: the exact McNemar
    test's p below `alpha`, A ahead. Prints one line, or raises ClaimFailed.

    `alpha` bounds how often an A that is in truth no better passes. How often a truly better A
    fails depends on how much better it is and on the rows: the lesson measures that."""
    verdict = compare_accuracy(correct_a, correct_b, name_a, name_b, alpha=alpha, show=False)
    facts = dict(claim=claim, name_a=name_a, accuracy_a=verdict.accuracy_a, name_b=name_b,
                 accuracy_b=verdict.accuracy_b, p_value=verdict.p_value, needed=alpha)
    if verdict.verdict != "better":
        raise ClaimFailed(say("beats.failed", **facts, hint=hint or say("beats.hint")))
    print(say("beats.held", **facts))
    return verdict


def confusion_matrix(predicted, gold, names: tuple[str, ...] = ("neg", "pos")):
    """A small table: rows are the true class, columns the predicted one, cells are counts."""
    import pandas as pd

    p = np.asarray(_as_tensor(predicted, "predicted")).astype(int).ravel()
    g = np.asarray(_as_tensor(gold, "gold")).astype(int).ravel()
    if p.shape != g.shape:
        raise ValueError(f"predicted has {p.size} rows and gold {g.size}.")
    k = len(names)
    if p.size and (min(p.min(), g.min()) < 0 or max(p.max(), g.max()) >= k):
        raise ValueError(f"classes must be 0..{k - 1} for names {names}.")
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (g, p), 1)
    return pd.DataFrame(counts, index=[f"true {n}" for n in names],
                        columns=[f"predicted {n}" for n in names])
