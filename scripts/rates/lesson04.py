"""Lesson 04, section 4: the lecture's advice on batch size, one draw of the whole experiment."""

from __future__ import annotations

import math

from rates.lesson_code import definitions, run_cells


def batch_advice(seed: int) -> dict[str, float]:
    """One draw (the lesson's first, with COURSE_SEED = seed): how much more the head gives up at
    the largest batch than full fine-tuning, how many decades more full fine-tuning's best rate
    grows, how far below halfway to its best batch the head ends given the steps (nats), and how
    many decades further the full network's curvature falls than the head's."""
    space = run_cells("04", ["11589116", "7d993af5"], seed=seed)
    definitions("04", "f4261648", ["EPOCHS", "ADVICE_BATCHES", "LADDER", "FIRST_GRID",
                                   "tune_and_test", "advice_experiment"], space)
    definitions("04", "a152253c", ["b_min", "b_max", "draw_summary"], space)
    definitions("04", "b4ce878a", ["catch_up"], space)
    definitions("04", "86977f88", ["lambda_max", "curvature"], space)
    experiment = space["advice_experiment"](seed, space["pretrained"])
    summary = list(space["draw_summary"](experiment).values())
    curvature = space["curvature"](experiment)
    caught = space["catch_up"](experiment)
    return {
        "catch_up_loss_at_bmax": float(caught[f"loss at {space['b_max']}"]),
        "catch_up_loss_then": float(caught["loss then"]),
        "catch_up_loss_best": float(caught["loss at the best batch"]),
        "advice_loss_gap": summary[1] - summary[0],
        "advice_rate_gap": math.log10(summary[2] / summary[3]),
        "advice_catch_up": caught["below halfway by"],
        "advice_curvature_gap": math.log10(curvature["head only: lambda after/before"]
                                           / curvature["full: lambda after/before"]),
    }


GROUPS = {"batch_advice": batch_advice}


def batch_sweep(seed: int) -> dict[str, float]:
    """Section 3's sweep, one draw of the data (cells 2839fb5f, a1633255): how many times the
    smallest batch's steps the middle one needs (the check asks for more than 4), and how many
    times the middle batch's examples the largest one needs (the check asks for more than 3)."""
    space = run_cells("04", ["11589116", "2839fb5f", "a1633255"], seed=seed)
    table = space["to_target"]
    steps, examples = table["steps"], table["examples"]
    b_small, b_mid, b_large = table.index[0], 512, table.index[-1]
    return {"sweep_steps_ratio": float(steps[b_small] / steps[b_mid]),
            "sweep_examples_ratio": float(examples[b_large] / examples[b_mid]),
            # the same in logarithms, where their spread is close to normal (SPREADS, log=True)
            "sweep_log_steps_ratio": math.log(steps[b_small] / steps[b_mid]),
            "sweep_log_examples_ratio": math.log(examples[b_large] / examples[b_mid])}


GROUPS["batch_sweep"] = batch_sweep
