"""Exercises of lesson 07: Adam's bias correction, AdamW's decoupled decay, Nesterov momentum,
the memory of an optimizer's state. Each checker runs the learner's step next to torch.optim."""

from __future__ import annotations

import math

import torch

from course_utils.exercises import as_number, exercise, expect, float_dtype, is_close
from course_utils.messages import say

DTYPE = torch.float64


def _gradients(steps: int, size: int = 5, seed: int = 0) -> list[torch.Tensor]:
    """Gradients of varied sizes and signs, the same every time."""
    generator = torch.Generator().manual_seed(seed)
    scales = torch.logspace(-3, 1, size, dtype=DTYPE)
    return [torch.randn(size, generator=generator, dtype=DTYPE) * scales for _ in range(steps)]


def _start(size: int = 5) -> torch.Tensor:
    return torch.linspace(-1.0, 1.0, size, dtype=DTYPE)


def _as_tensor(x, what: str) -> torch.Tensor:
    expect(isinstance(x, torch.Tensor),
           say("ex.07.shared.not_a_tensor", what=what, type=type(x).__name__))
    return x.detach().to(DTYPE)


def _torch_path(optimizer_class, grads, **settings) -> list[torch.Tensor]:
    """Parameters after each step of a torch.optim optimizer fed the given gradients."""
    param = _start(len(grads[0])).requires_grad_(True)
    optimizer = optimizer_class([param], **settings)
    path = []
    for g in grads:
        param.grad = g.clone()
        optimizer.step()
        path.append(param.detach().clone())
    return path


def _moves(x: torch.Tensor) -> list[float]:
    return [float(f"{v:.8g}") for v in x.tolist()]


def _check_adam_like(step_fn, reference_class, settings_list, reference_step,
                     known_mistakes=()) -> None:
    """Run step_fn for 20 steps against torch's optimizer for each group of settings.

    `reference_step` (the reference solution) gives the state (m, v) the learner should return;
    `known_mistakes` are (wrong_step, hint) pairs: when the first step matches a known mistake,
    its hint names the cause. The weights (of size about 1) are compared by the rule of
    course_utils.checks: each step rounds a weight once, and its own step lr·m̂/(√v̂ + eps) in a
    few operations done in another order than torch's, so 20 steps differ by a few tens of ulps
    at most, within the rule's 256."""
    grads = _gradients(20)
    for settings in settings_list:
        want = _torch_path(reference_class, grads, **settings)
        param, m, v = _start(), torch.zeros(5, dtype=DTYPE), torch.zeros(5, dtype=DTYPE)
        for t, g in enumerate(grads, start=1):
            before, m_before, v_before = param.clone(), m.clone(), v.clone()
            out = step_fn(param.clone(), g.clone(), m.clone(), v.clone(), t, **settings)
            expect(
                isinstance(out, tuple) and len(out) == 3,
                say("ex.07.shared.not_a_triple"),
            )
            dtype = float_dtype(out[0])
            param, m, v = (_as_tensor(x, n) for x, n in zip(out, ("param", "m", "v")))
            _, m_want, v_want = reference_step(before, g, m_before, v_before, t, **settings)
            if t == 1 and not is_close(param, want[0], dtype=dtype):
                for mistake, hint in known_mistakes:
                    guess = mistake(before, g, m_before, v_before, t, **settings)[0]
                    expect(not is_close(param, guess, dtype=dtype),
                           say("ex.07.shared.known_mistake", settings=settings, hint=hint))
                moved, moved_want = (param - before).abs(), (want[0] - before).abs()
                expect(
                    False,
                    say("ex.07.shared.first_step", settings=settings, moved=_moves(moved),
                        moved_want=_moves(moved_want)),
                )
            bias_corrected = (m_want / (1 - settings["beta1"] ** t),
                              v_want / (1 - settings["beta2"] ** t))
            expect(
                not (is_close(m, bias_corrected[0], dtype=dtype)
                     and is_close(v, bias_corrected[1], dtype=dtype)),
                say("ex.07.shared.corrected_state", t=t),
            )
            expect(
                is_close(m, m_want, dtype=dtype) and is_close(v, v_want, dtype=dtype),
                say("ex.07.shared.wrong_moments", t=t,
                    difference=max((m - m_want).abs().max().item(),
                                   (v - v_want).abs().max().item())),
            )
            expect(
                is_close(param, want[t - 1], dtype=dtype),
                say("ex.07.shared.wrong_step", t=t, settings=settings,
                    difference=(param - want[t - 1]).abs().max().item()),
            )


# ------------------------------------------------------------------ 1. Adam's bias correction


