"""Exercises of lesson 08: a stable cross-entropy, binary cross-entropy with logits, the causal-LM
loss with its shift and -100 masking, label smoothing. Each checker compares with PyTorch."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from course_utils.exercises import exercise, expect, float_dtype, is_close
from course_utils.messages import say


def _classification_cases() -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(description, logits, targets): ordinary, sure-and-right, sure-and-wrong, huge logits."""
    generator = torch.Generator().manual_seed(0)
    return [
        ("random logits", torch.randn(16, 5, generator=generator),
         torch.randint(0, 5, (16,), generator=generator)),
        ("logits of ±100", torch.tensor([[100.0, -100.0, 0.0], [-100.0, 100.0, 0.0]]),
         torch.tensor([0, 0])),
        ("logits of ±1000", torch.tensor([[1000.0, -1000.0, 3.0], [5.0, 1000.0, -1000.0]]),
         torch.tensor([2, 1])),
        ("one row far below another row's largest logit",
         torch.tensor([[1000.0, 0.0, 0.0], [-1000.0, -1000.0, -999.0]]), torch.tensor([0, 2])),
    ]


def _logit_scale(logits: torch.Tensor) -> float:
    """The size of the values a cross-entropy combines: log-sum-exp (at most max|z| + log K)
    and the target's logit. The loss is their difference, so its rounding is relative to this,
    not to the (possibly small) loss."""
    return float(logits.abs().max()) + math.log(logits.shape[-1])


def _scalar(x, what: str) -> torch.Tensor:
    expect(isinstance(x, torch.Tensor), say("ex.08.shared.not_a_tensor", type=type(x).__name__))
    expect(x.numel() == 1,
           say("ex.08.shared.not_one_number", what=what, shape=tuple(x.shape)))
    return x.detach().reshape(())


# ------------------------------------------------------------ 1. stable cross-entropy


def stable_cross_entropy_solution(logits, targets):
    m = logits.max(dim=-1, keepdim=True).values
    log_sum_exp = m.squeeze(-1) + (logits - m).exp().sum(dim=-1).log()
    return (log_sum_exp - logits[torch.arange(len(targets)), targets]).mean()


def _naive_softmax_log(logits, targets):
    probs = logits.exp() / logits.exp().sum(dim=-1, keepdim=True)
    return -probs[torch.arange(len(targets)), targets].log().mean()


def _sum_not_mean(logits, targets):
    return stable_cross_entropy_solution(logits, targets) * len(targets)


def _max_without_adding_back(logits, targets):
    m = logits.max(dim=-1, keepdim=True).values
    shifted = logits - m
    return (shifted.exp().sum(dim=-1).log() - logits[torch.arange(len(targets)), targets]).mean()


def _global_max_log_sum_exp(logits, targets):
    m = logits.max()  # one max for the whole batch, not one per row
    log_sum_exp = m + (logits - m).exp().sum(dim=-1).log()
    return (log_sum_exp - logits[torch.arange(len(targets)), targets]).mean()


def _log_of_softmax(logits, targets):
    return -logits.softmax(dim=-1)[torch.arange(len(targets)), targets].log().mean()


def _softmax_over_rows(logits, targets):
    return stable_cross_entropy_solution(logits.T, torch.zeros(logits.shape[1], dtype=torch.long))


@exercise(
    reference=stable_cross_entropy_solution,
    wrong=[_naive_softmax_log, _sum_not_mean, _max_without_adding_back, _softmax_over_rows,
           _global_max_log_sum_exp, _log_of_softmax],
)
def check_stable_cross_entropy(stable_cross_entropy) -> None:
    """stable_cross_entropy(logits (N, K), targets (N,)) -> mean cross-entropy, finite always."""
    for what, logits, targets in _classification_cases():
        got = _scalar(stable_cross_entropy(logits.clone(), targets.clone()), "the loss")
        want = F.cross_entropy(logits, targets)
        dtype, scale = float_dtype(got, want), _logit_scale(logits)
        expect(
            not bool(torch.isnan(got)),
            say("ex.08.stable_cross_entropy.nan", case=what),
        )
        expect(
            bool(torch.isfinite(got)),
            say("ex.08.stable_cross_entropy.infinite", case=what, loss=got.item()),
        )
        if len(targets) > 1 and is_close(got, want * len(targets), dtype=dtype,
                                         scale=scale * len(targets)):
            expect(False, say("ex.08.stable_cross_entropy.sum", case=what))
        expect(
            is_close(got, want, dtype=dtype, scale=scale),
            say("ex.08.stable_cross_entropy.wrong", case=what, want=want.item(),
                got=got.item()),
        )


