"""Lesson 03, section 7: gradient descent on the XOR network from one random start."""

from __future__ import annotations

import torch
from torch import nn

from rates.lesson_code import definitions, run_cells

_space: dict = {}


def xor(seed: int) -> dict[str, bool]:
    """One start, drawn as the lesson draws its twenty: does it solve XOR in the lesson's steps,
    and does it pass a flat stretch on the way?"""
    if not _space:
        run_cells("03", ["03-03", "03-14"], seed=0, namespace=_space)
        definitions("03", "03-33", ["LR_XOR", "STEPS_XOR"], _space)
        definitions("03", "03-33b", ["train_from", "solves_xor", "flat_stretch"], _space)
    torch.manual_seed(seed)
    draw = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    start = {name: w.detach() for name, w in zip(_space["NAMES"], draw.parameters())}
    end, losses, norms = _space["train_from"](start)
    return {"xor_solved": _space["solves_xor"](end),
            "xor_flat_stretch": _space["flat_stretch"](losses, norms)}


GROUPS = {"xor": xor}