def adam_step_solution(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (v_hat.sqrt() + eps), m, v


def _adam_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * m / (v.sqrt() + eps), m, v


def _adam_corrects_only_m(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * (m / (1 - beta1**t)) / (v.sqrt() + eps), m, v


def _adam_eps_inside_sqrt(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / (v_hat + eps).sqrt(), m, v


def _adam_off_by_one_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return adam_step_solution(param, grad, m, v, t + 1, lr, beta1, beta2, eps)


def _adam_paper_efficient_form(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    step = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)  # eps then sits next to sqrt(v)
    return param - step * m / (v.sqrt() + eps), m, v


def _adam_returns_corrected_state(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999,
                                  eps=1e-8):
    # The learner keeps m_hat and v_hat as the state: right at step 1, wrong from step 2.
    m_prev, v_prev = m * (1 - beta1 ** (t - 1)), v * (1 - beta2 ** (t - 1))
    new, m_new, v_new = adam_step_solution(param, grad, m_prev, v_prev, t, lr, beta1, beta2, eps)
    return new, m_new / (1 - beta1**t), v_new / (1 - beta2**t)


ADAM_SETTINGS = [
    dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8),
    dict(lr=0.003, beta1=0.8, beta2=0.99, eps=1e-3),
]


class _AdamFromSettings(torch.optim.Adam):
    def __init__(self, params, lr, beta1, beta2, eps, weight_decay=0.0):
        super().__init__(params, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)


class _AdamWFromSettings(torch.optim.AdamW):
    def __init__(self, params, lr, beta1, beta2, eps, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)


@exercise(
    reference=adam_step_solution,
    wrong=[_adam_no_bias_correction, _adam_corrects_only_m, _adam_eps_inside_sqrt,
           _adam_off_by_one_step, _adam_paper_efficient_form, _adam_returns_corrected_state],
)
def check_adam_step(adam_step) -> None:
    """adam_step(param, grad, m, v, t, lr, beta1, beta2, eps) -> (param, m, v), t from 1."""
    _check_adam_like(adam_step, _AdamFromSettings, ADAM_SETTINGS, adam_step_solution,
                     [(_adam_paper_efficient_form, say("ex.07.adam_step.efficient_form"))])


# ------------------------------------------------------------- 2. AdamW's decoupled decay


def adamw_step_solution(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                        weight_decay=0.01):
    param = param * (1 - lr * weight_decay)  # decay the weight itself, first
    return adam_step_solution(param, grad, m, v, t, lr, beta1, beta2, eps)


def _adamw_as_l2(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                 weight_decay=0.01):
    return adam_step_solution(param, grad + weight_decay * param, m, v, t, lr, beta1, beta2, eps)


def _adamw_decay_without_lr(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                            weight_decay=0.01):
    return adam_step_solution(param * (1 - weight_decay), grad, m, v, t, lr, beta1, beta2, eps)


def _adamw_no_decay(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                    weight_decay=0.01):
    return adam_step_solution(param, grad, m, v, t, lr, beta1, beta2, eps)


def _adamw_decay_after_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                            weight_decay=0.01):
    new, m, v = adam_step_solution(param, grad, m, v, t, lr, beta1, beta2, eps)
    return new * (1 - lr * weight_decay), m, v


@exercise(
    reference=adamw_step_solution,
    wrong=[_adamw_as_l2, _adamw_decay_without_lr, _adamw_no_decay, _adamw_decay_after_step],
)
def check_adamw_step(adamw_step) -> None:
    """adamw_step(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay) -> (param, m, v)."""
    param, zeros = _start(), torch.zeros(5, dtype=DTYPE)
    # A first probe on its own: a zero gradient leaves only the decay.
    out = adamw_step(param.clone(), torch.zeros(5, dtype=DTYPE), zeros.clone(), zeros.clone(), 1,
                     lr=0.1, weight_decay=0.5)
    expect(isinstance(out, tuple) and len(out) == 3, say("ex.07.adamw_step.not_a_triple"))
    got = _as_tensor(out[0], "param")
    want = param * (1 - 0.1 * 0.5)
    expect(
        is_close(got, want, dtype=float_dtype(out[0])),
        say("ex.07.adamw_step.decay", got=got.tolist(), start=param.tolist()),
    )
    settings = [dict(s, weight_decay=wd) for s, wd in zip(ADAM_SETTINGS, (0.01, 0.3))]
    _check_adam_like(adamw_step, _AdamWFromSettings, settings, adamw_step_solution,
                     [(_adamw_decay_after_step, say("ex.07.adamw_step.decay_after_step"))])


# -------------------------------------------------------------------- 3. Nesterov momentum


def nesterov_step_solution(param, grad, buffer, lr=0.01, momentum=0.9):
    buffer = momentum * buffer + grad
    return param - lr * (grad + momentum * buffer), buffer


def _plain_momentum(param, grad, buffer, lr=0.01, momentum=0.9):
    buffer = momentum * buffer + grad
    return param - lr * buffer, buffer


def _nesterov_old_buffer(param, grad, buffer, lr=0.01, momentum=0.9):
    new_buffer = momentum * buffer + grad
    return param - lr * (grad + momentum * buffer), new_buffer


def _momentum_dampened(param, grad, buffer, lr=0.01, momentum=0.9):
    buffer = momentum * buffer + (1 - momentum) * grad
    return param - lr * (grad + momentum * buffer), buffer


@exercise(
    reference=nesterov_step_solution,
    wrong=[_plain_momentum, _nesterov_old_buffer, _momentum_dampened],
)
def check_nesterov_step(nesterov_step) -> None:
    """nesterov_step(param, grad, buffer, lr, momentum) -> (param, buffer)."""
    grads = _gradients(15, seed=1)
    for lr, momentum in ((0.01, 0.9), (0.1, 0.5)):
        want = _torch_path(torch.optim.SGD, grads, lr=lr, momentum=momentum, nesterov=True)
        param, buffer = _start(), torch.zeros(5, dtype=DTYPE)
        for t, g in enumerate(grads, start=1):
            out = nesterov_step(param.clone(), g.clone(), buffer.clone(), lr=lr, momentum=momentum)
            expect(isinstance(out, tuple) and len(out) == 2,
                   say("ex.07.nesterov_step.not_a_pair"))
            dtype = float_dtype(out[0])  # 15 steps: as for Adam, tens of ulps at most
            param, buffer = _as_tensor(out[0], "param"), _as_tensor(out[1], "buffer")
            expect(
                is_close(param, want[t - 1], dtype=dtype),
                say("ex.07.nesterov_step.wrong", t=t, lr=lr, momentum=momentum,
                    difference=(param - want[t - 1]).abs().max().item()),
            )


# ------------------------------------------------------------------ 4. the state's memory


def optimizer_state_bytes_solution(n_params, optimizer, bytes_per_value=4):
    values_per_param = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}[optimizer]
    return n_params * values_per_param * bytes_per_value


