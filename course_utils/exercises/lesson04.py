"""Exercises of lesson 04: draw an epoch's batches, a batch's gradient, the noise formula, and
the batch size past which extra rows stop paying. Each checker says in plain words what is
wrong."""

from __future__ import annotations

import numpy as np
import torch

from course_utils.exercises import exercise, expect, float_dtype, is_close
from course_utils.messages import say

# ------------------------------------------------------------- 1. one epoch's batches


def epoch_batches_solution(n: int, batch_size: int, seed: int) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def _with_replacement(n, batch_size, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, n, (batch_size,), generator=g) for _ in range(n // batch_size)]


def _not_shuffled(n, batch_size, seed):
    order = torch.arange(n)
    return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def _keeps_last_small_batch(n, batch_size, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return list(order.split(batch_size))


def _same_order_every_seed(n, batch_size, seed):
    return epoch_batches_solution(n, batch_size, 0)


def _fixed_chunks_in_shuffled_order(n, batch_size, seed):
    chunks = [torch.arange(i, i + batch_size) for i in range(0, n - batch_size + 1, batch_size)]
    order = torch.randperm(len(chunks), generator=torch.Generator().manual_seed(seed))
    return [chunks[i] for i in order]


def _shuffled_within_each_batch(n, batch_size, seed):
    g = torch.Generator().manual_seed(seed)
    return [i + torch.randperm(batch_size, generator=g)
            for i in range(0, n - batch_size + 1, batch_size)]


def _drops_a_full_last_batch(n, batch_size, seed):
    return epoch_batches_solution(n, batch_size, seed)[:-1] if n % batch_size == 0 else (
        epoch_batches_solution(n, batch_size, seed))


def _rows(batches) -> list[int]:
    # Every index of a list of batches (tensors, NumPy arrays or lists), flattened.
    parts = [torch.as_tensor(np.asarray(b)).flatten() for b in batches]
    return torch.cat(parts).tolist() if parts else []


@exercise(
    reference=epoch_batches_solution,
    wrong=[_with_replacement, _not_shuffled, _keeps_last_small_batch, _same_order_every_seed,
           _fixed_chunks_in_shuffled_order, _shuffled_within_each_batch, _drops_a_full_last_batch],
)
def check_epoch_batches(epoch_batches) -> None:
    """epoch_batches(n, batch_size, seed) -> list of index tensors: a shuffled epoch."""
    for n, batch_size in ((10, 3), (64, 8), (100, 100), (7, 1)):
        got = epoch_batches(n, batch_size, 0)
        expect(isinstance(got, (list, tuple)), say("ex.04.epoch_batches.not_a_list"))
        got = [torch.as_tensor(np.asarray(b)).flatten() for b in got]
        counts = dict(n=n, batch_size=batch_size, full=n // batch_size, got=len(got))
        expect(
            not (n % batch_size == 0 and len(got) == n // batch_size - 1),
            say("ex.04.epoch_batches.last_batch_dropped", **counts),
        )
        expect(len(got) == n // batch_size, say("ex.04.epoch_batches.wrong_count", **counts))
        expect(
            all(len(b) == batch_size for b in got),
            say("ex.04.epoch_batches.wrong_size", batch_size=batch_size),
        )
        rows = torch.cat(got).tolist() if got else []
        expect(all(0 <= r < n for r in rows), say("ex.04.epoch_batches.out_of_range", last=n - 1))
        expect(len(set(rows)) == len(rows), say("ex.04.epoch_batches.repeated_row"))
    first = _rows(epoch_batches(64, 8, 0))
    expect(first != list(range(64)), say("ex.04.epoch_batches.not_shuffled"))
    other = _rows(epoch_batches(64, 8, 1))
    expect(other != first, say("ex.04.epoch_batches.seed_ignored"))
    again = _rows(epoch_batches(64, 8, 0))
    expect(again == first, say("ex.04.epoch_batches.not_reproducible"))
    # Random batches: which rows share a batch changes with the seed. Fixed chunks (only their
    # order shuffled, or only the rows inside each) keep the same groups every epoch.
    groups = {frozenset(frozenset(b) for b in np.split(np.array(_rows(epoch_batches(64, 8, s))), 8))
              for s in range(5)}
    expect(len(groups) > 1, say("ex.04.epoch_batches.fixed_groups"))


# ------------------------------------------------------------- 2. a batch's gradient


def minibatch_gradient_solution(G: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return G[index].mean(dim=0)


def _sum_not_mean(G, index):
    return G[index].sum(dim=0)


def _mean_of_all_rows(G, index):
    return G.mean(dim=0)


def _mean_over_parameters(G, index):
    return G[index].mean(dim=1)


def _sum_over_n(G, index):
    return G[index].sum(dim=0) / len(G)


@exercise(
    reference=minibatch_gradient_solution,
    wrong=[_sum_not_mean, _mean_of_all_rows, _mean_over_parameters, _sum_over_n],
)
def check_minibatch_gradient(minibatch_gradient) -> None:
    """minibatch_gradient(G, index) -> the mean of the batch's rows of G, shape (P,)."""
    g = torch.Generator().manual_seed(0)
    G = torch.randn(50, 4, generator=g, dtype=torch.float64)
    for index in (torch.tensor([3, 7, 11]), torch.arange(50), torch.tensor([5])):
        answer = minibatch_gradient(G, index)
        dtype = float_dtype(answer)
        got = answer if isinstance(answer, torch.Tensor) else torch.as_tensor(np.asarray(answer))
        want = minibatch_gradient_solution(G, index)
        rows = G[index].abs()  # a mean (or sum) of rows is rounded relative to their size
        expect(
            tuple(got.shape) == (4,),
            say("ex.04.minibatch_gradient.wrong_shape", shape=tuple(got.shape)),
        )
        if len(index) > 1 and is_close(got, G[index].sum(0), dtype=dtype,
                                       scale=float(rows.sum(0).max())):
            expect(False, say("ex.04.minibatch_gradient.sum"))
        if len(index) < len(G) and is_close(got, G[index].sum(0) / len(G), dtype=dtype,
                                            scale=float(rows.max())):
            expect(False, say("ex.04.minibatch_gradient.divides_by_n"))
        expect(
            is_close(got, want, dtype=dtype, scale=float(rows.max())),
            say("ex.04.minibatch_gradient.all_rows"),
        )


# ------------------------------------------------------------- 3. the noise formula


def expected_noise_solution(sigma2: float, batch_size: int, n: int) -> float:
    return sigma2 / batch_size * (n - batch_size) / (n - 1)


def _without_correction(sigma2, batch_size, n):
    return sigma2 / batch_size


def _square_root(sigma2, batch_size, n):
    return sigma2 / batch_size**0.5 * (n - batch_size) / (n - 1)


def _grows_with_batch(sigma2, batch_size, n):
    return sigma2 * batch_size * (n - batch_size) / (n - 1)


@exercise(
    reference=expected_noise_solution,
    wrong=[_without_correction, _square_root, _grows_with_batch],
)
def check_expected_noise(expected_noise) -> None:
    """expected_noise(sigma2, batch_size, n) -> E||g_B - grad L||^2, drawing without repeats."""
    for sigma2, batch_size, n in ((2.0, 1, 100), (2.0, 10, 100), (0.5, 64, 1024), (3.0, 4, 1000)):
        answer = expected_noise(sigma2, batch_size, n)
        got = float(answer)
        want = expected_noise_solution(sigma2, batch_size, n)
        expect(
            is_close(got, want, dtype=float_dtype(answer)),
            say("ex.04.expected_noise.wrong", sigma2=sigma2, batch_size=batch_size, n=n,
                want=want, got=got),
        )
    answer = expected_noise(2.0, 100, 100)
    whole = float(answer)
    expect(  # 0, computed from values of size sigma2 = 2
        is_close(whole, 0.0, dtype=float_dtype(answer), scale=2.0),
        say("ex.04.expected_noise.full_batch", got=whole),
    )


# ------------------------------------------------------------- 4. the critical batch size


def critical_batch_solution(steps: dict[int, int]) -> int | None:
    sizes = sorted(steps)
    base = steps[sizes[0]] * sizes[0]
    for size in sizes[1:]:
        if steps[size] * size > 2 * base:
            return size
    return None


def _compares_steps(steps):
    sizes = sorted(steps)
    for size in sizes[1:]:
        if steps[size] > 2 * steps[sizes[0]]:
            return size
    return None


def _last_before(steps):
    sizes = sorted(steps)
    base = steps[sizes[0]] * sizes[0]
    previous = None
    for size in sizes:
        if steps[size] * size > 2 * base:
            return previous
        previous = size
    return None


def _largest_always(steps):
    return max(steps)


def _compares_previous(steps):
    sizes = sorted(steps)
    for before, size in zip(sizes, sizes[1:]):
        if steps[size] * size > 2 * steps[before] * before:
            return size
    return None


def _steps_stop_halving(steps):
    sizes = sorted(steps)
    for before, size in zip(sizes, sizes[1:]):
        if steps[size] > steps[before] / 2:
            return size
    return None


def _at_least_twice(steps):
    sizes = sorted(steps)
    base = steps[sizes[0]] * sizes[0]
    for size in sizes[1:]:
        if steps[size] * size >= 2 * base:
            return size
    return None


@exercise(
    reference=critical_batch_solution,
    wrong=[_compares_steps, _last_before, _largest_always, _compares_previous,
           _steps_stop_halving, _at_least_twice],
)
def check_critical_batch(critical_batch) -> None:
    """critical_batch({batch size: steps}) -> first batch size whose examples exceed twice those
    of the smallest batch size, or None."""
    cases = [
        {8: 1000, 64: 130, 512: 40, 4096: 30},  # turns at 512
        {4: 1200, 16: 300, 64: 80, 256: 60, 1024: 55},  # turns at 256
        {8: 500, 16: 250, 32: 125},  # perfect scaling: never
        {8: 1000, 16: 600, 32: 400, 64: 300},  # slowly: only 64 passes twice the first's examples
        {8: 100, 16: 100, 32: 60},  # exactly twice at 16 is not more than twice: 32
    ]
    for steps in cases:
        got = critical_batch(dict(steps))
        want = critical_batch_solution(steps)
        expect(
            got == want,
            say("ex.04.critical_batch.wrong", steps=steps, want=want, got=got),
        )
