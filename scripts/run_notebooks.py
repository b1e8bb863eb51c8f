#!/usr/bin/env python
"""Run the course's notebooks one by one and report each one's time and any failure.

Meant for a GPU machine: `python scripts/run_notebooks.py --require-cuda` runs every notebook in
full mode with the offline stand-ins (HF_HUB_OFFLINE=1), so it needs no Hub access, and fails
if the kernel does not see a CUDA device. Failures are reported with the cell and the error
(device placement, dtype, mixed precision ...). Writes a JSON report; exits 1 if any failed.

    python scripts/run_notebooks.py                      # all notebooks, full mode
    python scripts/run_notebooks.py --fast --only 01 09  # two notebooks, fast mode
    python scripts/run_notebooks.py --fast --twice       # Run All twice in one kernel
    python scripts/run_notebooks.py --fast --seeds 0 1 2 --jobs 2  # lesson x seed

With --seeds, each lesson runs once under each seed and a table of lesson x seed ends the report,
with the failing check's message for each failure (`make test-seeds`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"


def run_one(path: Path, timeout: int, twice: bool = False, seed: int | None = None) -> dict:
    """Execute one notebook in a fresh kernel; returns its time, setup line and first error.

    With `twice`, every cell runs a second time after the first pass, in the same kernel, as
    when a learner chooses Run All again: state left by the first pass must not break it.
    With `seed`, the kernel runs with COURSE_SEED set to it.
    """
    import copy

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    from course_utils.notebooks import failing_line, plain_text

    nb = nbformat.read(path, as_version=4)
    if twice:
        second = copy.deepcopy(nb.cells)
        for cell in second:
            cell["id"] = f"{cell['id']}-again"
        nb.cells = nb.cells + second
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    kernel_env = dict(os.environ)
    if seed is not None:
        kernel_env["COURSE_SEED"] = str(seed)
    start = time.perf_counter()
    error = None
    try:
        client.execute(env=kernel_env)
    except (CellExecutionError, CellTimeoutError) as err:
        error = str(err).strip().splitlines()[-1][:500]
    seconds = time.perf_counter() - start
    setup_line = ""
    failed_cell = failed_id = None
    line = ""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if not setup_line and output.get("output_type") == "stream":
                lines = [x for x in output["text"].splitlines() if x.startswith("device: ")]
                setup_line = lines[0] if lines else ""
            if output.get("output_type") == "error" and failed_cell is None:
                failed_cell, failed_id = index, cell.get("id")
                line = failing_line(output.get("traceback", []))
    return {
        "notebook": path.name,
        "seed": seed,
        "seconds": round(seconds, 1),
        "ok": error is None,
        "setup": setup_line,
        "failed_cell": failed_cell,
        "failed_cell_id": failed_id,
        "failed_line": line,
        "error": plain_text(error) if error else error,
    }


def seed_table(reports: list[dict], seeds: list[int]) -> str:
    """Lesson x seed: 'ok' or 'FAIL', then each failure's cell and message."""
    lessons = list(dict.fromkeys(r["notebook"] for r in reports))
    by_key = {(r["notebook"], r["seed"]): r for r in reports}
    lines = ["", f"{'lesson':40}" + "".join(f"{'seed ' + str(s):>9}" for s in seeds)]
    for lesson in lessons:
        marks = ["ok" if by_key[(lesson, s)]["ok"] else "FAIL" for s in seeds]
        lines.append(f"{lesson[:40]:40}" + "".join(f"{m:>9}" for m in marks))
    failed = [r for r in reports if not r["ok"]]
    passed = len(reports) - len(failed)
    lines.append(f"{passed} of {len(reports)} runs passed")
    for r in failed:
        lines.append(f"  {r['notebook']} seed {r['seed']}: cell {r['failed_cell']} "
                     f"({r['failed_cell_id']}): {r['error']}\n      at: {r['failed_line']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NN", help="lesson numbers to run")
    parser.add_argument("--fast", action="store_true", help="fast mode (COURSE_FAST=1)")
    parser.add_argument(
        "--require-cuda",
        action="store_true",
        help="fail every notebook whose setup line does not report a CUDA device",
    )
    parser.add_argument("--twice", action="store_true", help="Run All twice in one kernel")
    parser.add_argument("--seeds", nargs="+", type=int, metavar="S",
                        help="run every lesson once under each COURSE_SEED, and print a table")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks run at once (each kernel gets cores / jobs threads)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--json", type=Path, default=REPO_ROOT / "outputs" / "run_notebooks.json")
    parser.add_argument("--dir", type=Path, default=NOTEBOOKS, help="folder of the notebooks")
    args = parser.parse_args(argv)

    os.environ["HF_HUB_OFFLINE"] = os.environ.get("HF_HUB_OFFLINE", "1")
    os.environ["COURSE_FAST"] = "1" if args.fast else "0"
    paths = sorted(args.dir.glob("*.ipynb"))
    if args.only:
        paths = [p for p in paths if p.name[:2] in set(args.only)]
        if not paths:
            parser.error(f"no notebook numbered {' '.join(args.only)}")

    if args.jobs < 1:
        parser.error("--jobs must be 1 or more")
    if any(seed < 0 for seed in args.seeds or []):
        parser.error("--seeds must be whole numbers, 0 or more")
    if args.jobs > 1:  # kernels share the cores: one share of threads each, never more
        share = str(max(1, (os.cpu_count() or 1) // args.jobs))
        os.environ.setdefault("OMP_NUM_THREADS", share)
        os.environ.setdefault("COURSE_THREADS", share)
    seeds = args.seeds if args.seeds else [None]
    jobs = [(path, seed) for path in paths for seed in seeds]

    def run(job: tuple[Path, int | None]) -> dict:
        path, seed = job
        report = run_one(path, args.timeout, twice=args.twice, seed=seed)
        if report["ok"] and args.require_cuda and "device: cuda" not in report["setup"]:
            report.update(ok=False, error=f"not on CUDA: {report['setup']!r}")
        under = "" if seed is None else f" (seed {seed})"
        print(f"{path.name}{under}: {'ok' if report['ok'] else 'FAILED'} in "
              f"{report['seconds']} s", flush=True)
        if not report["ok"]:
            print(f"    cell {report['failed_cell']} ({report['failed_cell_id']}): "
                  f"{report['error']}\n    at: {report['failed_line']}", flush=True)
        return report

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        reports = list(pool.map(run, jobs))
    elapsed = time.perf_counter() - start

    if args.seeds:
        print(seed_table(reports, args.seeds))
    else:
        print(f"\n{'notebook':42} {'time s':>8}  result")
        for r in reports:
            print(f"{r['notebook']:42} {r['seconds']:8.1f}  {'ok' if r['ok'] else 'FAILED'}")
    print(f"{len(reports)} run(s) in {elapsed:.0f} s")
    seed_part = re.compile(r" \| seed: \d+ \(COURSE_SEED\)")
    setups = {seed_part.sub("", r["setup"]) for r in reports if r["setup"]}
    print("setup line(s):", *sorted(setups), sep="\n  ")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"fast": args.fast, "seeds": args.seeds,
                                     "notebooks": reports}, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0 if all(r["ok"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
