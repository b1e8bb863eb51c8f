"""The comparison helper."""

import math

import numpy as np
import pytest
import torch

from course_utils.checks import compare


def test_exact_match(capsys):
    result = compare("relu", torch.tensor([0.0, 1.5]), np.array([0.0, 1.5]))
    assert result and result.exact and result.max_diff == 0.0
    line = capsys.readouterr().out
    assert "relu" in line and "exact: True" in line and "max diff: 0" in line


def test_close_but_not_exact():
    result = compare("gelu", torch.tensor([1.0], dtype=torch.float64), [1.0 + 1e-8], atol=1e-6)
    assert result and not result.exact
    assert result.max_diff == pytest.approx(1e-8, rel=1e-3)


def test_far_apart_is_not_close():
    result = compare("grad", [1.0, 2.0], [1.0, 2.1], atol=1e-6)
    assert not result and result.max_diff == pytest.approx(0.1)


def test_relative_tolerance():
    assert compare("big", [1000.0], [1000.5], atol=0.0, rtol=1e-3)
    assert not compare("big", [1000.0], [1002.0], atol=0.0, rtol=1e-3)


def test_nan_never_matches():
    result = compare("nan", [float("nan")], [float("nan")])
    assert not result and math.isnan(result.max_diff)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shapes differ"):
        compare("w", torch.zeros(2, 3), torch.zeros(3, 2))


def test_bad_tolerance_and_types():
    with pytest.raises(ValueError, match="atol and rtol"):
        compare("w", [1.0], [1.0], atol=-1)
    with pytest.raises(TypeError, match="mine must be"):
        compare("w", object(), [1.0])


# --- tolerances from the dtype and the size of the values ----------------------------------


def test_tolerance_follows_dtype_and_scale():
    from course_utils.checks import tolerance

    assert tolerance(torch.float32, 1.0) == pytest.approx(256 * 2**-23)
    assert tolerance(torch.float32, 10.0) == pytest.approx(10 * tolerance(torch.float32, 1.0))
    assert tolerance("bf16", 1.0) > 1000 * tolerance("fp32", 1.0)
    assert tolerance(torch.float64, 1.0, ulps=4) == pytest.approx(4 * 2**-52)
    with pytest.raises(ValueError, match="dtype must be"):
        tolerance(torch.int64)
    with pytest.raises(ValueError, match="scale must be"):
        tolerance(torch.float32, -1.0)


def test_default_tolerance_scales_with_the_values():
    # One float32 rounding on values of size 1000 is ~6e-5: close under the rule...
    x = torch.tensor([1000.0, -3.0])
    assert compare("large logits", x, x.double() + 6e-5)
    # ... but a 1% error is not, and neither is a float64 difference of 1e-9 on values of 1.
    assert not compare("1% off", x, x * 1.01)
    assert not compare("float64", torch.tensor([1.0], dtype=torch.float64),
                       torch.tensor([1.0 + 1e-9], dtype=torch.float64))


def test_zero_reference_needs_an_explicit_scale():
    tiny = torch.tensor([1e-9], dtype=torch.float32)
    assert not compare("residual", tiny, torch.zeros(1), scale=1e-12)
    assert compare("residual", tiny, torch.zeros(1), scale=1.0)


def test_bf16_is_judged_at_bf16_precision():
    exact = torch.tensor([3.14159265])
    rounded = exact.to(torch.bfloat16)
    assert compare("bf16 pi", rounded, exact)
    assert not compare("bf16 pi as fp32", rounded.float(), exact, dtype=torch.float32)


# --- paired comparison of two classifiers --------------------------------------------------


def test_paired_verdicts():
    from course_utils.checks import compare_accuracy

    rng = np.random.default_rng(0)
    base = rng.random(400) < 0.85
    # Identical predictions but for 3 rows: within noise.
    tweak = base.copy()
    tweak[:3] = ~tweak[:3]
    assert compare_accuracy(tweak, base).verdict == "within noise"
    # A fixes 40 of B's mistakes and breaks none: better, and B is worse than A.
    wrong = np.flatnonzero(~base)[:40]
    fixed = base.copy()
    fixed[wrong] = True
    v = compare_accuracy(fixed, base, "fixed", "base")
    assert v.verdict == "better" and v.low > 0 and v.p_value < 1e-6
    assert compare_accuracy(base, fixed).verdict == "worse"


def test_mcnemar_exact_values():
    from course_utils.checks import mcnemar_p_value

    assert mcnemar_p_value(0, 0) == 1.0
    assert mcnemar_p_value(5, 5) == 1.0
    assert mcnemar_p_value(10, 0) == pytest.approx(2 / 2**10)


def test_paired_comparison_rejects_bad_input():
    from course_utils.checks import compare_accuracy

    with pytest.raises(ValueError, match="same rows"):
        compare_accuracy([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="only 0/1"):
        compare_accuracy([0.9, 0.1], [1, 0])


def test_confusion_matrix():
    from course_utils.checks import confusion_matrix

    table = confusion_matrix(torch.tensor([0, 0, 1, 1, 1]), [0, 1, 1, 1, 0])
    assert table.loc["true neg", "predicted neg"] == 1
    assert table.loc["true pos", "predicted neg"] == 1
    assert table.loc["true pos", "predicted pos"] == 2
    assert table.to_numpy().sum() == 5
    with pytest.raises(ValueError, match="classes must be"):
        confusion_matrix([2], [0])


def test_worse_beyond_doubt_is_rare_for_equal_classifiers():
    # Two classifiers that are equally good (each row right with probability 0.8, independently):
    # "worse beyond doubt" must come up at most about once in 1,000 comparisons, while the plain
    # verdict at alpha = 0.05 says "worse" far more often.
    import contextlib
    import io

    from course_utils.checks import compare_accuracy

    rng = np.random.default_rng(0)
    doubted = plain = 0
    trials = 4000
    for _ in range(trials):
        a, b = rng.random(200) < 0.8, rng.random(200) < 0.8
        with contextlib.redirect_stdout(io.StringIO()):
            verdict = compare_accuracy(a, b)
        doubted += verdict.worse_beyond_doubt()
        plain += verdict.verdict == "worse"
    assert doubted / trials <= 2e-3 and plain / trials > 5 * max(doubted, 1) / trials
    clear = compare_accuracy(np.r_[np.zeros(60), np.ones(140)], np.ones(200))
    assert clear.worse_beyond_doubt()
