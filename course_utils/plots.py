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


def plot_paths_on_contours(
    landscape,
    paths: dict,
    ax=None,
    levels: int = 30,
    log_scale: bool = True,
    title: str | None = None,
    xlabel: str = "$w_1$",
    ylabel: str = "$w_2$",
):
    """Draw a Landscape's contours and each named Path on top; returns the Axes.

    `log_scale` spaces the contour levels by log(1 + loss), which shows valleys and plateaus.
    """
    import numpy as np

    if not isinstance(paths, dict):
        raise TypeError("paths must be a dict of {label: Path}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    X, Y, Z = landscape.grid()
    shown = np.log1p(Z - Z.min()) if log_scale else Z
    ax.contourf(X, Y, shown, levels=levels, cmap="Blues_r", alpha=0.85)
    ax.contour(X, Y, shown, levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    for mx, my in landscape.minima:
        ax.plot(mx, my, marker="*", color="gold", markersize=14, markeredgecolor="black", zorder=5)
    for label, path in paths.items():
        pts = path.points
        ax.plot(pts[:, 0], pts[:, 1], "-o", markersize=2.5, linewidth=1.4, label=label)
        ax.plot(pts[0, 0], pts[0, 1], "ko", markersize=5)
    ax.set_xlim(landscape.xlim)
    ax.set_ylim(landscape.ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or f"{landscape.name}: paths on the loss contours")
    if paths:
        ax.legend(loc="best", fontsize=8)
    return ax


def plot_loss_per_step(paths: dict, ax=None, log_y: bool = True, title: str = "Loss per step"):
    """Loss against step for each named Path (log scale by default); returns the Axes."""
    if not isinstance(paths, dict):
        raise TypeError("paths must be a dict of {label: Path}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for label, path in paths.items():
        ax.plot(range(len(path.losses)), path.losses, label=label)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if paths:
        ax.legend(fontsize=8)
    return ax


def plot_accuracy_over_time(results, target: float | None = None, ax=None, title=None):
    """Validation accuracy against training seconds for each run (objects with .recipe, .curve)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for result in results:
        if not result.curve:
            raise ValueError(f"run {result.recipe!r} has no accuracy curve: pass probe_every.")
        seconds, _, accuracy = zip(*result.curve)
        ax.plot(seconds, accuracy, "-o", markersize=3, label=result.recipe)
    if target is not None:
        ax.axhline(target, color="gray", linestyle=":", label=f"target {target:.0%}")
    ax.set_xlabel("training time (s)")
    ax.set_ylabel("validation accuracy")
    ax.set_title(title or "Validation accuracy during training")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
