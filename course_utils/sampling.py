"""Subsets that keep every class's share: the Hub's rotten_tomatoes lists each split's positive
rows first, so its first 200 rows are one class; a fast-mode slice must not be."""

from __future__ import annotations

import numpy as np


def stratified_indices(labels, n: int, seed: int = 0) -> list[int]:
    """`n` row indices, each class represented in proportion to its share, in shuffled order.

    Classes get round(n * share) rows (largest remainders first, so the total is exactly n).
    Deterministic for a given seed; the same rows whatever order the data set came in.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError("labels must be a non-empty 1-D sequence.")
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= labels.size:
        raise ValueError(f"n must be a whole number from 1 to {labels.size}, not {n!r}.")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    exact = n * counts / labels.size
    take = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - take), kind="stable")[: n - take.sum()]:
        take[i] += 1
    chosen = []
    for cls, k in zip(classes, take):
        rows = np.flatnonzero(labels == cls)
        chosen.extend(rng.permutation(rows)[:k].tolist())
    return [int(i) for i in rng.permutation(chosen)]


def stratified_subset(dataset, n: int, seed: int = 0, column: str = "label"):
    """A `datasets.Dataset` of `n` rows that keeps each class's share of `column`."""
    if column not in dataset.column_names:
        raise ValueError(f"no column {column!r}; columns: {dataset.column_names}.")
    n = min(n, len(dataset))
    return dataset.select(stratified_indices(dataset[column], n, seed))
