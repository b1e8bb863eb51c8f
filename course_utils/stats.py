"""How often a correct lesson would fail a self-check, and the thresholds that keep that rare.

A self-check on a measurement that depends on chance (the data drawn, the starting weights, the
batch order: everything COURSE_SEED moves) can fail even when the lesson's claim is true. The
course allows each such check at most one false alarm in a thousand runs, FALSE_ALARM, and sets
its threshold from one of these, so that the rate is a derivation and not a hope:

- a normal interval (`z_score`, `normal_limit`, `mean_interval`): a mean of many independent
  draws is normal to a good approximation; a check at z standard errors fails a correct lesson
  with probability 2 (1 - Phi(z)), 1 in 1,000 at z = 3.29;
- a bound on a quadratic form (`squared_miss_limit`): the squared length of an average of random
  vectors, against its expected value;
- an exact binomial count (`binomial_tail`, `sign_test_p`, `fewest_wins`): how many of n
  independent seeds go one way.

Where a claim is about something noisy by nature, the lesson runs several seeds and checks their
aggregate with one of these. `make test-seeds` runs every lesson under several seeds, which shows
that no check is tuned to one seed; it cannot show a rate of 1 in 1,000 (that would take
thousands of runs): the derivations here do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

FALSE_ALARM = 1e-3  # the most often a correct lesson may fail one statistical check, per run


def _check_rate(false_alarm: float) -> None:
    if not 0 < false_alarm < 1:
        raise ValueError(f"false_alarm must be a probability in (0, 1), not {false_alarm!r}.")


def z_score(false_alarm: float = FALSE_ALARM, sides: int = 2) -> float:
    """How many standard errors a normal measurement may stray before the check fails, so that a
    correct lesson fails with probability `false_alarm`.

    >>> round(z_score(1e-3), 2), round(z_score(1e-3, sides=1), 2)
    (3.29, 3.09)
    """
    _check_rate(false_alarm)
    if sides not in (1, 2):
        raise ValueError(f"sides must be 1 (a bound on one side) or 2, not {sides!r}.")
    return NormalDist().inv_cdf(1 - false_alarm / sides)


def normal_limit(standard_error: float, false_alarm: float = FALSE_ALARM, sides: int = 2,
                 checks: int = 1) -> float:
    """The largest distance from its expected value that a normal measurement with this standard
    error may show in a correct lesson. With `checks` such tests in one self-check, each gets
    false_alarm / checks (Bonferroni), so that all of them together stay within false_alarm.
    """
    if not standard_error >= 0:
        raise ValueError(f"standard_error must be >= 0, not {standard_error!r}.")
    if not isinstance(checks, int) or checks < 1:
        raise ValueError(f"checks must be a positive int, not {checks!r}.")
    return z_score(false_alarm / checks, sides) * standard_error


def mean_interval(samples: Sequence[float] | np.ndarray, false_alarm: float = FALSE_ALARM,
                  checks: int = 1) -> tuple[float, float]:
    """An interval around the mean of independent samples that holds the true mean except with
    probability false_alarm (split over `checks` intervals): mean +- z s / sqrt(n).

    The normal approximation needs enough samples for their mean to be normal: at least 100.
    """
    values = np.asarray(samples, dtype=np.float64).ravel()
    if values.size < 100:
        raise ValueError(f"mean_interval needs at least 100 samples, not {values.size}: with fewer "
                         "the mean is not close enough to normal for the stated rate.")
    if not np.isfinite(values).all():
        raise ValueError("samples must be finite numbers.")
    mean = float(values.mean())
    half = normal_limit(float(values.std(ddof=1)) / math.sqrt(values.size), false_alarm,
                        checks=checks)
    return mean - half, mean + half


def squared_miss_limit(expected: float, false_alarm: float = FALSE_ALARM) -> float:
    """How large the squared length |m|^2 of a mean m of random vectors may be, when its expected
    value is `expected`, before a check fails a correct lesson with probability false_alarm.

    m is normal (a mean of many draws), so |m|^2 is a sum of squared normals with weights that add
    up to `expected`. Among all such sums, a single squared normal has the heaviest tail beyond
    1.54 times the mean (Szekely and Bakirov, 2003, *Extremal probabilities for Gaussian
    quadratic forms*), so its quantile bounds them all: z^2 * expected, with z two-sided. At
    1 in 1,000 that is 10.8 times the expected value.
    """
    if not expected > 0:
        raise ValueError(f"expected must be > 0, not {expected!r}.")
    limit = z_score(false_alarm, sides=2) ** 2
    if limit < 1.5365:  # the bound is proven only this far out in the tail
        raise ValueError(f"false_alarm={false_alarm} is too large for this bound (at most 0.21).")
    return limit * expected


def binomial_tail(n: int, k: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): the chance of k or more successes in n tries."""
    if not isinstance(n, int) or n < 0 or not isinstance(k, int):
        raise ValueError(f"n must be an int >= 0 and k an int, not n={n!r}, k={k!r}.")
    if not 0 <= p <= 1:
        raise ValueError(f"p must be a probability, not {p!r}.")
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p in (0.0, 1.0):
        return float(p == 1.0 or k == 0)

    def term(i: int) -> float:  # in logarithms: math.comb(2000, 1000) overflows a float
        return math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                        + i * math.log(p) + (n - i) * math.log1p(-p))

    return min(1.0, math.fsum(term(i) for i in range(k, n + 1)))


