"""Lesson 07, section 3: L-BFGS on the noisy bowl, one draw of the noise."""

from __future__ import annotations

from rates.lesson_code import definitions, run_cells

_space: dict = {}


def noisy_bowl(seed: int) -> dict[str, bool]:
    """One draw of the noise (seed): does L-BFGS need more than twice the loss-and-gradient
    evaluations to reach the threshold that it needs without noise? (Cell f3b95e61's function.)"""
    if not _space:
        run_cells("07", ["fa5b0b89"], seed=0, namespace=_space)
        definitions("07", "a7b4ac12", ["FUNCTIONS", "steps_to_threshold"], _space)
        definitions("07", "e859c867", ["run_lbfgs"], _space)
        _space["bowl"] = _space["FUNCTIONS"]["noisy bowl"]
        definitions("07", "f3b95e61", ["evaluations_to_threshold"], _space)
        _space["exact"] = _space["evaluations_to_threshold"](0.0)
    noisy = _space["evaluations_to_threshold"](_space["bowl"]["noise"], seed=seed)
    return {"noisy_bowl_lbfgs_doubles": noisy > 2 * _space["exact"]}


GROUPS = {"noisy_bowl": noisy_bowl}


def feature_scales(seed: int) -> dict[str, float]:
    """Section 4's linear model with features of scale 0.1 to 10 (cell 92252c11), one draw of the
    data and of the batches: the small-scale weight Adam and SGD learn, and what L2 and AdamW
    take off the large-scale weight and keep of the small one, relative to Adam without decay."""
    space = run_cells("07", ["fa5b0b89", "92252c11"], seed=seed)
    adam, l2, adamw, sgd = (space["weights"][k] for k in space["weights"])
    big, small = 4, 0
    return {"adam_small_weight": float(adam[small]),
            "sgd_small_weight": float(sgd[small]),
            "l2_big_weight_lost": float(1 - l2[big] / adam[big]),
            "adamw_big_weight_lost_more": float(l2[big] / adam[big] - adamw[big] / adam[big]),
            "l2_small_weight_kept": float(l2[small] / adam[small]),
            "adamw_small_weight_kept_more": float(adamw[small] / adam[small]
                                                  - l2[small] / adam[small])}


GROUPS["feature_scales"] = feature_scales
