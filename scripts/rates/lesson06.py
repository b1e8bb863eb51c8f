"""Lesson 06, section 3: one draw of the schedules experiment; section 4: one draw of the range
test. Each runs the lesson's own code, in fast mode or in full mode (more steps: its own rates).
"""

from __future__ import annotations

from functools import partial

from rates.lesson_code import definitions, run_cells

_spaces: dict[bool, dict] = {}


def _space(fast: bool) -> dict:
    """The lesson's imports, schedules and functions, read once per mode."""
    if fast not in _spaces:
        space: dict = {}
        run_cells("06", ["cb9e594b", "fb12f0eb"], seed=0, fast=fast, namespace=space)
        definitions("06", "9b8555f5", ["mse", "PEAK", "sine_data", "sine_net", "run_schedules"],
                    space)
        definitions("06", "d70c287e", ["DECAYING", "outcome", "claims"], space)
        definitions("06", "3d5d5188", ["LOW", "HIGH", "RAMP_STEPS", "ramp", "range_test"], space)
        definitions("06", "6e4920aa", ["CHECK_STEPS", "FACTORS", "try_rates", "range_claims"],
                    space)
        _spaces[fast] = space
    return _spaces[fast]


def _named(claims: dict[str, bool], fast: bool) -> dict[str, bool]:
    mode = "fast" if fast else "full"
    return {f"{claim}, {mode} mode": bool(held) for claim, held in claims.items()}


def schedules(seed: int, fast: bool = True) -> dict[str, bool]:
    """One draw of section 3, as the lesson draws its six: the data, the starting weights and
    the batch order from `seed`; the four schedules and the untrained network on them."""
    space = _space(fast)
    return _named(space["claims"](space["outcome"](*space["run_schedules"](seed))), fast)


def range_test(seed: int, fast: bool = True) -> dict[str, bool]:
    """One draw of section 4, as the lesson draws its five: the range test on the data, weights
    and batch order of `seed`, then the chosen rate against 100 and 10 times smaller and 10
    times larger."""
    space = _space(fast)
    chosen = space["range_test"](seed)[2] / 10
    return _named(space["range_claims"](space["try_rates"](seed, chosen)), fast)


GROUPS = {
    "schedules": schedules,
    "schedules_full": partial(schedules, fast=False),
    "range_test": range_test,
    "range_test_full": partial(range_test, fast=False),
}
