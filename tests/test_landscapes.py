"""Landscapes and descent paths."""

import math

import numpy as np
import pytest
import torch

from course_utils import landscapes as ls
from course_utils.checks import tolerance
from course_utils.plots import plot_loss_per_step, plot_paths_on_contours

ALL = [ls.quadratic(), ls.rosenbrock(), ls.beale(), ls.himmelblau(), ls.saddle()]


@pytest.mark.parametrize("land", ALL, ids=lambda land: land.name)
def test_minima_are_stationary_points_inside_the_window(land):
    for point in land.minima:
        w = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        land(w).backward()
        # The minima are given to 6 decimals, so each coordinate is within 5e-7 of the true
        # one, and the gradient within |H| of that distance (Taylor; twice it for the Hessian
        # changing nearby), plus float64 rounding of the gradient's terms.
        hessian = torch.autograd.functional.hessian(land, w.detach())
        size = float(torch.linalg.matrix_norm(hessian, ord=2))
        bound = 2 * size * 5e-7 * math.sqrt(2) + tolerance(torch.float64, size * (1 + max(
            map(abs, point))))
        assert w.grad.norm() <= bound, (land.name, point, w.grad, bound)
        assert land.xlim[0] < point[0] < land.xlim[1] and land.ylim[0] < point[1] < land.ylim[1]


@pytest.mark.parametrize("land", ALL, ids=lambda land: land.name)
def test_grid_matches_pointwise_values(land):
    X, Y, Z = land.grid(n=11)
    assert Z.shape == (11, 11)
    one = float(land(torch.tensor([X[3, 7], Y[3, 7]])))  # the same float64 formula, one point
    assert abs(Z[3, 7] - one) <= tolerance(torch.float64, abs(one))


def test_plain_gradient_descent_matches_the_update_rule():
    bowl = ls.quadratic(a=1.0, b=10.0)
    path = ls.descend(bowl, (1.0, 1.0), steps=3, lr=0.05)
    # On this bowl, one step multiplies w1 by (1 - lr*a) and w2 by (1 - lr*b).
    expected = np.array([[(1 - 0.05) ** k, (1 - 0.5) ** k] for k in range(4)])
    # three float64 steps against the closed form: a few ulps of values at most 1
    np.testing.assert_allclose(path.points, expected, atol=tolerance(torch.float64, 1.0), rtol=0)
    assert path.losses[-1] < path.losses[0]


def test_descent_diverges_above_the_stability_limit():
    bowl = ls.quadratic(a=1.0, b=10.0)  # limit 2 / 10 = 0.2
    assert ls.descend(bowl, (1.0, 1.0), steps=200, lr=0.19).losses[-1] < 1e-6
    assert ls.descend(bowl, (1.0, 1.0), steps=200, lr=0.21).losses[-1] > 1e3


def test_torch_optimizers_and_lbfgs_closure():
    ros = ls.rosenbrock()
    adam = ls.descend(ros, (-1.5, 2.0), steps=2000, lr=0.05, optimizer=torch.optim.Adam)
    lbfgs = ls.descend(ros, (-1.5, 2.0), steps=30, lr=1.0, optimizer=torch.optim.LBFGS)
    for path in (adam, lbfgs):
        assert np.allclose(path.end, [1.0, 1.0], atol=1e-2)
    assert len(lbfgs.points) == 31


def test_noise_is_seeded_and_moves_off_the_saddle():
    sad = ls.saddle()
    still = ls.descend(sad, (0.0, 0.0), steps=100, lr=0.05)
    # exactly on the saddle the gradient is exactly zero: the point never moves
    np.testing.assert_array_equal(still.end, [0.0, 0.0])
    a = ls.descend(sad, (0.0, 0.0), steps=100, lr=0.05, noise=0.01, seed=1)
    b = ls.descend(sad, (0.0, 0.0), steps=100, lr=0.05, noise=0.01, seed=1)
    np.testing.assert_array_equal(a.points, b.points)
    assert abs(abs(a.end[1]) - 1) < 0.05


def test_divergence_stops_early_with_the_path_so_far():
    path = ls.descend(ls.quadratic(), (1.0, 1.0), steps=10_000, lr=5.0)
    assert not math.isfinite(path.losses[-1]) and len(path.losses) < 10_001


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ls.descend(ls.quadratic(), (1, 1), steps=5), "positive lr"),
        (lambda: ls.descend(ls.quadratic(), (1, 1, 1), steps=5, lr=0.1), "start must be a point"),
        (lambda: ls.descend(ls.quadratic(), (1, 1), steps=-1, lr=0.1), "steps must be"),
        (lambda: ls.quadratic(a=-1), "must be positive"),
        (lambda: ls.quadratic()(torch.zeros(3)), "2 coordinates"),
    ],
)
def test_bad_arguments_give_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_path_plots_are_labelled():
    bowl = ls.quadratic()
    paths = {"lr 0.1": ls.descend(bowl, (1.5, 1.5), steps=20, lr=0.1)}
    ax = plot_paths_on_contours(bowl, paths)
    assert ax.get_xlabel() == "$w_1$" and "contours" in ax.get_title()
    ax = plot_loss_per_step(paths)
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "step"


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(start=(float("inf"), 0.0), lr=0.1), "finite point"),
    (dict(start=(0.0, 0.0), lr=float("nan")), "finite number"),
])
def test_descend_refuses_non_finite_inputs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ls.descend(ls.quadratic(), steps=5, **kwargs)