def _adam_one_buffer(n_params, optimizer, bytes_per_value=4):
    return n_params * {"sgd": 0, "momentum": 1, "adam": 1, "adamw": 1}[optimizer] * bytes_per_value


def _adamw_extra_buffer(n_params, optimizer, bytes_per_value=4):
    return n_params * {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 3}[optimizer] * bytes_per_value


def _counts_weights_too(n_params, optimizer, bytes_per_value=4):
    values = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}[optimizer] + 1
    return n_params * values * bytes_per_value


def _ignores_bytes_per_value(n_params, optimizer, bytes_per_value=4):
    return n_params * {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}[optimizer] * 4


def _counts_step_counter(n_params, optimizer, bytes_per_value=4):
    counter = 4 if optimizer in ("adam", "adamw") else 0
    return optimizer_state_bytes_solution(n_params, optimizer, bytes_per_value) + counter


def _adds_master_copy(n_params, optimizer, bytes_per_value=4):
    master = 4 * n_params if bytes_per_value < 4 else 0
    return optimizer_state_bytes_solution(n_params, optimizer, bytes_per_value) + master


@exercise(
    reference=optimizer_state_bytes_solution,
    wrong=[_adam_one_buffer, _adamw_extra_buffer, _counts_weights_too, _ignores_bytes_per_value,
           _counts_step_counter, _adds_master_copy],
)
def check_optimizer_state_bytes(optimizer_state_bytes) -> None:
    """optimizer_state_bytes(n_params, optimizer, bytes_per_value) -> bytes of state."""
    hints = {
        "sgd": say("ex.07.optimizer_state_bytes.sgd"),
        "momentum": say("ex.07.optimizer_state_bytes.momentum"),
        "adam": say("ex.07.optimizer_state_bytes.adam"),
        "adamw": say("ex.07.optimizer_state_bytes.adamw"),
    }
    for n_params in (1000, 124_439_808):
        for bytes_per_value in (4, 2):
            for name, hint in hints.items():
                got = optimizer_state_bytes(n_params, name, bytes_per_value=bytes_per_value)
                want = optimizer_state_bytes_solution(n_params, name, bytes_per_value)
                expect(as_number(got) is not None,
                       say("ex.07.optimizer_state_bytes.not_a_number", type=type(got).__name__))
                extra = as_number(got) - want
                expect(
                    not (0 < extra <= 8),
                    say("ex.07.optimizer_state_bytes.step_counter", optimizer=name, extra=extra),
                )
                expect(
                    not (extra == 4 * n_params and bytes_per_value < 4),
                    say("ex.07.optimizer_state_bytes.master_copy",
                        bytes_per_value=bytes_per_value),
                )
                expect(
                    got == want,
                    say("ex.07.optimizer_state_bytes.wrong", n_params=n_params, optimizer=name,
                        bytes_per_value=bytes_per_value, want=want, got=got, hint=hint),
                )
