"""Lesson 05's self-checks that depend on the seed: each fails a correct lesson at most once in
1,000 runs, by the rates recorded in course_utils.stats.MEASURED (scripts/rates/lesson05.py)."""

from __future__ import annotations

import functools
import math

import pytest
import torch

from course_utils import stats
from course_utils.stats import FALSE_ALARM, MEASURED, rate_lower_bound

# Checks that one run of the lesson passes or fails as a whole: each must have held so often
# over other seeds that even the measured rate's lower bound leaves at most FALSE_ALARM.
SINGLE_RUN = [
    "saddle_noise_escapes_sooner",  # cell bb22140e
    "saddle_noise_keeps_jittering",
] + [f"moons_{mode}_{claim}" for mode in ("fast", "full") for claim in (
    "accurate", "same_quality", "far_apart",  # cell 28c50f47
    "not_convex", "barrier",  # cell 05c3cb03
    "shuffled",  # cell f5974437
    "aligned_same_function", "aligned_low", "aligned_closer",  # cell 6f5e800c
    "same_on_data",  # cell 874b0976
    "restart_gain",  # cell c5e0a7d1
)]

SAMPLES = 20_000  # random matrices of each size in cell ccabd0a4


def upper_bound(claim: str) -> float:
    """A rate the true one stays below with confidence 1 - FALSE_ALARM."""
    m = MEASURED[claim]
    return 1 - rate_lower_bound(m.runs - m.held, m.runs)


@functools.cache
def log_choose(n: int) -> torch.Tensor:
    """log C(n, k) for k = 0..n, in float64."""
    k = torch.arange(n + 1, dtype=torch.float64)
    return math.lgamma(n + 1) - torch.lgamma(k + 1) - torch.lgamma(n - k + 1)


def pmf(n: int, p: float) -> torch.Tensor:
    """P(X = k) for k = 0..n, X ~ Binomial(n, p), from logarithms in float64 (n is too large for
    stats.binomial_tail's sum in Python to be quick)."""
    k = torch.arange(n + 1, dtype=torch.float64)
    if p in (0.0, 1.0):
        return (k == n * p).double()
    return torch.exp(log_choose(n) + k * math.log(p) + (n - k) * math.log1p(-p))


def at_most(n: int, k: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    return min(1.0, float(pmf(n, p)[: max(k + 1, 0)].sum()))


def at_least(n: int, k: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return min(1.0, float(pmf(n, p)[max(k, 0):].sum()))


def test_tail_sums_agree_with_the_course_helpers():
    for n, k, p in [(30, 5, 0.1), (30, 25, 0.9), (50, 0, 0.3), (12, 12, 0.5)]:
        assert at_least(n, k, p) == pytest.approx(stats.binomial_tail(n, k, p), rel=1e-9)
        assert at_most(n, k - 1, p) == pytest.approx(1 - stats.binomial_tail(n, k, p), abs=1e-12)


@pytest.mark.parametrize("claim", SINGLE_RUN)
def test_single_run_checks_fail_at_most_once_in_a_thousand(claim):
    assert MEASURED[claim].lower_bound() >= 1 - FALSE_ALARM, (
        f"{claim}: {MEASURED[claim]} is not enough to show a false-alarm rate of at most "
        f"{FALSE_ALARM} (no failure in at least 6,905 runs is)")


def test_chord_check_cannot_miss():
    # Cell b1298ada: the largest of 10,000 independent chord gaps is above 0.5 unless every one
    # of them is at most 0.5.
    miss = (1 - MEASURED["ripples_pair_gap_over_half"].lower_bound()) ** 10_000
    assert miss < FALSE_ALARM


def test_random_hessian_check():
    # Cell ccabd0a4 fails when the share at 1 dimension is at most 0.4, when one of the shares at
    # 1..4 dimensions is not below the one before, or when a share at 5..7 is 0.01 or more.
    low = {n: MEASURED[f"hessian_{n}d_minimum"].lower_bound() for n in range(1, 5)}
    high = {n: upper_bound(f"hessian_{n}d_minimum") for n in range(1, 5)}
    high.update({n: 1 - MEASURED[f"hessian_{n}d_not_minimum"].lower_bound() for n in range(5, 8)})
    fail = at_most(SAMPLES, int(0.4 * SAMPLES), low[1])
    for n in range(1, 4):
        # X_{n+1} >= X_n needs X_n <= m or X_{n+1} >= m, for any m: take the best m.
        below = pmf(SAMPLES, low[n]).cumsum(0)  # P(X_n <= m), m = 0..SAMPLES
        above = pmf(SAMPLES, high[n + 1]).flip(0).cumsum(0).flip(0)  # P(X_{n+1} >= m)
        fail += float((below.clamp(max=1) + above.clamp(max=1)).min())
    for n in range(5, 8):
        fail += at_least(SAMPLES, math.ceil(0.01 * SAMPLES), high[n])
    assert fail < FALSE_ALARM