def sign_test_p(wins: int, n: int) -> float:
    """Two-sided sign test: how likely a split of `wins` against n - wins (or one more lopsided)
    is if neither side were better. p < 0.05 needs 6 of 6, 8 of 9 or 9 of 10."""
    if not isinstance(n, int) or n < 1 or not isinstance(wins, int) or not 0 <= wins <= n:
        raise ValueError(f"wins must be an int from 0 to n, and n >= 1; not {wins!r} of {n!r}.")
    return min(1.0, 2 * binomial_tail(n, max(wins, n - wins), 0.5))


def fewest_wins(n: int, p_win: float, false_alarm: float = FALSE_ALARM) -> int:
    """The most wins out of n a check may demand, when each independent run wins with probability
    at least `p_win`, so that a correct lesson falls short with probability at most false_alarm.
    """
    _check_rate(false_alarm)
    if not 0 < p_win <= 1:
        raise ValueError(f"p_win must be a probability above 0, not {p_win!r}.")
    k = n
    while k > 0 and 1 - binomial_tail(n, k, p_win) > false_alarm:
        k -= 1
    return k


# --- Rates measured over many seeds -----------------------------------------------------------
#
# Some claims hold on most draws but not on every one: "this start solves XOR", "L-BFGS needs more
# gradient evaluations than Rprop needs steps". A lesson then runs several draws and claims that
# most of them go that way; how many count as "most" follows from how often one draw does, which
# `scripts/measure_rates.py` measures by running the lesson's own code over many seeds that no
# lesson uses by default. Each measurement is recorded here with the command that produced it.


@dataclass(frozen=True)
class Measured:
    """How often a claim held for one draw: `held` of `runs` seeds, measured by `command`."""

    held: int
    runs: int
    command: str

    def __post_init__(self):
        if not (isinstance(self.runs, int) and isinstance(self.held, int)
                and 0 <= self.held <= self.runs and self.runs > 0):
            raise ValueError(f"held must be an int from 0 to runs, and runs > 0: {self}")

    def lower_bound(self, confidence: float = 1 - FALSE_ALARM) -> float:
        """A rate the true one exceeds with this confidence (Clopper-Pearson, one-sided)."""
        return rate_lower_bound(self.held, self.runs, confidence)


def rate_lower_bound(held: int, runs: int, confidence: float = 1 - FALSE_ALARM) -> float:
    """The smallest rate p for which `held` or more successes in `runs` tries has a chance of at
    least 1 - confidence: below it, what was measured would be too lucky to believe."""
    _check_rate(1 - confidence)
    if not 0 <= held <= runs or runs < 1:
        raise ValueError(f"held must be from 0 to runs, and runs >= 1; not {held} of {runs}.")
    if held == 0:
        return 0.0
    low, high = 0.0, 1.0
    for _ in range(60):  # bisection: binomial_tail rises with p
        mid = (low + high) / 2
        if binomial_tail(runs, held, mid) < 1 - confidence:
            low = mid
        else:
            high = mid
    return low


