"""The statistics behind lessons 02 and 08: the chi-square limit on a least-squares residual, and
the measured rates that let a single draw be checked on its own."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import stats

# Claims that lessons 02 and 08 check on one draw, with no aggregate over several: each must have
# been measured often enough, without a miss (or nearly), for one draw to fail at most once in
# 1,000 runs.
SINGLE_DRAW_CLAIMS = [
    "linear_stack_additive", "tanh_stack_not_additive",  # lesson 02, cell 02-30
    "xor_linear_near_chance", "xor_hidden_fits",  # lesson 02, cell 02-34
    "outliers_mse_fit_is_least_squares_fast", "outliers_mse_fit_is_least_squares_full",
    "outliers_robust_slopes_near_truth_fast", "outliers_robust_slopes_near_truth_full",
    "softmax_twice_changes_loss", "softmax_twice_shrinks_gradient", "kl_not_symmetric",
    "lm_unshifted_loss_differs", "lm_rows_differ_in_length", "lm_loss_is_token_mean_not_row_mean",
    "lm_beats_uniform", "lm_label_worse_than_coin_flip", "lm_label_gradient_reaches_weights",
    "lm_label_step_moves_text_loss",
]


@pytest.mark.parametrize("claim", SINGLE_DRAW_CLAIMS)
def test_single_draw_claims_are_measured_well_enough(claim):
    assert claim in stats.MEASURED, f"{claim}: measure it with scripts/measure_rates.py"
    measured = stats.MEASURED[claim]
    assert measured.command.startswith("python scripts/measure_rates.py ")
    # one draw may be required to hold: the measured rate's lower bound fails at most 1 in 1,000
    assert stats.most_of(1, claim) == 1
    assert 1 - measured.lower_bound() <= stats.FALSE_ALARM


def test_chi_square_lower_limit_known_values():
    # two degrees of freedom: P(X <= x) = 1 - exp(-x / 2), so the limit is -2 log(1 - p)
    for p in (1e-3, 0.01, 0.2):
        assert stats.chi_square_lower_limit(2, p) == pytest.approx(-2 * math.log1p(-p), rel=1e-9)
    # tables: the 0.1% point of 18 and 100 degrees of freedom, the 5% point of 1
    assert stats.chi_square_lower_limit(18) == pytest.approx(4.905, abs=5e-4)
    assert stats.chi_square_lower_limit(100) == pytest.approx(61.918, abs=5e-3)
    assert stats.chi_square_lower_limit(1, 0.05) == pytest.approx(0.003932, rel=1e-3)
    # more degrees of freedom, a larger limit; a smaller false-alarm rate, a smaller one
    assert stats.chi_square_lower_limit(19) > stats.chi_square_lower_limit(18)
    assert stats.chi_square_lower_limit(18, 1e-4) < stats.chi_square_lower_limit(18, 1e-3)


def test_chi_square_lower_limit_against_simulated_residuals():
    # lesson 02's setting: 20 points with normal noise, a line fitted by least squares; the
    # squared residual over sigma^2 falls below the limit in about 1 run in 100 at p = 0.01
    rng = np.random.default_rng(2)
    x = np.linspace(-1, 1, 20)
    A = np.stack([np.ones_like(x), x], axis=1)
    noise = rng.normal(scale=0.3, size=(200_000, 20))
    fitted = noise @ A @ np.linalg.inv(A.T @ A) @ A.T
    squared = ((noise - fitted) ** 2).sum(axis=1) / 0.3**2
    share = (squared < stats.chi_square_lower_limit(18, 0.01)).mean()
    assert abs(share - 0.01) < 5 * math.sqrt(0.01 * 0.99 / 200_000)


def test_chi_square_lower_limit_rejects_bad_input():
    with pytest.raises(ValueError):
        stats.chi_square_lower_limit(0)
    with pytest.raises(ValueError):
        stats.chi_square_lower_limit(3.5)
    with pytest.raises(ValueError):
        stats.chi_square_lower_limit(5, 0.6)
    with pytest.raises(ValueError):
        stats.chi_square_lower_limit(5, 0.0)


def test_a_claim_that_misses_too_often_is_not_checked_alone():
    # lesson 08 prints, but does not check, that the label is harder than the text: 10 misses in
    # 10,000 leave a false-alarm rate above 1 in 1,000 possible
    assert stats.most_of(1, "lm_label_harder_than_text") == 0
