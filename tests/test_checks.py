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
