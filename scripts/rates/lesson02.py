"""Lesson 02: the additivity of deep stacks (section 5) and XOR on noisy clouds, one draw each."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from rates.lesson_code import definitions, run_cells

_space: dict = {}
BLOCK = 1000  # seeds trained side by side; the first of each block is checked against the lesson
_xor_cache: dict[int, dict[str, bool]] = {}


def _setup() -> dict:
    if not _space:
        run_cells("02", ["02-03"], seed=0, namespace=_space)
        definitions("02", "02-32", ["corners", "xor"], _space)
        definitions("02", "02-34", ["xor_cloud", "fit", "accuracy_of", "STEPS"], _space)
    return _space


def additivity(seed: int) -> dict[str, bool]:
    """Cell 02-30 as it is: is the linear stack additive up to float32 rounding, and the tanh
    stack not, by more than rounding?"""
    space = run_cells("02", ["02-30"], seed=seed, namespace=_setup())
    tolerance = space["tolerance"]
    return {"linear_stack_additive": bool(space["gap_linear"]
                                          <= tolerance(torch.float32, space["size_linear"])),
            "tanh_stack_not_additive": bool(space["gap_tanh"]
                                            > tolerance(torch.float32, space["size_tanh"]))}


def _train_side_by_side(models: list[nn.Module], X: torch.Tensor, Y: torch.Tensor, steps: int):
    """The lesson's `fit` for many models at once: Adam works weight by weight, so summing the
    models' losses trains each one as it would alone (up to the order of float32 sums).
    Returns a function of (inputs per model) or (inputs shared by all) -> scores per model."""
    params, buffers = stack_module_state(models)
    template = copy.deepcopy(models[0]).to("meta")

    def run(p, x):
        return functional_call(template, (p, buffers), (x,))[..., 0]

    optimizer = torch.optim.Adam(list(params.values()), lr=0.05)  # as in the lesson's fit
    for _ in range(steps):
        optimizer.zero_grad()
        scores = vmap(run)(params, X)
        vmap(F.binary_cross_entropy_with_logits)(scores, Y).sum().backward()
        optimizer.step()

    @torch.no_grad()
    def scores_of(x, shared=False):
        return vmap(run, in_dims=(0, None) if shared else 0)(params, x)

    return scores_of


def _xor_block(first: int) -> None:
    space = _setup()
    corners, xor, steps = space["corners"].float(), space["xor"].float(), space["STEPS"]
    clouds, linears, hiddens = [], [], []
    for seed in range(first, first + BLOCK):  # the draws of cell 02-34, seed by seed
        clouds.append(space["xor_cloud"](50, torch.Generator().manual_seed(seed + 1)))
        torch.manual_seed(seed)
        linears.append(nn.Linear(2, 1))
        hiddens.append(nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)))
    X = torch.stack([c[0] for c in clouds])
    Y = torch.stack([c[1] for c in clouds])
    linear = _train_side_by_side(linears, X, Y, steps)
    hidden = _train_side_by_side(hiddens, X, Y, steps)
    acc_linear = ((linear(X) > 0).float() == Y).float().mean(dim=1)
    acc_hidden = ((hidden(X) > 0).float() == Y).float().mean(dim=1)
    corners_right = ((hidden(corners, shared=True) > 0).float() == xor).all(dim=1)
    # The lesson's own code, on the block's first seed, must give the same accuracies.
    lesson = run_cells("02", ["02-34"], seed=first, namespace=space)
    ours = (acc_linear[0].item(), acc_hidden[0].item())
    if (lesson["acc_linear"], lesson["acc_hidden"]) != ours:
        raise RuntimeError(f"seed {first}: trained side by side {ours}, by the lesson "
                           f"{(lesson['acc_linear'], lesson['acc_hidden'])}")
    for k in range(BLOCK):
        _xor_cache[first + k] = {
            "xor_linear_near_chance": bool(acc_linear[k] < 0.6),
            "xor_hidden_fits": bool(acc_hidden[k] >= 0.97 and corners_right[k]),
        }


def xor_cloud(seed: int) -> dict[str, bool]:
    """Cell 02-34: does the linear model stay near chance (below 60%), and does the hidden layer
    fit the noisy points (97% or more) and all four corners?"""
    if seed not in _xor_cache:
        _xor_block(seed)
    return _xor_cache.pop(seed)


GROUPS = {"additivity": additivity, "xor_cloud": xor_cloud}