# ------------------------------------------------------- 2. binary cross-entropy with logits


def binary_cross_entropy_with_logits_solution(z, y):
    return z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs()))


def _bce_from_sigmoid(z, y):
    p = torch.sigmoid(z)
    return -(y * p.log() + (1 - y) * (1 - p).log())


def _bce_clamped_like_torch(z, y):
    return F.binary_cross_entropy(torch.sigmoid(z), y, reduction="none")


def _bce_wrong_sign(z, y):
    return z.clamp(min=0) + y * z + torch.log1p(torch.exp(-z.abs()))


def _bce_log1p_exp(z, y):
    return torch.log1p(torch.exp(z)) - y * z  # right in exact arithmetic; exp(100) overflows


def _bce_mean(z, y):
    return binary_cross_entropy_with_logits_solution(z, y).mean()


@exercise(
    reference=binary_cross_entropy_with_logits_solution,
    wrong=[_bce_from_sigmoid, _bce_clamped_like_torch, _bce_wrong_sign, _bce_mean,
           _bce_log1p_exp],
)
def check_binary_cross_entropy_with_logits(binary_cross_entropy_with_logits) -> None:
    """binary_cross_entropy_with_logits(z, y) -> loss per element, finite for any z."""
    generator = torch.Generator().manual_seed(0)
    cases = [
        ("random logits", 3 * torch.randn(20, generator=generator),
         torch.randint(0, 2, (20,), generator=generator).float()),
        ("logits of ±30 and ±100", torch.tensor([-100.0, -30.0, 30.0, 100.0, 100.0, -100.0]),
         torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0, 0.0])),
    ]
    for what, z, y in cases:
        got = binary_cross_entropy_with_logits(z.clone(), y.clone())
        want = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        expect(isinstance(got, torch.Tensor),
               say("ex.08.shared.not_a_tensor", type=type(got).__name__))
        expect(
            got.shape == want.shape,
            say("ex.08.binary_cross_entropy_with_logits.wrong_shape",
                want_shape=tuple(want.shape), shape=tuple(got.shape)),
        )
        expect(
            bool(torch.isfinite(got).all()),
            say("ex.08.binary_cross_entropy_with_logits.infinite", case=what),
        )
        worst = (got - want).abs().argmax()
        expect(  # max(z, 0) and y·z are of size |z|, log(1 + e^-|z|) at most log 2
            is_close(got, want, dtype=float_dtype(got, want), scale=z.abs() + math.log(2)),
            say("ex.08.binary_cross_entropy_with_logits.wrong", case=what, z=z[worst].item(),
                y=y[worst].item(), want=want[worst].item(), got=got[worst].item()),
        )


# ----------------------------------------------------------------- 3. the causal-LM loss


def causal_lm_loss_solution(logits, labels):
    shift_logits = logits[:, :-1].flatten(0, 1)  # position t predicts token t + 1
    shift_labels = labels[:, 1:].flatten()
    return F.cross_entropy(shift_logits, shift_labels, ignore_index=-100)


def _no_shift(logits, labels):
    return F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=-100)


def _shift_the_wrong_way(logits, labels):
    return F.cross_entropy(logits[:, 1:].flatten(0, 1), labels[:, :-1].flatten(), ignore_index=-100)


def _mean_over_all_positions(logits, labels):
    shift_labels = labels[:, 1:].flatten()
    losses = F.cross_entropy(logits[:, :-1].flatten(0, 1), shift_labels, ignore_index=-100,
                             reduction="none")
    return losses.mean()  # the ignored positions' zeros count in the mean


def _mean_of_row_means(logits, labels):
    losses = F.cross_entropy(logits[:, :-1].transpose(1, 2), labels[:, 1:], ignore_index=-100,
                             reduction="none")
    scored = (labels[:, 1:] != -100).sum(dim=1)
    return (losses.sum(dim=1) / scored).mean()


