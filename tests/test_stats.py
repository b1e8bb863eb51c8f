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


def test_rate_lower_bound_and_most_of():
    # Clopper-Pearson: 60 of 60 puts the rate above 0.891 with 99.9% confidence (0.001^(1/60))
    assert stats.rate_lower_bound(60, 60) == pytest.approx(0.001 ** (1 / 60), rel=1e-6)
    low = stats.rate_lower_bound(1969, 2000)
    assert 0.95 < low < 1969 / 2000
    assert stats.binomial_tail(2000, 1969, low) == pytest.approx(1e-3, rel=1e-3)
    for claim, measured in stats.MEASURED.items():  # every recorded rate gives a usable count
        k = stats.most_of(20, claim)
        assert 1 - stats.binomial_tail(20, k, measured.lower_bound()) <= stats.FALSE_ALARM
    with pytest.raises(KeyError, match="no measured rate"):
        stats.most_of(10, "no such claim")


def test_mean_bound_refuses_a_bound_too_close_to_the_mean(monkeypatch):
    monkeypatch.setitem(stats.SPREADS, ("toy", "fast"), stats.Spread(1.5, 0.5, 200, "test"))
    monkeypatch.setenv("COURSE_FAST", "1")
    assert stats.mean_bound("toy", 3, 0.0) == 0.0  # over 4 (cautious) standard errors below
    with pytest.raises(ValueError, match="more draws, or a looser bound"):
        stats.mean_bound("toy", 3, 1.0)
    monkeypatch.setenv("COURSE_FAST", "0")
    with pytest.raises(KeyError, match="in full mode"):
        stats.mean_bound("toy", 3, 0.0)


def test_spread_false_alarm_matches_a_simulation():
    # Means of 3 normal draws (mean 1, sd 0.5) below 0.2: the normal formula's rate, which the
    # cautious sd_upper makes larger, never smaller.
    spread = stats.Spread(1.0, 0.5, 10_000, "test")
    rng = np.random.default_rng(2)
    simulated = np.mean(rng.normal(1.0, 0.5, size=(400_000, 3)).mean(1) <= 0.2)
    assert simulated <= spread.false_alarm(3, 0.2) <= 1.2 * simulated


def test_mean_bound_on_either_side(monkeypatch):
    monkeypatch.setitem(stats.SPREADS, ("toy", "any"), stats.Spread(0.1, 0.01, 400, "test"))
    assert stats.mean_bound("toy", 1, 0.2, side="below") == 0.2  # 10 sds above the mean: safe
    with pytest.raises(ValueError, match="lands above"):
        stats.mean_bound("toy", 1, 0.11, side="below")
    with pytest.raises(ValueError, match="side must be"):
        stats.SPREADS[("toy", "any")].false_alarm(1, 0.2, side="sideways")


def test_a_spread_of_logarithms_takes_the_bound_as_a_ratio():
    ratio = stats.Spread(math.log(18.0), 0.25, 300, "test", log=True)
    assert ratio.false_alarm(1, 4.0) < 1e-6  # 4 is far below 18 on this scale
    assert ratio.false_alarm(1, 18.0) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="positive bound"):
        ratio.false_alarm(1, 0.0)
