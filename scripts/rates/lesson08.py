"""Lesson 08: the claims that depend on the data drawn, one draw each: a line fitted through
outliers (section 2), the wrong inputs to cross-entropy and KL's asymmetry (sections 3 and 6), and
the loss of lesson 01 on four reviews (section 7)."""

from __future__ import annotations

import ast
import inspect
import math
import os

import torch

from rates.lesson_code import cell_sources, definitions, run_cells

BLOCK = 1000  # seeds fitted side by side; the first of each block is checked against the lesson
SECTION_7 = ["5b4fcde5", "07b694e3", "ae2a3cb6", "7974e0ae", "e25909f1", "71a32fc3"]
_space: dict = {}
_outlier_cache: dict[tuple[int, bool], dict[str, bool]] = {}
_compiled: dict = {}


def _setup() -> dict:
    if not _space:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        run_cells("08", ["0e0efa3b", "5f7d7061"], seed=0, namespace=_space)
    return _space


def _fit_side_by_side(loss_fn, x, Y, steps, lr):
    """The lesson's fit_line for many data sets at once: Adam works weight by weight, and the
    lesson's losses average, so len(Y) times the loss of all rows trains each row's line as it
    would alone (up to the order of sums)."""
    ab = torch.zeros(len(Y), 2, 1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([ab], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        (len(Y) * loss_fn(ab[:, 0] * x + ab[:, 1], Y)).backward()
        optimizer.step()
    return ab.detach()[:, :, 0]


def _outlier_block(first: int, fast: bool) -> None:
    space = _setup()
    space["ENV"].fast = fast
    definitions("08", "cacac15b", ["FIT_STEPS"], space)
    definitions("08", "cacac15b", ["fit_line"], space)
    steps, lr = space["FIT_STEPS"], inspect.signature(space["fit_line"]).parameters["lr"].default
    x = torch.linspace(0, 10, 40, dtype=torch.float64)  # the data of cell cacac15b, seed by seed
    outliers = torch.tensor([30, 33, 36, 39])
    ys = []
    for seed in range(first, first + BLOCK):
        generator = torch.Generator().manual_seed(seed)
        y = 2 * x + 1 + 0.5 * torch.randn(40, generator=generator, dtype=torch.float64)
        y[outliers] -= 25
        ys.append(y)
    Y = torch.stack(ys)
    lines = {name: _fit_side_by_side(space[loss], x, Y, steps, lr)
             for name, loss in [("MSE", "mse"), ("MAE", "mae"), ("Huber, δ = 1", "huber")]}
    A = torch.stack([x, torch.ones_like(x)], dim=1)
    least_squares = torch.linalg.lstsq(A.expand(BLOCK, 40, 2), Y[:, :, None]).solution[:, :, 0]
    # The lesson's own code, on the block's first seed, must give the same lines.
    lesson = run_cells("08", ["cacac15b"], seed=first, fast=fast, namespace=space)
    for name, ab in lines.items():
        if not torch.allclose(lesson["lines"][name], ab[0], rtol=0, atol=1e-6):
            raise RuntimeError(f"seed {first}, {name}: fitted side by side {ab[0].tolist()}, "
                               f"by the lesson {lesson['lines'][name].tolist()}")
    mode = "fast" if fast else "full"
    for k in range(BLOCK):
        _outlier_cache[first + k, fast] = {
            f"outliers_mse_fit_is_least_squares_{mode}":
                bool((lines["MSE"][k] - least_squares[k]).abs().max() <= 1e-3),
            f"outliers_robust_slopes_near_truth_{mode}":
                all(bool((lines[name][k, 0] - 2).abs() < 0.3) for name in ("MAE", "Huber, δ = 1")),
        }


def outliers(seed: int, fast: bool = True) -> dict[str, bool]:
    """Cell cacac15b: does Adam's MSE fit come within 1e-3 of least squares, and do MAE's and
    Huber's slopes stay within 0.3 of the true one?"""
    if (seed, fast) not in _outlier_cache:
        _outlier_block(seed, fast)
    return _outlier_cache.pop((seed, fast))


def outliers_full(seed: int) -> dict[str, bool]:
    """The same in full mode (more Adam steps)."""
    return outliers(seed, fast=False)


def wrong_inputs(seed: int) -> dict[str, bool]:
    """Cells 8679f816 and a8cd1d97 on their random logits: cross-entropy of probabilities is
    another number, its gradient is below a third of the right one, and KL is not symmetric."""
    space = run_cells("08", ["417ed2b1", "8679f816", "a8cd1d97"], seed=seed, namespace=_setup())
    tolerance = space["tolerance"]
    return {
        "softmax_twice_changes_loss": bool(abs(space["on_probabilities"] - space["right"])
                                           > tolerance(torch.float32, space["right"])),
        "softmax_twice_shrinks_gradient": bool(space["ratio"] < 1 / 3),
        "kl_not_symmetric": bool(space["asymmetry"] > 1e-3),
    }


def _draw_reviews(space: dict, seed: int) -> None:
    """Cell 5b4fcde5 from the draw of the reviews on (the model and tokenizer already loaded)."""
    if "draw_reviews" not in _compiled:
        tree = ast.parse(cell_sources("08")["5b4fcde5"])
        first = next(i for i, node in enumerate(tree.body) if isinstance(node, ast.Assign)
                     and any(getattr(t, "id", None) == "reviews" for t in node.targets))
        module = ast.Module(body=tree.body[first:], type_ignores=[])
        _compiled["draw_reviews"] = compile(module, "<lesson 08 cell 5b4fcde5, from the reviews "
                                            "on>", "exec")
    space["ENV"].seed, space["print"] = seed, lambda *args, **kwargs: None
    exec(_compiled["draw_reviews"], space)
    space["print"] = print


def lm_loss(seed: int) -> dict[str, bool]:
    """Section 7 on the four reviews drawn with this seed (offline: the stand-in model). The model
    is loaded once; each seed redraws the reviews as cell 5b4fcde5 does, and runs the rest."""
    space = _setup()
    if "model" not in space:
        run_cells("08", ["417ed2b1", *SECTION_7], seed=seed, namespace=space)
    else:
        _draw_reviews(space, seed)
        run_cells("08", SECTION_7[1:], seed=seed, namespace=space)
    s = space
    tolerance, logit_size = s["tolerance"], s["logit_size"]
    return {
        "lm_unshifted_loss_differs": bool((s["unshifted"] - s["output"].loss).abs() > 0.1),
        "lm_rows_differ_in_length": len(set(s["lm_scored"].sum(dim=1).tolist())) > 1,
        "lm_loss_is_token_mean_not_row_mean": bool(
            (s["lm_output"].loss - s["token_mean"]).abs()
            < (s["lm_output"].loss - s["row_means"].mean()).abs()),
        "lm_beats_uniform": bool(s["lm_output"].loss.exp() < s["vocabulary"]),
        "lm_label_harder_than_text": bool(s["output"].loss > s["lm_output"].loss),  # not checked
        "lm_label_gradient_reaches_weights": s["moved"] > 0.9 * len(s["tensors"]),
        "lm_label_step_moves_text_loss": bool((s["lm_after"] - s["lm_output"].loss).abs()
                                              > tolerance(torch.float32, logit_size)),
    }


def label_loss(seed: int) -> dict[str, bool]:
    """Cell 5b4fcde5 alone: is the loss at the label above log 2, worse than a coin flip?"""
    space = _setup()
    if "model" not in space:
        run_cells("08", ["5b4fcde5"], seed=seed, namespace=space)
    else:
        _draw_reviews(space, seed)
    return {"lm_label_worse_than_coin_flip": bool(space["output"].loss > math.log(2))}


GROUPS = {"outliers": outliers, "outliers_full": outliers_full, "wrong_inputs": wrong_inputs,
          "lm_loss": lm_loss, "label_loss": label_loss}
