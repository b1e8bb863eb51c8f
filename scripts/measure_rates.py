#!/usr/bin/env python
"""Measure how often each seed-dependent claim of the lessons holds for one draw, over many seeds.

Some claims hold on most draws but not on all ("this start solves XOR"). A lesson then runs a
few draws and requires most of them to go the claim's way; how many follows from the rate that
one draw does, measured here and recorded in course_utils.stats.MEASURED with this command.

    python scripts/measure_rates.py --list
    python scripts/measure_rates.py xor --seeds 2000       # one group of claims
    python scripts/measure_rates.py all --seeds 100 --check  # agree with the recorded rates?
    COURSE_FAST=0 python scripts/measure_rates.py batch_advice --seeds 100  # full-mode sizes

Each group runs the lesson's own code, read from its notebook (its asserts removed), once per
seed, under seeds from 10,000 up, which no lesson uses by default. The groups live in
scripts/rates/lessonNN.py, one module per lesson.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
FIRST_SEED = 10_000


def groups() -> dict:
    """Every measurement group: name -> function(seed) -> {claim: held?}."""
    found = {}
    for path in sorted((HERE / "rates").glob("lesson[0-9]*.py")):
        module = importlib.import_module(f"rates.{path.stem}")
        for name, function in module.GROUPS.items():
            if name in found:
                raise ValueError(f"two groups are called {name!r}")
            found[name] = function
    return found


def measure(name: str, function, seeds: int) -> dict[str, list]:
    """Run one group under `seeds` seeds; claim -> its value for each seed (a yes/no, or a size)."""
    values: dict[str, list] = {}
    start = time.perf_counter()
    for i in range(seeds):
        for claim, value in function(FIRST_SEED + i).items():
            values.setdefault(claim, []).append(value)
        if (i + 1) % max(1, seeds // 10) == 0 and i + 1 < seeds:
            print(f"{name}: {i + 1} of {seeds} seeds, {time.perf_counter() - start:.0f} s",
                  flush=True)
    elapsed = time.perf_counter() - start
    mode = "fast" if os.environ.get("COURSE_FAST", "1") == "1" else "full"
    print(f"{name}: {seeds} seeds in {elapsed:.0f} s ({mode} mode)")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="groups to measure, or 'all'")
    parser.add_argument("--seeds", type=int, default=1000, help="seeds per group")
    parser.add_argument("--list", action="store_true", help="list the groups and stop")
    parser.add_argument("--save", type=Path, help="write every seed's values to this JSON file")
    parser.add_argument("--check", action="store_true",
                        help="fail if a rate is far below the one recorded in MEASURED")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("COURSE_FAST", "1")  # COURSE_FAST=0 measures the full-mode sizes
    import numpy as np
    import torch

    torch.set_num_threads(1)
    from course_utils import stats

    known = groups()
    if args.list or not args.names:
        for name in known:
            print(name)
        return 0
    names = list(known) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"no group {unknown}; --list shows them")
    if args.seeds < 1:
        parser.error("--seeds must be 1 or more")
    worse, saved = [], {}
    for name in names:
        measured = measure(name, known[name], args.seeds)
        saved.update({claim: [v if isinstance(v, float) else bool(v) for v in values]
                      for claim, values in measured.items()})
        for claim, values in measured.items():
            if not all(isinstance(v, (bool, np.bool_)) for v in values):  # a size: its spread
                sizes = np.asarray(values, dtype=float)
                print(f"  {claim}: mean {sizes.mean():.6g}, sd {sizes.std(ddof=1):.6g}, "
                      f"min {sizes.min():.4g}, max {sizes.max():.4g}, over {sizes.size} seeds",
                      flush=True)
                continue
            held, runs = int(sum(values)), len(values)
            recorded = stats.MEASURED.get(claim)
            line = f"  {claim}: held {held} of {runs} ({held / runs:.1%})"
            if recorded is not None:
                line += f"; recorded {recorded.held} of {recorded.runs}"
                # far below: at the recorded rate's lower bound this count is a 1-in-1,000 event
                if args.check and stats.binomial_tail(runs, runs - held,
                                                      1 - recorded.lower_bound()) < 1e-3:
                    worse.append(claim)
                    line += "  <- lower than recorded"
            print(line, flush=True)
    if args.save:
        args.save.write_text(json.dumps(saved) + "\n")
    if worse:
        print(f"rates lower than recorded: {worse}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
