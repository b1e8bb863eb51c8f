"""Loss curves from a Trainer's log history."""

import pytest

from course_utils.plots import loss_curves, plot_loss_curves

HISTORY = [
    {"loss": 0.9, "step": 10, "epoch": 0.1},
    {"eval_loss": 0.8, "step": 10, "epoch": 0.1},
    {"loss": 0.5, "step": 20, "epoch": 0.2},
    {"eval_loss": 0.6, "step": 20, "epoch": 0.2},
    {"train_loss": 0.7, "train_runtime": 3.0, "step": 20},
]


def test_curves_are_read_from_the_log():
    curves = loss_curves(HISTORY)
    assert curves["train"] == ([10, 20], [0.9, 0.5])
    assert curves["eval"] == ([10, 20], [0.8, 0.6])


def test_plot_is_labelled():
    ax = plot_loss_curves(HISTORY, title="demo")
    assert ax.get_title() == "demo"
    assert "step" in ax.get_xlabel() and "nats" in ax.get_ylabel()
    assert [line.get_label() for line in ax.get_lines()] == ["training loss", "validation loss"]


def test_empty_or_wrong_history_is_explained():
    with pytest.raises(ValueError, match="holds no 'loss'"):
        loss_curves([{"train_runtime": 1.0}])
    with pytest.raises(TypeError, match="list of dicts"):
        loss_curves("trainer")
