"""Exercises of lesson 05: the chord test, classifying a stationary point, permuting hidden
units, and counting restarts. Each checker says in plain words what is wrong."""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

from course_utils.exercises import exercise, expect, float_dtype, is_close
from course_utils.messages import say

# ------------------------------------------------------------------ 1. the chord gap


def chord_gap_solution(f, a, b, t):
    return f(t * a + (1 - t) * b) - (t * f(a) + (1 - t) * f(b))


def _sign_flipped(f, a, b, t):
    return (t * f(a) + (1 - t) * f(b)) - f(t * a + (1 - t) * b)


def _weights_swapped(f, a, b, t):
    return f(t * a + (1 - t) * b) - ((1 - t) * f(a) + t * f(b))


def _midpoint_only(f, a, b, t):
    return f((a + b) / 2) - (f(a) + f(b)) / 2


@exercise(reference=chord_gap_solution, wrong=[_sign_flipped, _weights_swapped, _midpoint_only])
def check_chord_gap(chord_gap) -> None:
    """chord_gap(f, a, b, t) -> f(t a + (1 - t) b) - (t f(a) + (1 - t) f(b))."""
    cases = [
        (lambda w: w**2, -2.0, 1.0, 0.25, "the bowl w**2"),
        (lambda w: w**3, -1.0, 2.0, 0.3, "w**3"),
        (math.sin, 0.5, 2.5, 0.8, "sin"),
        (lambda w: -abs(w), -1.0, 3.0, 0.6, "-|w|"),
    ]
    for f, a, b, t, name in cases:
        answer = chord_gap(f, a, b, t)
        got = float(answer)
        want = chord_gap_solution(f, a, b, t)
        # The gap subtracts values of f of this size: its rounding is relative to them.
        scale = max(abs(f(a)), abs(f(b)), abs(f(t * a + (1 - t) * b)))
        expect(
            is_close(got, want, dtype=float_dtype(answer), scale=scale),
            say("ex.05.chord_gap.wrong", name=name, a=a, b=b, t=t, want=want, got=got),
        )
    gap = chord_gap(lambda w: w**2, torch.tensor([-1.0, 0.0]), torch.tensor([1.0, 2.0]), 0.5)
    expect(
        torch.is_tensor(gap) and tuple(gap.shape) == (2,),
        say("ex.05.chord_gap.not_elementwise"),
    )


# ------------------------------------------------------- 2. classify a stationary point


def classify_stationary_point_solution(hessian) -> str:
    eigenvalues = torch.linalg.eigvalsh(torch.as_tensor(hessian, dtype=torch.float64))
    if (eigenvalues > 0).all():
        return "minimum"
    if (eigenvalues < 0).all():
        return "maximum"
    return "saddle"


def _diagonal_only(hessian):
    d = torch.diagonal(torch.as_tensor(hessian, dtype=torch.float64))
    return "minimum" if (d > 0).all() else "maximum" if (d < 0).all() else "saddle"


def _determinant_only(hessian):
    det = torch.linalg.det(torch.as_tensor(hessian, dtype=torch.float64))
    return "minimum" if det > 0 else "saddle"


def _trace_only(hessian):
    tr = torch.trace(torch.as_tensor(hessian, dtype=torch.float64))
    return "minimum" if tr > 0 else "maximum"


def _determinant_and_trace_2d_rule(hessian):
    # Right for 2x2 matrices only: det < 0 means one eigenvalue of each sign.
    h = torch.as_tensor(hessian, dtype=torch.float64)
    if torch.linalg.det(h) < 0:
        return "saddle"
    return "minimum" if torch.trace(h) > 0 else "maximum"


@exercise(
    reference=classify_stationary_point_solution,
    wrong=[_diagonal_only, _determinant_only, _trace_only, _determinant_and_trace_2d_rule],
)
def check_classify_stationary_point(classify_stationary_point) -> None:
    """classify_stationary_point(hessian) -> 'minimum', 'maximum' or 'saddle'."""
    cases = [
        ([[2.0, 0.0], [0.0, 10.0]], "a bowl"),
        ([[2.0, 0.0], [0.0, -4.0]], "landscapes.saddle() at (0, 0)"),
        ([[-1.0, 0.0], [0.0, -3.0]], "a hilltop"),
        ([[1.0, 2.0], [2.0, 1.0]], "[[1, 2], [2, 1]] (positive diagonal, eigenvalues 3 and -1)"),
        ([[-2.0, 0.5], [0.5, -1.0]], "a tilted hilltop"),
        ([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, -0.5]], "a 3-D saddle"),
        ([[3.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 3.0]], "a 3-D bowl"),
        ([[-1.0, 0.0, 0.0], [0.0, -2.0, 0.0], [0.0, 0.0, -3.0]], "a 3-D hilltop"),
        ([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]], "a 3-D saddle, two down"),
    ]
    for hessian, name in cases:
        got = classify_stationary_point(torch.tensor(hessian))
        want = classify_stationary_point_solution(hessian)
        expect(
            got == want,
            say("ex.05.classify_stationary_point.wrong", name=name, want=want, got=got),
        )


