"""Run a lesson's own code outside its notebook: chosen cells, their asserts removed."""

from __future__ import annotations

import ast
import builtins
import json
import os
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


class _NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):  # the lesson's checks are what we measure, not what we run
        return ast.Pass()


def cell_sources(lesson: str) -> dict[str, str]:
    """Cell id -> source, for the English notebook numbered `lesson` ("03")."""
    (path,) = NOTEBOOKS.glob(f"{lesson}_*.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return {c["id"]: "".join(c["source"]) for c in cells if c["cell_type"] == "code"}


class FakeEnv:
    """What a lesson reads from ENV: its seed and run mode, on the CPU in fp32."""

    def __init__(self, seed: int, fast: bool = True):
        import torch

        self.seed, self.fast = seed, fast
        self.device, self.precision, self.dtype = torch.device("cpu"), "fp32", torch.float32
        self.offline, self.threads = True, 1


def run_cells(lesson: str, cell_ids: list[str], seed: int, fast: bool | None = None,
              namespace: dict | None = None, quiet: bool = True) -> dict:
    """Execute the lesson's cells in order (asserts removed, output hidden) under COURSE_SEED=seed
    and return the namespace they leave behind. `fast` defaults to COURSE_FAST (1 if unset)."""
    os.environ["COURSE_SEED"] = str(seed)  # what course_utils' defaults read
    if fast is None:
        fast = os.environ.get("COURSE_FAST", "1") == "1"
    sources = cell_sources(lesson)
    space = namespace if namespace is not None else {}
    space.setdefault("ENV", FakeEnv(seed, fast))
    space["ENV"].seed, space["ENV"].fast = seed, fast
    if quiet:
        space["print"] = lambda *args, **kwargs: None
        space["display"] = lambda *args, **kwargs: None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for cell_id in cell_ids:
        source = "\n".join(line for line in sources[cell_id].splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        tree = _NoAsserts().visit(ast.parse(source))
        ast.fix_missing_locations(tree)
        exec(compile(tree, f"<lesson {lesson} cell {cell_id}>", "exec"), space)
        plt.close("all")
    if quiet:
        space["print"] = builtins.print
    return space


def definitions(lesson: str, cell_id: str, names: list[str], space: dict) -> dict:
    """Execute only the statements of a cell that define `names` (functions and assignments),
    into `space`: a cell's functions without the experiment it runs."""
    tree = ast.parse(cell_sources(lesson)[cell_id])

    def defines(node) -> set[str]:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            return {node.name}
        if isinstance(node, ast.Assign):
            return {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        return set()

    kept = [node for node in tree.body if defines(node) & set(names)]
    missing = set(names) - set().union(*(defines(node) for node in kept))
    if missing:
        raise KeyError(f"lesson {lesson} cell {cell_id} does not define {sorted(missing)}")
    module = ast.Module(body=kept, type_ignores=[])
    exec(compile(module, f"<lesson {lesson} cell {cell_id}>", "exec"), space)
    return space
