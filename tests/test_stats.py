"""The statistics behind the self-checks: each threshold fails a correct lesson as rarely as it
says, shown by simulation where the derivation is not textbook."""

import math

import numpy as np
import pytest

from course_utils import stats


def test_z_scores_are_the_normal_quantiles():
    assert stats.z_score(0.05) == pytest.approx(1.960, abs=1e-3)
    assert stats.z_score(1e-3) == pytest.approx(3.291, abs=1e-3)
    assert stats.z_score(1e-3, sides=1) == pytest.approx(3.090, abs=1e-3)
    # Bonferroni: ten checks share the budget
    assert stats.normal_limit(2.0, 1e-3, checks=10) == pytest.approx(2 * stats.z_score(1e-4))


def test_mean_interval_holds_the_true_mean_as_often_as_it_says():
    # 20,000 intervals at a 1% miss rate (1 in 1,000 would need far more draws to see): the
    # share that miss the true mean (1, for exponential samples: skewed, like squared errors)
    rng = np.random.default_rng(0)
    samples = rng.exponential(1.0, size=(20_000, 400))
    means, sds = samples.mean(1), samples.std(1, ddof=1)
    half = stats.z_score(0.01) * sds / math.sqrt(400)
    missed = np.mean(np.abs(means - 1.0) > half)
    assert 0.005 < missed < 0.02
    low, high = stats.mean_interval(samples[0])
    assert low < means[0] < high


def test_squared_miss_limit_bounds_any_spread_of_variances():
    # |m|^2 for a normal m with variances lambda_i (summing to 1): one large and many small
    # components, or all equal. The share above the limit stays at or below the stated rate.
    rng = np.random.default_rng(1)
    limit = stats.squared_miss_limit(1.0, false_alarm=0.01)
    assert limit == pytest.approx(stats.z_score(0.01) ** 2)
    for weights in (np.array([1.0]), np.array([0.9] + [0.1 / 32] * 32), np.full(33, 1 / 33)):
        draws = (rng.standard_normal((200_000, weights.size)) ** 2) @ weights
        assert np.mean(draws > limit) <= 0.01 * 1.1, weights.size


def test_binomial_and_sign_test():
    assert stats.binomial_tail(6, 6, 0.5) == pytest.approx(1 / 64)
    assert stats.binomial_tail(10, 0, 0.3) == pytest.approx(1.0)
    assert stats.sign_test_p(6, 6) == pytest.approx(2 / 64)
    assert stats.sign_test_p(5, 6) == pytest.approx(2 * 7 / 64)
    assert stats.sign_test_p(0, 6) == stats.sign_test_p(6, 6)


def test_fewest_wins_keeps_a_correct_lesson_passing():
    k = stats.fewest_wins(10, 0.98)
    assert 1 - stats.binomial_tail(10, k, 0.98) <= 1e-3
    assert 1 - stats.binomial_tail(10, k + 1, 0.98) > 1e-3  # the strictest that does
    assert stats.fewest_wins(6, 1.0) == 6


@pytest.mark.parametrize(("call", "message"), [
    (lambda: stats.z_score(0), "false_alarm must be a probability"),
    (lambda: stats.z_score(0.01, sides=3), "sides must be 1"),
    (lambda: stats.mean_interval([1.0] * 10), "at least 100 samples"),
    (lambda: stats.squared_miss_limit(-1), "expected must be > 0"),
    (lambda: stats.squared_miss_limit(1, false_alarm=0.5), "too large for this bound"),
    (lambda: stats.sign_test_p(7, 6), "wins must be an int from 0 to n"),
    (lambda: stats.normal_limit(1.0, checks=0), "checks must be a positive int"),
])
def test_bad_arguments_give_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