# ------------------------------------------------------------ 3. permute hidden units


def permute_hidden_units_solution(W1, b1, W2, b2, perm):
    return W1[perm], b1[perm], W2[:, perm], b2


def _forgets_bias(W1, b1, W2, b2, perm):
    return W1[perm], b1, W2[:, perm], b2


def _rows_of_w2(W1, b1, W2, b2, perm):
    return W1[perm], b1[perm], W2, b2


def _columns_of_w1(W1, b1, W2, b2, perm):
    return W1[:, perm] if W1.shape[1] == len(perm) else W1, b1, W2[:, perm], b2


@exercise(
    reference=permute_hidden_units_solution,
    wrong=[_forgets_bias, _rows_of_w2, _columns_of_w1],
)
def check_permute_hidden_units(permute_hidden_units) -> None:
    """permute_hidden_units(W1, b1, W2, b2, perm) -> reordered weights, same function."""
    g = torch.Generator().manual_seed(0)
    for d, h, k in ((2, 5, 1), (3, 4, 2), (4, 4, 3)):
        W1, b1 = torch.randn(h, d, generator=g), torch.randn(h, generator=g)
        W2, b2 = torch.randn(k, h, generator=g), torch.randn(k, generator=g)
        perm = torch.randperm(h, generator=g)
        while torch.equal(perm, torch.arange(h)):
            perm = torch.randperm(h, generator=g)
        got = permute_hidden_units(W1.clone(), b1.clone(), W2.clone(), b2.clone(), perm)
        expect(
            isinstance(got, (tuple, list)) and len(got) == 4,
            say("ex.05.permute_hidden_units.not_four"),
        )
        # Reordering float32 weights is exact, so NumPy or float64 answers are taken as float32.
        P1, c1, P2, c2 = (
            torch.as_tensor(t if torch.is_tensor(t) else np.asarray(t)).detach().to(W1.dtype)
            for t in got
        )
        expect(
            P1.shape == W1.shape and c1.shape == b1.shape and P2.shape == W2.shape,
            say("ex.05.permute_hidden_units.wrong_shapes"),
        )
        x = torch.randn(10, d, generator=g)
        before = torch.tanh(x @ W1.T + b1) @ W2.T + b2
        after = torch.tanh(x @ P1.T + c1) @ P2.T + c2
        # Permuted, the same float32 terms are summed in another order: the results differ by
        # rounding relative to the largest value those sums can reach (all terms positive).
        scale = float(((x.abs() @ W1.abs().T + b1.abs()) @ W2.abs().T + b2.abs()).max())
        expect(
            is_close(before, after, dtype=torch.float32, scale=scale),
            say("ex.05.permute_hidden_units.different_function"),
        )
        expect(not torch.equal(P1, W1), say("ex.05.permute_hidden_units.unchanged"))


# ------------------------------------------------------------------- 4. restarts


def restarts_needed_solution(p: float, risk: float) -> int:
    k = 1
    while (1 - p) ** k > risk:
        k += 1
    return k


def _linear_guess(p, risk):
    return max(1, math.ceil((1 - risk) / p))


def _off_by_one(p, risk):
    return restarts_needed_solution(p, risk) - 1 or 1


def _uses_p_not_miss(p, risk):
    k = 1
    while p**k > risk:
        k += 1
    return k


@exercise(reference=restarts_needed_solution, wrong=[_linear_guess, _off_by_one, _uses_p_not_miss])
def check_restarts_needed(restarts_needed) -> None:
    """restarts_needed(p, risk) -> smallest k with (1 - p)**k <= risk."""
    for p, risk in ((0.5, 0.01), (0.2, 0.05), (0.3, 0.3), (0.9, 0.5), (0.05, 0.01), (0.7, 0.2)):
        got = restarts_needed(p, risk)
        want = restarts_needed_solution(p, risk)
        expect(
            isinstance(got, numbers.Integral) and not isinstance(got, (bool, np.bool_)),
            say("ex.05.restarts_needed.not_an_int", type=type(got).__name__),
        )
        got = int(got)
        expect(
            got == want,
            say("ex.05.restarts_needed.wrong", p=p, risk=risk, want=want, got=got),
        )
