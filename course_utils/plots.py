"""Plots shared by the lessons."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt


def loss_curves(log_history: Sequence[dict]) -> dict[str, tuple[list[int], list[float]]]:
    """Training and evaluation loss per step from a Trainer's `state.log_history`."""
    if not isinstance(log_history, Sequence) or not all(isinstance(e, dict) for e in log_history):
        raise TypeError("log_history must be a list of dicts, e.g. trainer.state.log_history.")
    curves: dict[str, tuple[list[int], list[float]]] = {"train": ([], []), "eval": ([], [])}
    for entry in log_history:
        for key, curve in (("loss", "train"), ("eval_loss", "eval")):
            if key in entry and "step" in entry:
                curves[curve][0].append(int(entry["step"]))
                curves[curve][1].append(float(entry[key]))
    if not curves["train"][0] and not curves["eval"][0]:
        raise ValueError(
            "log_history holds no 'loss' or 'eval_loss' entries: train first, with logging_steps "
            "and eval_strategy set so that the Trainer logs them."
        )
    return curves


def plot_loss_curves(log_history: Sequence[dict], title: str = "Loss during fine-tuning", ax=None):
    """Plot training and evaluation loss against the optimizer step; returns the Axes."""
    curves = loss_curves(log_history)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    styles = {"train": ("training loss", "-", "o"), "eval": ("validation loss", "--", "s")}
    for name, (steps, losses) in curves.items():
        if steps:
            label, line, marker = styles[name]
            ax.plot(steps, losses, line, marker=marker, markersize=4, label=label)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("cross-entropy loss (nats per label token)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax
