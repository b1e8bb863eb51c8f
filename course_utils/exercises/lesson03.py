"""Exercises of lesson 03: a gradient by hand, a numerical gradient, a step size that converges,
and a gradient-descent loop that knows when to stop. Each checker says what is wrong."""

from __future__ import annotations

import math
import numbers

import torch

from course_utils.checks import tolerance
from course_utils.exercises import Mismatch, as_number, exercise, expect, float_dtype, is_close
from course_utils.landscapes import descend, quadratic
from course_utils.messages import say


def _tensor(value, what: str) -> torch.Tensor:
    try:
        return torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as err:
        raise Mismatch(say("ex.03.shared.not_a_tensor", what=what,
                           type=type(value).__name__)) from err


# --------------------------------------------- 1. the gradient of one sigmoid neuron, by hand


def neuron_gradient_solution(w: float, b: float, x: torch.Tensor, y: torch.Tensor):
    p = 1 / (1 + torch.exp(-(w * x + b)))  # prediction σ(w x + b)
    dp = 2 * (p - y) / len(x)  # dL/dp for L = mean((p - y)²)
    dz = dp * p * (1 - p)  # σ'(z) = σ(z)(1 - σ(z))
    return (dz * x).sum(), dz.sum()


def _forgets_sigmoid_slope(w, b, x, y):
    p = 1 / (1 + torch.exp(-(w * x + b)))
    dz = 2 * (p - y) / len(x)
    return (dz * x).sum(), dz.sum()


def _sum_not_mean(w, b, x, y):
    dw, db = neuron_gradient_solution(w, b, x, y)
    return dw * len(x), db * len(x)


def _forgets_the_two(w, b, x, y):
    dw, db = neuron_gradient_solution(w, b, x, y)
    return dw / 2, db / 2


def _wrong_sign(w, b, x, y):
    dw, db = neuron_gradient_solution(w, b, x, y)
    return -dw, -db


def _neuron_loss(w, b, x, y):
    return ((torch.sigmoid(w * x + b) - y) ** 2).mean()


def neuron_gradient_scale(w, b, x, y) -> float:
    """The size of what dL/dw and dL/db add up: N terms |dL/dz_i| (|x_i| and 1). Their rounding
    is relative to this total, which can be far larger than the gradient itself."""
    p = torch.sigmoid(w * x + b)
    dz = 2 * (p - y) / len(x) * p * (1 - p)
    return float((dz.abs() * (x.abs() + 1)).sum())


def _swapped(w, b, x, y):
    dw, db = neuron_gradient_solution(w, b, x, y)
    return db, dw


def _slope_taken_at_p(w, b, x, y):
    p = 1 / (1 + torch.exp(-(w * x + b)))
    s = 1 / (1 + torch.exp(-p))  # σ'(p) instead of σ'(z)
    dz = 2 * (p - y) / len(x) * s * (1 - s)
    return (dz * x).sum(), dz.sum()


def _forgets_x(w, b, x, y):
    _, db = neuron_gradient_solution(w, b, x, y)
    return db, db


