#!/usr/bin/env python
"""Run the course's notebooks one by one and report each one's time and any failure.

Meant for a GPU machine: `python scripts/run_notebooks.py --require-cuda` runs every notebook in
full mode with the offline stand-ins (HF_HUB_OFFLINE=1), so it needs no Hub access, and fails
if the kernel does not see a CUDA device. Failures are reported with the cell and the error
(device placement, dtype, mixed precision ...). Writes a JSON report; exits 1 if any failed.

    python scripts/run_notebooks.py                      # all notebooks, full mode
    python scripts/run_notebooks.py --fast --only 01 09  # two notebooks, fast mode
    python scripts/run_notebooks.py --fast --twice       # Run All twice in one kernel
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"


def run_one(path: Path, timeout: int, twice: bool = False) -> dict:
    """Execute one notebook in a fresh kernel; returns its time, setup line and first error.

    With `twice`, every cell runs a second time after the first pass, in the same kernel, as
    when a learner chooses Run All again: state left by the first pass must not break it.
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
    start = time.perf_counter()
    error = None
    try:
        client.execute()
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
        "seconds": round(seconds, 1),
        "ok": error is None,
        "setup": setup_line,
        "failed_cell": failed_cell,
        "failed_cell_id": failed_id,
        "failed_line": line,
        "error": plain_text(error) if error else error,
    }


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

    reports = []
    for path in paths:
        print(f"{path.name} ...", end=" ", flush=True)
        report = run_one(path, args.timeout, twice=args.twice)
        if report["ok"] and args.require_cuda and "device: cuda" not in report["setup"]:
            report.update(ok=False, error=f"not on CUDA: {report['setup']!r}")
        reports.append(report)
        print(f"{'ok' if report['ok'] else 'FAILED'} in {report['seconds']} s", flush=True)
        if not report["ok"]:
            print(f"    cell {report['failed_cell']} ({report['failed_cell_id']}): "
                  f"{report['error']}\n    at: {report['failed_line']}", flush=True)

    print(f"\n{'notebook':42} {'time s':>8}  result")
    for r in reports:
        print(f"{r['notebook']:42} {r['seconds']:8.1f}  {'ok' if r['ok'] else 'FAILED'}")
    setups = {r["setup"] for r in reports if r["setup"]}
    print("setup line(s):", *setups, sep="\n  ")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"fast": args.fast, "notebooks": reports}, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0 if all(r["ok"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