MEASURED: dict[str, Measured] = {
    # lesson 02
    # Each is checked on one draw (cells 02-30 and 02-34), which a rate's lower bound of 0.999
    # allows: about 7,000 seeds without a miss (tests/test_stats_lesson02_08.py).
    **{claim: Measured(10_000, 10_000,
                       "python scripts/measure_rates.py additivity --seeds 10000")
       for claim in ("linear_stack_additive", "tanh_stack_not_additive")},
    "xor_linear_near_chance": Measured(19_999, 20_000,
                                       "python scripts/measure_rates.py xor_cloud --seeds 20000"),
    "xor_hidden_fits": Measured(20_000, 20_000,
                                "python scripts/measure_rates.py xor_cloud --seeds 20000"),
    # lesson 03
    "xor_solved": Measured(1969, 2000, "python scripts/measure_rates.py xor --seeds 2000"),
    "xor_flat_stretch": Measured(1706, 2000, "python scripts/measure_rates.py xor --seeds 2000"),
    # lesson 04
    # lesson 05
    # One random pair in cell b1298ada; the check needs 1 of 10,000 (tests/test_stats_lesson05.py).
    "ripples_pair_gap_over_half": Measured(
        303, 2000, "python scripts/measure_rates.py ripples_chord --seeds 2000"),
    # One random symmetric n x n matrix of cell ccabd0a4 is a minimum (is not, from 5 on); with
    # 20,000 of each size, its check (shares falling up to 4 dimensions, under 0.01 from 5 on)
    # fails a correct lesson less than once in 1,000 runs (tests/test_stats_lesson05.py).
    **{claim: Measured(held, 5000, "python scripts/measure_rates.py random_hessians --seeds 5000")
       for claim, held in (("hessian_1d_minimum", 2428), ("hessian_2d_minimum", 734),
                           ("hessian_3d_minimum", 119), ("hessian_4d_minimum", 17),
                           ("hessian_5d_not_minimum", 4999), ("hessian_6d_not_minimum", 5000),
                           ("hessian_7d_not_minimum", 5000))},
    # Cell bb22140e, one run with noise from the saddle: it escapes sooner than the run 1e-8 off
    # the ridge, and keeps jittering above the noise-free run's loss. Each is checked on one run,
    # so it must hold in every one of at least 6,905 runs (then the rate's lower bound is 0.999;
    # tests/test_stats_lesson05.py).
    **{claim: Measured(10_000, 10_000, "python scripts/measure_rates.py saddle_noise --seeds 10000")
       for claim in ("saddle_noise_escapes_sooner", "saddle_noise_keeps_jittering")},
    # Sections 3 and 4, the two-moons networks: every check of cells 28c50f47 to c5e0a7d1 on
    # one run of the lesson, in each mode; each must hold in every one of at least 6,905 runs.
    **{f"moons_{mode}_{claim}": Measured(7000, 7000,
                                         "python scripts/measure_rates.py moons --seeds 7000")
       for mode in ("fast", "full")
       for claim in ("accurate", "same_quality", "far_apart", "not_convex", "barrier", "shuffled",
                     "aligned_same_function", "aligned_low", "aligned_closer", "same_on_data",
                     "restart_gain")},
    # lesson 06
    # Cells d70c287e (six draws of the schedules) and 6e4920aa (five draws of the range test):
    # how many draws must go each way follows from these rates, by mode (full runs more steps;
    # a draw takes several seconds there, so fewer were measured and the counts asked are lower).
    **{f"{claim}, fast mode": Measured(held, 2000,
                                       "python scripts/measure_rates.py schedules --seeds 2000")
       for claim, held in (("the constant rate jumps early", 1964),
                           ("warm-up tames the start", 1979),
                           ("decay beats the constant rate", 1998))},
    **{f"{claim}, fast mode": Measured(held, 2000,
                                       "python scripts/measure_rates.py range_test --seeds 2000")
       for claim, held in (("the chosen rate trains, faster than smaller ones", 1986),
                           ("ten times the chosen rate ends higher", 1803))},
    **{f"{claim}, full mode": Measured(held, 300,
                                       "python scripts/measure_rates.py schedules_full --seeds 300")
       for claim, held in (("the constant rate jumps early", 293),
                           ("warm-up tames the start", 296),
                           ("decay beats the constant rate", 300))},
    **{f"{claim}, full mode": Measured(
        held, 1000, "python scripts/measure_rates.py range_test_full --seeds 1000")
       for claim, held in (("the chosen rate trains, faster than smaller ones", 998),
                           ("ten times the chosen rate ends higher", 855))},
    # lesson 07
    "noisy_bowl_lbfgs_doubles": Measured(933, 1000,
                                         "python scripts/measure_rates.py noisy_bowl --seeds 1000"),
    # lesson 08
    # Each is checked on one draw (cells cacac15b, 8679f816, a8cd1d97 and section 7), which a
    # rate's lower bound of 0.999 allows (tests/test_stats_lesson02_08.py).
    **{f"outliers_{claim}_{mode}": Measured(
        10_000, 10_000, f"python scripts/measure_rates.py {group} --seeds 10000")
       for claim in ("mse_fit_is_least_squares", "robust_slopes_near_truth")
       for mode, group in (("fast", "outliers"), ("full", "outliers_full"))},
    **{claim: Measured(10_000, 10_000, "python scripts/measure_rates.py wrong_inputs --seeds 10000")
       for claim in ("softmax_twice_changes_loss", "softmax_twice_shrinks_gradient",
                     "kl_not_symmetric")},
    **{claim: Measured(10_000, 10_000, "python scripts/measure_rates.py lm_loss --seeds 10000")
       for claim in ("lm_unshifted_loss_differs", "lm_rows_differ_in_length",
                     "lm_loss_is_token_mean_not_row_mean", "lm_beats_uniform",
                     "lm_label_gradient_reaches_weights", "lm_label_step_moves_text_loss")},
    "lm_label_worse_than_coin_flip": Measured(
        10_000, 10_000, "python scripts/measure_rates.py label_loss --seeds 10000"),
    # Not checked by the lesson: it fails about once in 1,000 batches on the stand-in.
    "lm_label_harder_than_text": Measured(9_990, 10_000,
                                          "python scripts/measure_rates.py lm_loss --seeds 10000"),
    # lesson 09
    # lesson 10
}


