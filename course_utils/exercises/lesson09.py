"""Exercises of lesson 09: scale a learning rate with the batch, count and merge LoRA weights."""

from __future__ import annotations

import math

import torch

from course_utils.exercises import as_number, exercise, expect, float_dtype, is_close
from course_utils.messages import say

# ---------------------------------------------------------- 1. scale the learning rate


def scaled_lr_solution(lr: float, batch: int, new_batch: int, rule: str = "sqrt") -> float:
    ratio = new_batch / batch
    return lr * (math.sqrt(ratio) if rule == "sqrt" else ratio)


def _inverted_ratio(lr, batch, new_batch, rule="sqrt"):
    ratio = batch / new_batch
    return lr * (math.sqrt(ratio) if rule == "sqrt" else ratio)


def _always_linear(lr, batch, new_batch, rule="sqrt"):
    return lr * new_batch / batch


@exercise(reference=scaled_lr_solution, wrong=[_inverted_ratio, _always_linear])
def check_scaled_lr(scaled_lr) -> None:
    """scaled_lr(lr, batch, new_batch, rule) -> the learning rate for new_batch."""
    for lr, batch, new_batch, rule in [
        (1e-4, 64, 256, "sqrt"),
        (1e-4, 64, 256, "linear"),
        (3e-3, 32, 8, "sqrt"),
        (2e-5, 8, 64, "linear"),
    ]:
        answer = scaled_lr(lr, batch, new_batch, rule)
        got = as_number(answer)  # Python or NumPy number, or a one-element tensor
        want = scaled_lr_solution(lr, batch, new_batch, rule)
        expect(got is not None, say("ex.09.scaled_lr.not_a_number", type=type(answer).__name__))
        if new_batch > batch:
            expect(got > lr, say("ex.09.scaled_lr.bigger_batch", batch=batch, new_batch=new_batch))
        facts = dict(lr=lr, batch=batch, new_batch=new_batch, rule=rule, want=want, got=got)
        expect(
            is_close(got, want, dtype=float_dtype(answer)),
            say("ex.09.scaled_lr.wrong_sqrt", **facts) if rule == "sqrt"
            else say("ex.09.scaled_lr.wrong_linear", **facts),
        )


# -------------------------------------------------------------- 2. count LoRA's weights


def lora_params_solution(d_in: int, d_out: int, rank: int) -> int:
    return rank * (d_in + d_out)


def _full_matrix(d_in, d_out, rank):
    return d_in * d_out


def _only_one_factor(d_in, d_out, rank):
    return d_in * rank


@exercise(reference=lora_params_solution, wrong=[_full_matrix, _only_one_factor])
def check_lora_params(lora_params) -> None:
    """lora_params(d_in, d_out, rank) -> the number of trainable numbers in A and B."""
    for d_in, d_out, rank in [(768, 2304, 8), (64, 192, 4), (768, 3072, 16)]:
        got = lora_params(d_in, d_out, rank)
        want = lora_params_solution(d_in, d_out, rank)
        expect(got != d_in * d_out, say("ex.09.lora_params.full_matrix"))
        expect(
            got == want,
            say("ex.09.lora_params.wrong", d_in=d_in, d_out=d_out, rank=rank, want=want, got=got),
        )


# ------------------------------------------------------------------ 3. merge the update


def merge_weight_solution(W, A, B, alpha: float, rank: int):
    return W + (alpha / rank) * A @ B


def _forgot_scale(W, A, B, alpha, rank):
    return W + A @ B


def _replaced_weight(W, A, B, alpha, rank):
    return (alpha / rank) * A @ B


def _integer_division(W, A, B, alpha, rank):
    return W + (alpha // rank) * A @ B


def _hard_coded_two(W, A, B, alpha, rank):
    return W + 2 * A @ B


def _alpha_only(W, A, B, alpha, rank):
    return W + alpha * A @ B


def _sqrt_rank(W, A, B, alpha, rank):
    return W + (alpha / math.sqrt(rank)) * A @ B


def _linear_layout(W, A, B, alpha, rank):
    return W + (alpha / rank) * (A @ B).T  # nn.Linear's (out, in) layout


def _effective_scale(got: torch.Tensor, W: torch.Tensor, update: torch.Tensor) -> float:
    """The s for which W + s * update fits the answer best (least squares)."""
    diff = got.detach().to(torch.float64) - W.to(torch.float64)
    u = update.to(torch.float64)
    return float((diff * u).sum() / (u * u).sum())


@exercise(
    reference=merge_weight_solution,
    wrong=[_forgot_scale, _replaced_weight, _integer_division, _hard_coded_two, _alpha_only,
           _sqrt_rank, _linear_layout],
)
def check_merge_weight(merge_weight) -> None:
    """merge_weight(W, A, B, alpha, rank) -> W + (alpha / rank) * A @ B."""
    gen = torch.Generator().manual_seed(0)
    for d_in, d_out, rank, alpha in ((6, 5, 2, 4.0), (7, 7, 6, 16.0)):
        W, A, B = (torch.randn(d_in, d_out, generator=gen), torch.randn(d_in, rank, generator=gen),
                   torch.randn(rank, d_out, generator=gen))
        try:
            got = merge_weight(W.clone(), A.clone(), B.clone(), alpha, rank)
        except NotImplementedError:  # the untouched stub (a RuntimeError too)
            raise
        except RuntimeError as err:
            expect(False, say("ex.09.merge_weight.runtime_error", error=err,
                              shape=tuple(W.shape)))
        scale_want = alpha / rank
        want = merge_weight_solution(W, A, B, alpha, rank)
        expect(
            torch.is_tensor(got) and got.shape == W.shape,
            say("ex.09.merge_weight.wrong_shape", shape=tuple(W.shape)),
        )
        dtype = float_dtype(got, W)
        # W + s A @ B rounds relative to its terms, |W| + s |A| @ |B|.
        scale = float((W.abs() + scale_want * A.abs() @ B.abs()).max())
        expect(not is_close(got, scale_want * A @ B, dtype=dtype, scale=scale),
               say("ex.09.merge_weight.update_only"))
        if d_in == d_out:
            expect(
                not is_close(got, W + scale_want * (A @ B).T, dtype=dtype, scale=scale),
                say("ex.09.merge_weight.transposed"),
            )
        expect(
            is_close(got, want, dtype=dtype, scale=scale),
            say("ex.09.merge_weight.wrong_scale", alpha=alpha, rank=rank, scale=scale_want,
                yours=_effective_scale(got, W, A @ B)),
        )