@exercise(
    reference=causal_lm_loss_solution,
    wrong=[_no_shift, _shift_the_wrong_way, _mean_over_all_positions, _mean_of_row_means],
)
def check_causal_lm_loss(causal_lm_loss) -> None:
    """causal_lm_loss(logits (B, T, V), labels (B, T)) -> the model's loss."""
    generator = torch.Generator().manual_seed(0)
    B, T, V = 3, 7, 11
    logits = 2 * torch.randn(B, T, V, generator=generator)
    input_ids = torch.randint(0, V, (B, T), generator=generator)
    lesson01 = torch.full((B, T), -100)  # one scored label per row, rows of different lengths
    for row, last in enumerate((6, 4, 5)):
        lesson01[row, last] = input_ids[row, last]
    all_tokens = input_ids.clone()
    all_tokens[1, 5:] = -100  # padding
    all_tokens[2, 3:] = -100
    for what, labels in (("lesson 01's labels (one label per row)", lesson01),
                         ("every real token scored, rows of different lengths", all_tokens)):
        got = _scalar(causal_lm_loss(logits.clone(), labels.clone()), "the loss")
        want = causal_lm_loss_solution(logits, labels)
        unshifted = _no_shift(logits, labels)
        dtype, scale = float_dtype(got, want), _logit_scale(logits)
        expect(
            not is_close(got, unshifted, dtype=dtype, scale=scale),
            say("ex.08.causal_lm_loss.no_shift", case=what),
        )
        expect(
            is_close(got, want, dtype=dtype, scale=scale),
            say("ex.08.causal_lm_loss.wrong", case=what, want=want.item(), got=got.item()),
        )


# ------------------------------------------------------------------ 4. label smoothing


def label_smoothed_cross_entropy_solution(logits, targets, epsilon):
    log_p = F.log_softmax(logits, dim=-1)
    true_class = -log_p[torch.arange(len(targets)), targets]
    uniform = -log_p.mean(dim=-1)
    return ((1 - epsilon) * true_class + epsilon * uniform).mean()


def _smoothing_over_other_classes(logits, targets, epsilon):
    log_p = F.log_softmax(logits, dim=-1)
    k = logits.shape[-1]
    q = torch.full_like(log_p, epsilon / (k - 1))
    q[torch.arange(len(targets)), targets] = 1 - epsilon
    return -(q * log_p).sum(dim=-1).mean()


def _smoothing_without_one_minus_epsilon(logits, targets, epsilon):
    log_p = F.log_softmax(logits, dim=-1)
    return (-log_p[torch.arange(len(targets)), targets] - epsilon * log_p.mean(dim=-1)).mean()


def _smoothing_ignored(logits, targets, epsilon):
    return F.cross_entropy(logits, targets)


@exercise(
    reference=label_smoothed_cross_entropy_solution,
    wrong=[_smoothing_over_other_classes, _smoothing_without_one_minus_epsilon,
           _smoothing_ignored],
)
def check_label_smoothed_cross_entropy(label_smoothed_cross_entropy) -> None:
    """label_smoothed_cross_entropy(logits, targets, epsilon) -> mean smoothed cross-entropy."""
    for what, logits, targets in _classification_cases():
        for epsilon in (0.1, 0.4):
            got = _scalar(label_smoothed_cross_entropy(logits.clone(), targets.clone(), epsilon),
                          "the loss")
            want = F.cross_entropy(logits, targets, label_smoothing=epsilon)
            expect(bool(torch.isfinite(got)),
                   say("ex.08.label_smoothed_cross_entropy.not_finite", case=what,
                       loss=got.item()))
            # The loss averages -log p_k over all classes; each is at most max z - min z + log K.
            spread = float((logits.amax(dim=-1) - logits.amin(dim=-1)).max())
            expect(
                is_close(got, want, dtype=float_dtype(got, want),
                         scale=spread + math.log(logits.shape[-1])),
                say("ex.08.label_smoothed_cross_entropy.wrong", case=what, epsilon=epsilon,
                    want=want.item(), got=got.item()),
            )