def most_of(n: int, claim: str, false_alarm: float = FALSE_ALARM) -> int:
    """How many of n independent draws a lesson may require to go the way of `claim` (a key of
    MEASURED), so that a correct lesson falls short at most once in 1 / false_alarm runs: the
    binomial count at the measured rate's lower bound (itself held with confidence 1 - FALSE_ALARM).
    """
    if claim not in MEASURED:
        raise KeyError(f"no measured rate for {claim!r}: measure it with scripts/measure_rates.py "
                       "and record it in course_utils.stats.MEASURED.")
    return fewest_wins(n, MEASURED[claim].lower_bound(), false_alarm)


# --- Spreads measured over many seeds ---------------------------------------------------------
#
# Other claims are about a size: "the head gives up more than full fine-tuning does". One draw's
# difference is noisy, so the lesson averages a few draws; how rarely that average lands on the
# wrong side of the claim's bound follows from the mean and spread of one draw's value, measured
# by `scripts/measure_rates.py` over many seeds, in fast mode and in full mode (the lessons run
# other sizes in each).


@dataclass(frozen=True)
class Spread:
    """Mean and standard deviation of one draw's value over `runs` seeds, measured by `command`."""

    mean: float
    sd: float
    runs: int
    command: str
    log: bool = False  # mean and sd are of the value's logarithm (a ratio, skewed on its own)

    def sd_upper(self, confidence: float = 1 - FALSE_ALARM) -> float:
        """A standard deviation the true one stays below with this confidence (chi-square,
        Wilson-Hilferty's approximation of its quantile)."""
        k = self.runs - 1
        z = z_score(1 - confidence, sides=1)
        low_quantile = k * (1 - 2 / (9 * k) - z * math.sqrt(2 / (9 * k))) ** 3
        return self.sd * math.sqrt(k / low_quantile)

    def false_alarm(self, n: int, bound: float, side: str = "above") -> float:
        """How often the mean of n independent draws lands on the wrong side of `bound` (at or
        below it for a claim that the value is above it, at or above it for one that it is
        below) although the claim is true: normal approximation of the mean, with the cautious
        sd_upper."""
        if side not in ("above", "below"):
            raise ValueError(f"side must be 'above' or 'below', not {side!r}.")
        if self.log:
            if not bound > 0:
                raise ValueError(f"a spread of logarithms needs a positive bound, not {bound!r}.")
            bound = math.log(bound)
        z = (bound - self.mean) / (self.sd_upper() / math.sqrt(n))
        return NormalDist().cdf(z if side == "above" else -z)


