"""Exercises of lesson 06: the stability limit, two schedules checked against transformers, and
picking a rate from a range test. Each checker says in plain words what is wrong."""

from __future__ import annotations

import math

import numpy as np
import torch

from course_utils.exercises import exercise, expect, float_dtype, is_close
from course_utils.messages import say

# ------------------------------------------------------------ 1. the stability limit


def stability_limit_solution(hessian) -> float:
    eigenvalues = torch.linalg.eigvalsh(torch.as_tensor(hessian, dtype=torch.float64))
    return 2.0 / eigenvalues.max().item()


def _smallest_eigenvalue(hessian):
    return 2.0 / torch.linalg.eigvalsh(torch.as_tensor(hessian, dtype=torch.float64)).min().item()


def _one_over(hessian):
    return 1.0 / torch.linalg.eigvalsh(torch.as_tensor(hessian, dtype=torch.float64)).max().item()


def _largest_diagonal(hessian):
    return 2.0 / torch.diagonal(torch.as_tensor(hessian, dtype=torch.float64)).max().item()


def _best_rate_not_limit(hessian):
    lam = torch.linalg.eigvalsh(torch.as_tensor(hessian, dtype=torch.float64))
    return 2.0 / (lam.min() + lam.max()).item()


@exercise(
    reference=stability_limit_solution,
    wrong=[_smallest_eigenvalue, _one_over, _largest_diagonal, _best_rate_not_limit],
)
def check_stability_limit(stability_limit) -> None:
    """stability_limit(hessian) -> 2 / lambda_max."""
    cases = [
        ([[1.0, 0.0], [0.0, 10.0]], "the lesson's bowl (a=1, b=10)"),
        ([[4.0, 0.0], [0.0, 0.5]], "a bowl steep along w1"),
        ([[2.0, 1.5], [1.5, 2.0]], "a tilted bowl (eigenvalues 3.5 and 0.5)"),
        ([[3.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 3.0]], "a 3-D bowl"),
    ]
    for hessian, name in cases:
        given = torch.tensor(hessian)  # float32: the answer can be no more precise than that
        answer = stability_limit(given)
        got = float(answer)
        want = stability_limit_solution(hessian)
        lam = torch.linalg.eigvalsh(torch.tensor(hessian, dtype=torch.float64))
        best = 2.0 / float(lam.min() + lam.max())
        expect(
            not (abs(best - want) > 1e-3 * want and is_close(got, best, dtype=float_dtype(answer,
                                                                                        given))),
            say("ex.06.stability_limit.best_rate", name=name, best=best),
        )
        expect(  # eigvalsh gets lambda_max (= |H|), so 2 / lambda_max, to a few ulps of itself
            is_close(got, want, dtype=float_dtype(answer, given)),
            say("ex.06.stability_limit.wrong", name=name, want=want, got=got),
        )


# ------------------------------------------------- 2. linear warm-up, then linear decay


def _transformers_multipliers(make, total):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = make(opt)
    values = []
    for _ in range(total + 1):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return values


def linear_warmup_decay_solution(step: int, warmup_steps: int, total_steps: int) -> float:
    if step < warmup_steps:
        return step / max(1, warmup_steps)
    return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))


def _no_warmup(step, warmup_steps, total_steps):
    return max(0.0, (total_steps - step) / total_steps)


def _decays_over_all_steps(step, warmup_steps, total_steps):
    if step < warmup_steps:
        return step / warmup_steps
    return max(0.0, (total_steps - step) / total_steps)


def _min_of_two_lines(step, warmup_steps, total_steps):
    # Right whenever warmup_steps > 0; divides by zero without warm-up.
    return max(0.0, min(step / warmup_steps, (total_steps - step) / (total_steps - warmup_steps)))


def _warmup_off_by_one(step, warmup_steps, total_steps):
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return max(0.0, (total_steps - step) / (total_steps - warmup_steps))


