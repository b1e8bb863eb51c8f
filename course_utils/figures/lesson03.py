"""Figures of lesson 03: the forward and backward pass of the two-layer network."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_utils.figures import figure

EDGE, FORWARD, BACKWARD = "#334155", "#334155", "#dc2626"


def _box(ax, center, text, color, width=1.5, height=0.7, fontsize=12):
    x, y = center
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.04",
            facecolor=color,
            edgecolor=EDGE,
            linewidth=1.3,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color, style="-|>", rad=0.0):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=14,
            color=color,
            linewidth=1.4,
            connectionstyle=f"arc3,rad={rad}",
        )
    )


@figure("03_backprop.png")
def backprop():
    """Forward pass left to right (black), backward pass right to left (red)."""
    fig, ax = plt.subplots(figsize=(12.5, 5))
    ax.set_xlim(-0.2, 12.7)
    ax.set_ylim(-1.6, 3.5)
    ax.axis("off")
    y = 1.0
    nodes = [
        (0.5, "$x$", "#dbeafe", 0.8),
        (2.9, "$z_1 = x W_1^\\top + b_1$", "#fde68a", 2.2),
        (5.6, "$h = \\tanh(z_1)$", "#fde68a", 1.9),
        (8.3, "$\\hat y = h W_2^\\top + b_2$", "#fde68a", 2.2),
        (11.35, "$L = \\mathrm{mean}((\\hat y - y)^2)$", "#fbcfe8", 2.3),
    ]
    for x, text, color, width in nodes:
        _box(ax, (x, y), text, color, width=width)
    for i, ((x0, _, _, w0), (x1, _, _, w1)) in enumerate(zip(nodes, nodes[1:])):
        _arrow(ax, (x0 + w0 / 2 + 0.05, y + 0.12), (x1 - w1 / 2 - 0.05, y + 0.12), FORWARD)
        if i > 0:  # no gradient is needed for the input x
            _arrow(ax, (x1 - w1 / 2 - 0.05, y - 0.2), (x0 + w0 / 2 + 0.05, y - 0.2), BACKWARD)
    for x, text in [(2.9, "$W_1,\\ b_1$"), (8.3, "$W_2,\\ b_2$"), (11.35, "target $y$")]:
        _box(ax, (x, y + 1.6), text, "#dcfce7" if "W" in text else "#e2e8f0", width=1.4)
        _arrow(ax, (x - 0.15, y + 1.23), (x - 0.15, y + 0.4), FORWARD)
    for x in (2.9, 8.3):
        _arrow(ax, (x + 0.15, y + 0.4), (x + 0.15, y + 1.23), BACKWARD)
    ax.text(
        0.5,
        2.6,
        "forward pass:\ncompute and keep\nevery intermediate value",
        ha="center",
        va="center",
        fontsize=10.5,
        color=FORWARD,
    )
    grads = [
        (9.8, "$\\dfrac{\\partial L}{\\partial \\hat y} = \\dfrac{2}{N}(\\hat y - y)$"),
        (6.95, "$\\dfrac{\\partial L}{\\partial h} = \\dfrac{\\partial L}{\\partial \\hat y} W_2$"),
        (
            4.25,
            "$\\dfrac{\\partial L}{\\partial z_1} = \\dfrac{\\partial L}{\\partial h}"
            " \\odot (1 - h^2)$",
        ),
    ]
    for x, text in grads:
        ax.text(x, y - 0.5, text, ha="center", va="top", fontsize=13, color=BACKWARD)
    ax.text(
        6.0,
        -0.55,
        r"$\dfrac{\partial L}{\partial W_2} = (\dfrac{\partial L}{\partial \hat y})^\top h"
        r"\qquad \dfrac{\partial L}{\partial b_2} = \sum_n \dfrac{\partial L}{\partial \hat y}"
        r"\qquad \dfrac{\partial L}{\partial W_1} = (\dfrac{\partial L}{\partial z_1})^\top x"
        r"\qquad \dfrac{\partial L}{\partial b_1} = \sum_n \dfrac{\partial L}{\partial z_1}$",
        ha="center",
        va="top",
        fontsize=13,
        color=BACKWARD,
    )
    ax.text(
        6.0,
        -1.55,
        "backward pass: the chain rule, from the loss back to every parameter",
        ha="center",
        fontsize=12,
        color=BACKWARD,
    )
    ax.set_title("Backpropagation through the two-layer network of lesson 02", fontsize=13)
    return fig