SPREADS: dict[tuple[str, str], Spread] = {
    # (claim, "fast", "full", or "any" where the cell runs the same in both modes): Spread
    # lesson 04 (sweep ratios: spreads of their logarithms, closer to normal than the ratios)
    ("sweep_steps_ratio", "fast"): Spread(
        2.8712, 0.293944, 300, "python scripts/measure_rates.py batch_sweep --seeds 300", log=True),
    ("sweep_examples_ratio", "fast"): Spread(
        1.67074, 0.17965, 300, "python scripts/measure_rates.py batch_sweep --seeds 300", log=True),
    ("sweep_steps_ratio", "full"): Spread(
        3.33757, 0.198974, 100,
        "COURSE_FAST=0 python scripts/measure_rates.py batch_sweep --seeds 100", log=True),
    ("sweep_examples_ratio", "full"): Spread(
        1.63671, 0.171198, 100,
        "COURSE_FAST=0 python scripts/measure_rates.py batch_sweep --seeds 100", log=True),
    ("advice_loss_gap", "fast"): Spread(
        0.178594, 0.0854797, 300, "python scripts/measure_rates.py batch_advice --seeds 300"),
    ("advice_rate_gap", "fast"): Spread(
        1.14277, 0.448767, 300, "python scripts/measure_rates.py batch_advice --seeds 300"),
    ("advice_loss_gap", "full"): Spread(
        0.215779, 0.0870677, 80,
        "COURSE_FAST=0 python scripts/measure_rates.py batch_advice --seeds 80"),
    ("advice_rate_gap", "full"): Spread(
        1.50057, 0.42619, 80,
        "COURSE_FAST=0 python scripts/measure_rates.py batch_advice --seeds 80"),
    # lesson 07 (cell 92252c11 runs the same in fast and full mode)
    ("adam_small_weight", "any"): Spread(
        0.86322, 0.0624608, 400, "python scripts/measure_rates.py feature_scales --seeds 400"),
    ("sgd_small_weight", "any"): Spread(
        0.096182, 0.0134878, 400, "python scripts/measure_rates.py feature_scales --seeds 400"),
    ("l2_big_weight_lost", "any"): Spread(
        0.000444458, 0.000761541, 400,
        "python scripts/measure_rates.py feature_scales --seeds 400"),
    ("adamw_big_weight_lost_more", "any"): Spread(
        0.0159512, 0.00108593, 400, "python scripts/measure_rates.py feature_scales --seeds 400"),
    ("l2_small_weight_kept", "any"): Spread(
        0.191921, 0.0168172, 400, "python scripts/measure_rates.py feature_scales --seeds 400"),
    ("adamw_small_weight_kept_more", "any"): Spread(
        0.587872, 0.0692319, 400, "python scripts/measure_rates.py feature_scales --seeds 400"),
}


def mean_bound(claim: str, n: int, bound: float, side: str = "above",
               false_alarm: float = FALSE_ALARM) -> float:
    """`bound`, after checking that the mean of n draws of `claim` lands on the wrong side of it
    (below it, or above it for side="below") at most once in 1 / false_alarm runs of a correct
    lesson, in the current mode (COURSE_FAST); a clear error if it would more often, or if the
    spread was never measured. n = 1 checks a single draw against its measured spread."""
    from course_utils import switches

    mode = "fast" if switches.fast() else "full"
    spread = SPREADS.get((claim, mode)) or SPREADS.get((claim, "any"))
    if spread is None:
        raise KeyError(f"no measured spread for {claim!r} in {mode} mode: measure it with "
                       "scripts/measure_rates.py and record it in course_utils.stats.SPREADS.")
    rate = spread.false_alarm(n, bound, side)
    if rate > false_alarm:
        wrong = "below" if side == "above" else "above"
        raise ValueError(f"{claim}: the mean of {n} draws lands {wrong} {bound:g} about once in "
                         f"{1 / rate:,.0f} runs ({mode} mode): more draws, or a looser bound.")
    return bound


def chi_square_lower_limit(df: int, false_alarm: float = FALSE_ALARM) -> float:
    """The value that a chi-square variable with `df` degrees of freedom (a sum of df squared
    standard normal variables) stays above, except with probability false_alarm: a lower limit
    for the squared length of pure noise, in units of its variance.

    A least-squares fit of N points by p parameters, with independent normal noise of standard
    deviation sigma, leaves residuals whose squared length is sigma^2 times such a variable with
    df = N - p: the residual is the noise seen along the N - p directions the fit cannot follow.
    P(X <= x) is the regularized incomplete gamma function P(df/2, x/2), summed as a series.

    >>> round(chi_square_lower_limit(18), 3)   # noise over 20 points, a line fitted
    4.905
    """
    _check_rate(false_alarm)
    if not isinstance(df, int) or df < 1:
        raise ValueError(f"df must be a positive int, not {df!r}.")
    if false_alarm >= 0.5:
        raise ValueError(f"false_alarm must be below 0.5 for a lower limit, not {false_alarm}.")
    half = df / 2

    def below(x: float) -> float:  # P(X <= x), for 0 < x <= df
        t = x / 2
        term = total = 1 / half
        n = 0
        while term > 1e-17 * total:
            n += 1
            term *= t / (half + n)
            total += term
        return math.exp(half * math.log(t) - t - math.lgamma(half)) * total

    low, high = 0.0, float(df)  # the median is below df, and false_alarm < 0.5
    for _ in range(200):
        mid = (low + high) / 2
        if below(mid) < false_alarm:
            low = mid
        else:
            high = mid
    return low