@exercise(
    reference=linear_warmup_decay_solution,
    wrong=[_no_warmup, _decays_over_all_steps, _warmup_off_by_one, _min_of_two_lines],
)
def check_linear_warmup_decay(linear_warmup_decay) -> None:
    """linear_warmup_decay(step, warmup_steps, total_steps) -> the multiplier at that step."""
    import transformers

    for warmup, total in ((10, 100), (3, 20), (0, 50)):
        want = _transformers_multipliers(
            lambda opt, w=warmup, t=total: transformers.get_linear_schedule_with_warmup(opt, w, t),
            total,
        )
        for step in range(total + 1):
            try:
                answer = linear_warmup_decay(step, warmup, total)
            except ZeroDivisionError:
                expect(warmup != 0, say("ex.06.linear_warmup_decay.divides_by_zero"))
                raise
            got = float(answer)
            expect(  # a multiplier computed from values of size 1
                is_close(got, want[step], dtype=float_dtype(answer), scale=1.0),
                say("ex.06.linear_warmup_decay.wrong", warmup=warmup, total=total, step=step,
                    want=want[step], got=got),
            )


# ------------------------------------------------------------------- 3. cosine decay


def cosine_decay_solution(step: int, total_steps: int) -> float:
    return 0.5 * (1.0 + math.cos(math.pi * step / total_steps))


def _plain_cosine(step, total_steps):
    return math.cos(math.pi * step / total_steps)


def _quarter_wave(step, total_steps):
    return math.cos(0.5 * math.pi * step / total_steps)


def _sine(step, total_steps):
    return 0.5 * (1.0 + math.sin(math.pi * step / total_steps))


@exercise(reference=cosine_decay_solution, wrong=[_plain_cosine, _quarter_wave, _sine])
def check_cosine_decay(cosine_decay) -> None:
    """cosine_decay(step, total_steps) -> 0.5 (1 + cos(pi step / total_steps))."""
    import transformers

    for total in (10, 37):
        want = _transformers_multipliers(
            lambda opt, t=total: transformers.get_cosine_schedule_with_warmup(opt, 0, t), total
        )
        for step in range(total + 1):
            answer = cosine_decay(step, total)
            got = float(answer)
            expect(  # 1 + cos(...) adds values of size 1, whatever the result
                is_close(got, want[step], dtype=float_dtype(answer), scale=1.0),
                say("ex.06.cosine_decay.wrong", total=total, step=step, want=want[step],
                    got=got),
            )


# ------------------------------------------------------- 4. pick a rate from a range test


def pick_rate_solution(rates, losses) -> float:
    rates, losses = np.asarray(rates, dtype=float), np.asarray(losses, dtype=float)
    best = np.inf
    end = len(losses)
    for i, value in enumerate(losses):
        if not np.isfinite(value) or value > 4 * best:
            end = i
            break
        best = min(best, value)
    return float(rates[np.argmin(losses[:end])] / 10)


def _no_safety_margin(rates, losses):
    return pick_rate_solution(rates, losses) * 10


def _ignores_blow_up(rates, losses):
    losses = np.asarray(losses, dtype=float)
    finite = np.where(np.isfinite(losses), losses, np.nan)
    return float(np.asarray(rates)[np.nanargmin(finite)]) / 10


def _last_rate_before_blow_up(rates, losses):
    rates, losses = np.asarray(rates, dtype=float), np.asarray(losses, dtype=float)
    best = np.inf
    for i, value in enumerate(losses):
        if not np.isfinite(value) or value > 4 * best:
            return float(rates[i - 1] / 10)
        best = min(best, value)
    return float(rates[-1] / 10)


@exercise(
    reference=pick_rate_solution,
    wrong=[_no_safety_margin, _ignores_blow_up, _last_rate_before_blow_up],
)
def check_pick_rate(pick_rate) -> None:
    """pick_rate(rates, losses) -> (rate of the lowest loss before the blow-up) / 10."""
    rates = np.logspace(-5, 1, 13)
    cases = [
        # a typical curve: flat, falling, lowest at 1e-2, then exploding
        [1.0, 1.0, 0.98, 0.9, 0.6, 0.3, 0.2, 0.35, 0.9, 5.0, 40.0, np.inf, np.inf],
        # after the blow-up the loss comes down again by chance, below the real minimum
        [1.0, 0.99, 0.95, 0.7, 0.4, 0.5, 3.0, 0.1, 0.05, 9.0, 9.0, 9.0, 9.0],
        # never blows up
        [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.38, 0.37, 0.36, 0.35, 0.34],
    ]
    for losses in cases:
        answer = pick_rate(rates.copy(), list(losses))
        got = float(answer)
        want = pick_rate_solution(rates, losses)
        expect(
            is_close(got, want, dtype=float_dtype(answer)),
            say("ex.06.pick_rate.wrong", losses=losses, want=want, got=got),
        )
