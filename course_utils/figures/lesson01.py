"""Figures of lesson 01."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_utils.figures import figure

WORKFLOW = [
    ("1. Load the data set", "load_dataset(...)\ntext + label rows"),
    ("2. Load model\nand tokenizer", "AutoModelForCausalLM\nAutoTokenizer"),
    ("3. Process rows", "text | EOS | label\nlabels: -100 … label id"),
    ("4. Collator", "pad each batch;\nlabels padded with -100"),
    ("5. TrainingArguments", "learning rate, batch,\nepochs, precision"),
    ("6. Trainer", "model + data + args"),
    ("7. trainer.train()", "then measure:\naccuracy, loss curve"),
]


@figure("01_workflow.png")
def workflow():
    """The fine-tuning workflow of lesson 01, as seven boxes in two rows."""
    fig, ax = plt.subplots(figsize=(11, 4.2))
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 2)
    ax.axis("off")
    centers = [(0.5 + i, 1.5) for i in range(4)] + [(3.5 - i, 0.5) for i in range(3)]
    colors = ["#dbeafe", "#dbeafe", "#fde68a", "#fde68a", "#dcfce7", "#dcfce7", "#fbcfe8"]
    for (title, detail), (x, y), color in zip(WORKFLOW, centers, colors):
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.42, y - 0.32),
                0.84,
                0.64,
                boxstyle="round,pad=0.02",
                facecolor=color,
                edgecolor="#334155",
                linewidth=1.2,
            )
        )
        ax.text(x, y + 0.12, title, ha="center", va="center", fontsize=10.5, weight="bold")
        ax.text(x, y - 0.15, detail, ha="center", va="center", fontsize=8.5, family="monospace")
    for (x0, y0), (x1, y1) in zip(centers, centers[1:]):
        if y0 == y1:
            start, end = (
                (x0 + 0.43 * (1 if x1 > x0 else -1), y0),
                (x1 - 0.43 * (1 if x1 > x0 else -1), y1),
            )
        else:
            start, end = (x0, y0 - 0.33), (x1, y1 + 0.33)
        ax.add_patch(
            FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, color="#334155")
        )
    ax.set_title("Fine-tuning with Hugging Face: the workflow of lesson 01", fontsize=13)
    return fig