def _uses_autograd_neuron(w, b, x, y):
    wt = torch.tensor(float(w), dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    _neuron_loss(wt, bt, x, y).backward()
    return wt.grad, bt.grad


def _autograd_is_off(err: RuntimeError) -> Mismatch:
    return Mismatch(say("ex.03.neuron_gradient.autograd_off", error=err))


@exercise(
    reference=neuron_gradient_solution,
    wrong=[_forgets_sigmoid_slope, _sum_not_mean, _forgets_the_two, _wrong_sign, _swapped,
           _slope_taken_at_p, _forgets_x, _uses_autograd_neuron],
)
def check_neuron_gradient(neuron_gradient) -> None:
    """neuron_gradient(w, b, x, y) -> (dL/dw, dL/db) for L = mean((σ(w·x + b) − y)²)."""
    generator = torch.Generator().manual_seed(3)
    for w, b, n in [(0.5, -0.2, 8), (-1.5, 0.7, 20), (2.0, 0.0, 5)]:
        x = torch.randn(n, generator=generator, dtype=torch.float64)
        y = (torch.rand(n, generator=generator, dtype=torch.float64) > 0.5).to(torch.float64)
        try:
            with torch.inference_mode():  # the brief says by hand: autograd cannot record here
                result = neuron_gradient(w, b, x.clone(), y.clone())
        except RuntimeError as err:
            if "grad" not in str(err):
                raise
            raise _autograd_is_off(err) from err
        expect(isinstance(result, tuple | list) and len(result) == 2,
               say("ex.03.neuron_gradient.not_a_pair"))
        dtype = float_dtype(*result)
        got = torch.stack([_tensor(r, "dL_dw and dL_db").reshape(()).clone() for r in result])
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        _neuron_loss(wt, bt, x, y).backward()
        want = torch.stack([wt.grad, bt.grad])
        scale = neuron_gradient_scale(w, b, x, y)
        if is_close(got, want, dtype=dtype, scale=scale):
            continue
        hint = say("ex.03.neuron_gradient.hint")
        p = torch.sigmoid(w * x + b)
        dz = 2 * (p - y) / n
        if is_close(got, -want, dtype=dtype, scale=scale):
            hint = say("ex.03.neuron_gradient.wrong_sign")
        elif is_close(got, want * n, dtype=dtype, scale=n * scale):
            hint = say("ex.03.neuron_gradient.sum_not_mean", n=n)
        elif is_close(got, want / 2, dtype=dtype, scale=scale):
            hint = say("ex.03.neuron_gradient.half")
        elif is_close(got, torch.stack([(dz * x).sum(), dz.sum()]), dtype=dtype,
                      scale=float((dz.abs() * (x.abs() + 1)).sum())):
            hint = say("ex.03.neuron_gradient.sigmoid_slope_missing")
        elif is_close(got, want.flip(0), dtype=dtype, scale=scale):
            hint = say("ex.03.neuron_gradient.swapped")
        elif is_close(got, torch.stack(list(_slope_taken_at_p(w, b, x, y))), dtype=dtype,
                      scale=scale):
            hint = say("ex.03.neuron_gradient.slope_taken_at_p")
        elif is_close(got[0], want[1], dtype=dtype, scale=scale):
            hint = say("ex.03.neuron_gradient.x_missing")
        elif is_close(got, want * n / 2, dtype=dtype, scale=n * scale):
            hint = say("ex.03.neuron_gradient.sum_and_half", n=n)
        expect(
            False,
            say("ex.03.neuron_gradient.wrong", w=w, b=b, got_w=float(got[0]),
                got_b=float(got[1]), want_w=float(want[0]), want_b=float(want[1]), hint=hint),
        )


# --------------------------------------------------- 2. a gradient by finite differences


def numerical_gradient_solution(f, w: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    grad = torch.zeros_like(w)
    for j in range(len(w)):
        step = torch.zeros_like(w)
        step[j] = h
        grad[j] = (f(w + step) - f(w - step)) / (2 * h)  # central difference
    return grad


def _forward_difference(f, w, h=1e-4):
    grad = torch.zeros_like(w)
    for j in range(len(w)):
        step = torch.zeros_like(w)
        step[j] = h
        grad[j] = (f(w + step) - f(w)) / h
    return grad


def _divides_by_h(f, w, h=1e-5):
    return 2 * numerical_gradient_solution(f, w, h)


def _moves_w_and_forgets(f, w, h=1e-5):
    grad = torch.zeros_like(w)
    for j in range(len(w)):
        w[j] += h
        up = f(w)
        w[j] -= 2 * h
        grad[j] = (up - f(w)) / (2 * h)  # w[j] is left h below where it was
    return grad


def _uses_autograd(f, w):
    w = w.clone().requires_grad_(True)
    f(w).backward()  # fails: f is a black box, with no graph for autograd to follow
    return w.grad


def _steps_too_small(f, w):
    return numerical_gradient_solution(f, w, 1e-10)  # rounding of f, divided by 2h, dominates


def _forward_difference_tiny_step(f, w):
    return _forward_difference(f, w, 1e-7)  # accurate enough to hide, but not central


def _all_coordinates_at_once(f, w, h=1e-5):
    step = torch.full_like(w, h)
    return torch.full_like(w, float((f(w + step) - f(w - step)) / (2 * h)))


def nudge_and_restore(f, w, h=1e-5):
    """Correct: move w[j] up, down, and back (w[j] may end one ulp off, which is harmless)."""
    grad = torch.zeros_like(w)
    for j in range(len(w)):
        w[j] += h
        up = f(w)
        w[j] -= 2 * h
        down = f(w)
        w[j] += h
        grad[j] = (up - down) / (2 * h)
    return grad


class _BlackBox:
    """fn on plain Python floats, so autograd cannot see inside it; it records where it is
    evaluated, so the checker can tell which difference and which step h were used."""

    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, w):
        point = torch.as_tensor(w).detach().to(torch.float64).reshape(-1).clone()
        self.calls.append(point)
        return torch.tensor(self.fn(point.tolist()), dtype=torch.float64)


def _black_box(fn):
    return _BlackBox(fn)


# (formula on floats, the same formula in torch for the exact gradient, point, name)
_TEST_FUNCTIONS = [
    (
        lambda v: sum(math.exp(3 * t) for t in v),
        lambda w: torch.exp(3 * w).sum(),
        [1.0, -0.5, 0.2],
        "sum(exp(3·w))",
    ),
    (
        lambda v: v[0] ** 2 * v[1] + math.sin(v[1]),
        lambda w: w[0] ** 2 * w[1] + torch.sin(w[1]),
        [1.5, -2.0],
        "w0²·w1 + sin(w1)",
    ),
    (
        lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2,
        lambda w: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2,
        [-1.2, 1.0],
        "Rosenbrock",
    ),
]


def _exact_gradient(torch_fn, point):
    w = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    torch_fn(w).backward()
    return w.grad


# Central differences with any step in this range are accepted (h near 1e-5 is best; 1e-3, a
# common textbook step, is still good to about 1e-6 of the slopes here).
STEP_RANGE = (1e-6, 1e-3)


def central_difference_error_bound(fn, torch_fn, point) -> torch.Tensor:
    """How far (f(w + h e_j) - f(w - h e_j)) / 2h can be from df/dw_j in float64, for any h in
    STEP_RANGE: one bound per coordinate, from two sources.

    - Truncation: by Taylor's theorem the central difference is off by h²/6 |d³f/dw_j³| at a
      point within h of w; we take twice its value at w (it changes far less within 1e-3).
    - Rounding: each value of f is good to 256 ulps of |f| (the rule of course_utils.checks),
      and w ± h is rounded to an ulp of |w|, which changes the step; both are divided by h.
    """
    h_min, h_max = STEP_RANGE
    w = torch.tensor(point, dtype=torch.float64)
    third = torch.autograd.functional.jacobian(
        lambda v: torch.autograd.functional.hessian(torch_fn, v, create_graph=True), w
    )
    f_third = torch.stack([third[j, j, j] for j in range(len(w))]).abs()  # d³f/dw_j³
    slope = _exact_gradient(torch_fn, point).abs()
    eps = torch.finfo(torch.float64).eps
    truncation = 2 * h_max**2 / 6 * f_third
    rounding = (tolerance(torch.float64, abs(fn(point))) + eps * (w.abs() + h_max) * slope) / h_min
    return truncation + rounding


def steps_taken(calls: list[torch.Tensor], w: torch.Tensor) -> tuple[str, float]:
    """How f was evaluated around w: 'central' (w ± h·e_j), 'one-sided' (w and w + h·e_j),
    'many' (a call moved several coordinates at once) or '' (none moved); and the smallest h."""
    moves = [c - w for c in calls if c.shape == w.shape]
    negligible = 1e-12 * (float(w.abs().max()) + 1)  # a restored coordinate may be an ulp off
    if any(int((m.abs() > negligible).sum()) > 1 for m in moves):
        return "many", 0.0
    kinds, steps = set(), []
    for j in range(len(w)):
        along = [float(m[j]) for m in moves if abs(float(m[j])) > negligible]
        if along:
            steps.extend(abs(a) for a in along)
            kinds.add("central" if min(along) < 0 < max(along) else "one-sided")
    kind = "one-sided" if "one-sided" in kinds else ("central" if kinds else "")
    return kind, min(steps, default=0.0)


@exercise(
    reference=numerical_gradient_solution,
    wrong=[_forward_difference, _forward_difference_tiny_step, _divides_by_h,
           _moves_w_and_forgets, _uses_autograd, _steps_too_small, _all_coordinates_at_once],
)
def check_numerical_gradient(numerical_gradient) -> None:
    """numerical_gradient(f, w) -> the gradient of f at w (a 1-D float64 tensor), by central
    differences; f takes a tensor like w and returns a number."""
    lo, hi = STEP_RANGE
    for fn, torch_fn, point, name in _TEST_FUNCTIONS:
        f = _black_box(fn)
        w = torch.tensor(point, dtype=torch.float64)
        before = w.clone()
        try:
            answer = numerical_gradient(f, w)
            got = _tensor(answer, "the gradient")
        except RuntimeError as err:
            if "grad" not in str(err):
                raise
            raise Mismatch(say("ex.03.numerical_gradient.autograd_off", error=err)) from err
        # Moving w[j] up, down and back may leave it an ulp off: within the rule, so accepted.
        expect(
            is_close(w, before),
            say("ex.03.numerical_gradient.changed_w", w=w.tolist()),
        )
        expect(got.shape == w.shape,
               say("ex.03.numerical_gradient.wrong_shape", shape=tuple(w.shape)))
        kind, h = steps_taken(f.calls, before)
        expect(kind != "many", say("ex.03.numerical_gradient.many_at_once"))
        expect(kind != "one-sided", say("ex.03.numerical_gradient.one_sided", h=h))
        expect(
            kind != "central" or h >= lo * (1 - 1e-9),
            say("ex.03.numerical_gradient.step_too_small", h=h, low=lo, high=hi),
        )
        expect(
            kind != "central" or h <= hi * (1 + 1e-9),
            say("ex.03.numerical_gradient.step_too_large", h=h, low=lo, high=hi),
        )
        want = _exact_gradient(torch_fn, point)
        bound = central_difference_error_bound(fn, torch_fn, point)
        dtype = float_dtype(answer)  # a float32 result adds its own rounding of the slopes
        if is_close(got, 2 * want, dtype=dtype, scale=2 * want.abs(), atol=2 * bound):
            expect(False, say("ex.03.numerical_gradient.twice", name=name))
        expect(
            is_close(got, want, dtype=dtype, scale=want.abs(), atol=bound),
            say("ex.03.numerical_gradient.wrong", name=name, point=point,
                got=[round(float(g), 6) for g in got], want=[round(float(g), 6) for g in want]),
        )


# ------------------------------------------------ 3. a step size that converges on a bowl

# Steep along w2, equal, and steep along w1: an answer tuned to one coordinate fails somewhere.
BOWLS = [(1.0, 10.0), (1.0, 4.0), (3.0, 30.0), (2.0, 2.0), (0.5, 6.0), (10.0, 1.0), (6.0, 0.5)]
BOWL_START, BOWL_STEPS, BOWL_DROP = (1.5, 1.5), 300, 1e-10


def learning_rate_for_bowl_solution(a: float, b: float) -> float:
    # GD on (a w1² + b w2²)/2 multiplies w1 by (1 − ηa) and w2 by (1 − ηb) each step: both
    # factors must lie inside (−1, 1), so η < 2/max(a, b). η = 2/(a + b) makes them equal
    # in size, (b − a)/(b + a), the fastest plain gradient descent can do on this bowl.
    return 2 / (a + b)


def _fixed_step(a, b):
    return 0.1


def _right_at_the_edge(a, b):
    return 2 / max(a, b)


def _tuned_to_the_flat_direction(a, b):
    return 1 / min(a, b)


def _timid(a, b):
    return 1e-3


def _one_over_b(a, b):
    return 1 / b  # fine while b is the steeper side; diverges on (10, 1)


@exercise(
    reference=learning_rate_for_bowl_solution,
    wrong=[_fixed_step, _right_at_the_edge, _tuned_to_the_flat_direction, _timid, _one_over_b],
)
def check_learning_rate_for_bowl(learning_rate_for_bowl) -> None:
    """learning_rate_for_bowl(a, b) -> a learning rate with which plain gradient descent on
    L = (a·w1² + b·w2²)/2 brings the loss down by a factor 1e10 within 300 steps."""
    for a, b in BOWLS:
        answer = learning_rate_for_bowl(a, b)
        lr = as_number(answer)  # a Python or NumPy number, or a one-element tensor
        expect(
            lr is not None and lr > 0,
            say("ex.03.learning_rate_for_bowl.not_positive", a=a, b=b, answer=answer),
        )
        bowl = quadratic(a, b)
        path = descend(bowl, BOWL_START, BOWL_STEPS, lr=float(lr))
        start, end = path.losses[0], path.losses[-1]
        if not math.isfinite(end) or end > start:
            steep, name = (b, "w2") if b >= a else (a, "w1")
            expect(
                False,
                say("ex.03.learning_rate_for_bowl.diverges", a=a, b=b, lr=lr, coordinate=name,
                    steep=steep, factor=1 - lr * steep, limit=2 / steep),
            )
        # At the edge, η·max(a, b) = 2 up to the rounding of η itself (in its own dtype).
        if is_close(1 - lr * max(a, b), -1.0, dtype=float_dtype(answer), scale=1.0):
            expect(False, say("ex.03.learning_rate_for_bowl.at_the_edge", lr=lr, a=a, b=b))
        expect(
            end <= BOWL_DROP * start,
            say("ex.03.learning_rate_for_bowl.too_slow", a=a, b=b, lr=lr, start=start, end=end,
                steps=BOWL_STEPS, shrink_w1=abs(1 - lr * a), shrink_w2=abs(1 - lr * b)),
        )


# ------------------------------------------- 4. gradient descent that stops when converged


def descend_until_converged_solution(grad, w0, lr: float, tol: float, max_steps: int = 10_000):
    w = torch.as_tensor(w0, dtype=torch.float64).clone()
    for step in range(max_steps):
        g = grad(w)
        if torch.linalg.vector_norm(g) < tol:  # converged: the slope is (almost) zero
            return w, step
        w = w - lr * g
    return w, max_steps


def _never_stops(grad, w0, lr, tol, max_steps=10_000):
    return descend_until_converged_solution(grad, w0, lr, 0.0, max_steps)


def _climbs(grad, w0, lr, tol, max_steps=10_000):
    return descend_until_converged_solution(lambda w: -grad(w), w0, lr, tol, max_steps)


def _stops_on_step_size(grad, w0, lr, tol, max_steps=10_000):
    w = torch.as_tensor(w0, dtype=torch.float64).clone()
    for step in range(max_steps):
        update = lr * grad(w)
        if torch.linalg.vector_norm(update) < tol:  # the step, not the gradient
            return w, step
        w = w - update
    return w, max_steps


def _tests_after_update(grad, w0, lr, tol, max_steps=10_000):
    w = torch.as_tensor(w0, dtype=torch.float64).clone()
    for step in range(1, max_steps + 1):
        w = w - lr * grad(w)
        if torch.linalg.vector_norm(grad(w)) < tol:  # tested after the update, not before
            return w, step
    return w, max_steps


def _ignores_max_steps(grad, w0, lr, tol, max_steps=10_000):
    w, steps = torch.as_tensor(w0, dtype=torch.float64).clone(), 0
    while torch.linalg.vector_norm(grad(w)) >= tol:  # no budget: runs until converged
        w, steps = w - lr * grad(w), steps + 1
    return w, steps


def _largest_entry_norm(grad, w0, lr, tol, max_steps=10_000):
    w = torch.as_tensor(w0, dtype=torch.float64).clone()
    for step in range(max_steps):
        g = grad(w)
        if g.abs().max() < tol:  # the largest entry, not the length of the gradient
            return w, step
        w = w - lr * g
    return w, max_steps


def _updates_w0_in_place(grad, w0, lr, tol, max_steps=10_000):
    w = w0  # no copy: the caller's tensor moves too
    for step in range(max_steps):
        g = grad(w)
        if torch.linalg.vector_norm(g) < tol:
            return w, step
        w -= lr * g
    return w, max_steps


def _bowl_gradient(a, b):
    return lambda w: torch.stack([a * w[0], b * w[1]])


@exercise(
    reference=descend_until_converged_solution,
    wrong=[_never_stops, _climbs, _stops_on_step_size, _tests_after_update, _ignores_max_steps,
           _largest_entry_norm, _updates_w0_in_place],
)
def check_descend_until_converged(descend_until_converged) -> None:
    """descend_until_converged(grad, w0, lr, tol, max_steps) -> (w, steps): gradient descent
    from w0 that stops, before updating, once the gradient's norm is below tol."""
    for (a, b), w0, lr, tol, max_steps in [
        ((1.0, 10.0), [1.5, 1.5], 0.1, 1e-6, 5_000),
        ((2.0, 3.0), [-1.0, 2.0], 0.05, 1e-4, 5_000),
        ((1.0, 1.0), [1.0, 1.0], 0.1, 1e-3, 5_000),  # equal entries: the 2-norm is √2 × the max
        ((1.0, 10.0), [0.0, 0.0], 0.1, 1e-6, 5_000),  # at the minimum already: 0 updates
        ((1.0, 10.0), [1.5, 1.5], 0.01, 1e-6, 50),  # far from converged after max_steps
    ]:
        grad = _bowl_gradient(a, b)
        start_w = torch.tensor(w0, dtype=torch.float64)
        result = descend_until_converged(grad, start_w, lr, tol, max_steps=max_steps)
        expect(
            torch.equal(start_w, torch.tensor(w0, dtype=torch.float64)),
            say("ex.03.descend_until_converged.changed_w0", w0=w0, now=start_w.tolist()),
        )
        expect(isinstance(result, tuple | list) and len(result) == 2,
               say("ex.03.descend_until_converged.not_a_pair"))
        w, steps = _tensor(result[0], "w"), result[1]
        want_w, want_steps = descend_until_converged_solution(grad, w0, lr, tol, max_steps)
        expect(
            isinstance(steps, numbers.Integral) and not isinstance(steps, bool),
            say("ex.03.descend_until_converged.steps_not_int", steps=steps),
        )
        expect(
            want_steps > 0 or steps == 0,
            say("ex.03.descend_until_converged.moved_at_minimum", w0=w0, steps=steps),
        )
        if want_steps == max_steps:
            expect(
                steps == max_steps and is_close(w, want_w, dtype=float_dtype(result[0]),
                                                scale=max(map(abs, w0))),
                say("ex.03.descend_until_converged.max_steps", lr=lr, max_steps=max_steps,
                    steps=steps),
            )
            continue
        start_norm = float(torch.linalg.vector_norm(grad(torch.tensor(w0, dtype=torch.float64))))
        end_norm = float(torch.linalg.vector_norm(grad(w)))
        expect(
            math.isfinite(end_norm) and end_norm <= start_norm,
            say("ex.03.descend_until_converged.climbing", start=start_norm, end=end_norm),
        )
        if end_norm >= tol and float(grad(w).abs().max()) < tol:
            expect(
                False, say("ex.03.descend_until_converged.largest_entry", norm=end_norm, tol=tol)
            )
        expect(
            end_norm < tol,
            say("ex.03.descend_until_converged.step_norm", steps=steps, norm=end_norm, tol=tol),
        )
        # Each update rounds w; with |1 − η·λ| <= 0.9 on these bowls every error then shrinks,
        # so all of them add up to at most eps·|w0| / (1 − 0.9): 10 ulps, within the rule's 256.
        expect(
            steps == want_steps
            and is_close(w, want_w, dtype=float_dtype(result[0]), scale=max(map(abs, w0))),
            say("ex.03.descend_until_converged.wrong_stop", steps=steps, tol=tol,
                want_steps=want_steps),
        )
