"""Figures of lesson 02: one neuron, and a small two-layer network."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch

from course_utils.figures import figure

INPUT_COLOR, HIDDEN_COLOR, OUTPUT_COLOR, EDGE = "#dbeafe", "#fde68a", "#dcfce7", "#334155"


def _node(ax, xy, radius, text, color, fontsize=13):
    ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor=EDGE, linewidth=1.4, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def _arrow(ax, start, end, color=EDGE, width=1.2):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=13,
            color=color,
            linewidth=width,
            shrinkA=0,
            shrinkB=0,
            zorder=2,
        )
    )


def _between(a, b, gap):
    """The segment from circle a to circle b, shortened by `gap` at both ends."""
    (x0, y0), (x1, y1) = a, b
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    return (x0 + gap * ux, y0 + gap * uy), (x1 - gap * ux, y1 - gap * uy)


@figure("02_neuron.png")
def neuron():
    """One neuron: inputs times weights, summed with a bias, through an activation."""
    fig, ax = plt.subplots(figsize=(9, 4.4))
    ax.set_xlim(0, 9)
    ax.set_ylim(0, 4.6)
    ax.set_aspect("equal")
    ax.axis("off")
    inputs = [(1.0, 3.6), (1.0, 2.3), (1.0, 1.0)]
    body, act, out = (4.4, 2.3), (5.9, 2.3), (8.0, 2.3)
    for i, (x, y) in enumerate(inputs, start=1):
        _node(ax, (x, y), 0.42, f"$x_{i}$", INPUT_COLOR)
        _arrow(ax, (x + 0.45, y), (body[0] - 0.6, body[1] + 0.25 * (2 - i)))
        mid_x, mid_y = (x + body[0]) / 2 - 0.3, (y + body[1]) / 2 + 0.2
        ax.text(mid_x, mid_y, f"$w_{i}$", fontsize=13, color="#1d4ed8", ha="center")
    _node(ax, body, 0.58, r"$\Sigma$", HIDDEN_COLOR, fontsize=18)
    ax.text(body[0], body[1] - 0.95, "$+\\,b$", fontsize=13, color="#b45309", ha="center")
    _arrow(ax, (body[0], body[1] - 0.7), (body[0], body[1] - 0.6), color="#b45309")
    _arrow(ax, (body[0] + 0.6, body[1]), (act[0] - 0.5, act[1]))
    ax.text((body[0] + act[0]) / 2, body[1] + 0.15, "$z$", fontsize=13, ha="center")
    _node(ax, act, 0.48, "$f$", HIDDEN_COLOR, fontsize=16)
    _arrow(ax, (act[0] + 0.5, act[1]), (out[0] - 0.45, out[1]))
    _node(ax, out, 0.42, "$y$", OUTPUT_COLOR)
    ax.text(
        4.6,
        0.15,
        r"$z = w_1x_1 + w_2x_2 + w_3x_3 + b \qquad y = f(z)$",
        fontsize=14,
        ha="center",
    )
    ax.text(1.0, 4.35, "inputs", ha="center", fontsize=11, color=EDGE)
    ax.text(body[0], 3.2, "weighted sum", ha="center", fontsize=11, color=EDGE)
    ax.text(act[0], 3.2, "activation", ha="center", fontsize=11, color=EDGE)
    ax.text(out[0], 3.0, "output", ha="center", fontsize=11, color=EDGE)
    ax.set_title("One neuron: a weighted sum, a bias, an activation", fontsize=13)
    return fig


@figure("02_network.png")
def network():
    """The two-layer network of lesson 02: 2 inputs, 3 hidden neurons, 1 output."""
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.set_xlim(0, 9)
    ax.set_ylim(-0.6, 4.6)
    ax.set_aspect("equal")
    ax.axis("off")
    layers = [
        [(1.2, 3.0), (1.2, 1.4)],
        [(4.5, 3.6), (4.5, 2.2), (4.5, 0.8)],
        [(7.8, 2.2)],
    ]
    names = [["$x_1$", "$x_2$"], ["$h_1$", "$h_2$", "$h_3$"], [r"$\hat y$"]]
    colors = [INPUT_COLOR, HIDDEN_COLOR, OUTPUT_COLOR]
    radius = 0.42
    for left, right in zip(layers, layers[1:]):
        for a in left:
            for b in right:
                _arrow(ax, *_between(a, b, radius + 0.03), color="#64748b", width=1.0)
    for layer, labels, color in zip(layers, names, colors):
        for xy, text in zip(layer, labels):
            _node(ax, xy, radius, text, color)
    captions = [
        (1.2, "input $x$\n2 numbers"),
        (4.5, "hidden layer\n$h = f(W_1 x + b_1)$\n$W_1$: 3×2, $b_1$: 3"),
        (7.8, "output\n$\\hat y = W_2 h + b_2$\n$W_2$: 1×3, $b_2$: 1"),
    ]
    for x, text in captions:
        ax.text(x, -0.55, text, ha="center", va="bottom", fontsize=11)
    ax.text(2.85, 4.1, "weights $W_1$", ha="center", fontsize=11, color="#1d4ed8")
    ax.text(6.15, 3.6, "weights $W_2$", ha="center", fontsize=11, color="#1d4ed8")
    ax.set_title("A two-layer network: 2 → 3 → 1, 13 parameters", fontsize=13)
    return fig
