"""Figures of lesson 07."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_utils.figures import figure

# name, year, one-line idea, (x, y) centre, colour
FAMILY = {
    "SGD": ("1951", "step down the gradient", (0.9, 3.0), "#dbeafe"),
    "Momentum": ("1964", "+ velocity", (2.9, 3.8), "#dbeafe"),
    "Nesterov": ("1983", "+ look ahead", (4.9, 4.7), "#dbeafe"),
    "AdaGrad": ("2011", "÷ √(sum of g²)", (2.9, 2.4), "#fde68a"),
    "RMSprop": ("2012", "÷ √(running mean of g²)", (4.9, 2.4), "#fde68a"),
    "AdaDelta": ("2012", "+ no learning rate", (2.9, 1.0), "#fde68a"),
    "Adam": ("2014", "momentum + RMSprop", (6.9, 3.0), "#dcfce7"),
    "AdamW": ("2017", "+ decoupled decay", (8.9, 3.0), "#dcfce7"),
    "Rprop": ("1993", "sign of g only", (4.9, 1.0), "#fbcfe8"),
    "L-BFGS": ("1989", "curvature from history", (6.9, 1.0), "#e9d5ff"),
}
EDGES = [
    ("SGD", "Momentum"),
    ("Momentum", "Nesterov"),
    ("SGD", "AdaGrad"),
    ("AdaGrad", "RMSprop"),
    ("AdaGrad", "AdaDelta"),
    ("Rprop", "RMSprop"),
    ("Momentum", "Adam"),
    ("RMSprop", "Adam"),
    ("Adam", "AdamW"),
]
W, H = 1.78, 0.72


def _anchor(src, dst):
    """Where an arrow leaves box src towards box dst: the middle of the facing side."""
    (x0, y0), (x1, y1) = FAMILY[src][2], FAMILY[dst][2]
    if abs(x1 - x0) >= 1.0:
        sx = 1 if x1 > x0 else -1
        return (x0 + sx * W / 2, y0), (x1 - sx * W / 2, y1)
    sy = 1 if y1 > y0 else -1
    return (x0, y0 + sy * H / 2), (x1, y1 - sy * H / 2)


@figure("07_family.png")
def family():
    """Who came from whom among the nine optimizers of lesson 07."""
    fig, ax = plt.subplots(figsize=(12, 5.4))
    ax.set_xlim(-0.1, 9.9)
    ax.set_ylim(0.4, 5.2)
    ax.axis("off")
    for name, (year, idea, (x, y), color) in FAMILY.items():
        ax.add_patch(
            FancyBboxPatch(
                (x - W / 2, y - H / 2), W, H, boxstyle="round,pad=0.03",
                facecolor=color, edgecolor="#334155", linewidth=1.2,
            )
        )
        ax.text(x, y + 0.13, f"{name} ({year})", ha="center", va="center", fontsize=10.5,
                weight="bold")
        ax.text(x, y - 0.16, idea, ha="center", va="center", fontsize=8.5)
    for src, dst in EDGES:
        start, end = _anchor(src, dst)
        ax.add_patch(
            FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color="#334155",
                            linewidth=1.1)
        )
    ax.text(7.95, 1.0, "blue: momentum family\nyellow: per-coordinate step sizes\n"
            "green: both combined\npink: sign-based (full batch)\npurple: quasi-Newton "
            "(full batch)", fontsize=9, va="center", color="#334155")
    ax.set_title("The optimizers of lesson 07: each arrow adds one idea", fontsize=13)
    return fig
