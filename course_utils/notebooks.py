"""Notebook upkeep: the shared setup cell, the Colab badge, clean storage, hygiene checks.

`python -m course_utils.notebooks sync` rewrites every notebook's badge and setup cell from the
templates below, drops outputs and adds missing cell ids. `... fork OWNER/NAME` points the
course at a fork. The hygiene tests call `problems()` on each notebook.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import uuid
from pathlib import Path

from course_utils import repo

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
NOTEBOOK_NAME_RE = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
SLUG_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
BADGE_RE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")  # terminal colours in a kernel's tracebacks
ARROW_RE = re.compile(r"^\s*-+>\s*\d+\s?(.*)$")  # IPython's "---> 18 assert ..."

SETUP_TEMPLATE = """\
# Setup: the same cell opens every notebook. In Colab it first fetches the course and
# installs its helpers, keeping Colab's own torch and ipywidgets.
import os
import subprocess
import sys

REPO = "{slug}"  # `make fork REPO=you/your-fork` rewrites this
if "google.colab" in sys.modules:
    COURSE_DIR = "/content/finetuning-course"
    if not os.path.isdir(COURSE_DIR):
        url = f"https://github.com/{{REPO}}.git"
        subprocess.run(["git", "clone", "--depth", "1", url, COURSE_DIR], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", COURSE_DIR], check=True)
    sys.path.insert(0, COURSE_DIR)
    os.chdir(f"{{COURSE_DIR}}/notebooks")

import course_utils

ENV = course_utils.setup()"""


def plain_text(text: str) -> str:
    """A kernel's output without its terminal colour codes."""
    return ANSI_RE.sub("", text)


def failing_line(traceback: list[str]) -> str:
    """The source line an IPython traceback points at with its arrow ("" if none)."""
    lines = [plain_text(line) for entry in traceback for line in entry.splitlines()]
    marked = [m.group(1).strip() for m in map(ARROW_RE.match, lines) if m]
    return marked[-1] if marked else ""


def setup_cell_source(slug: str | None = None) -> str:
    """The exact text of the setup cell for a repository slug."""
    return SETUP_TEMPLATE.format(slug=slug or repo.GITHUB_REPO)


def notebook_folder(path: Path) -> str:
    """A notebook's folder in the repository: `notebooks`, or `notebooks/zh` for the zh edition."""
    return "notebooks/zh" if path.parent.name == "zh" else "notebooks"


def badge(filename: str, slug: str | None = None, folder: str = "notebooks") -> str:
    """The 'Open in Colab' badge for a notebook file in a folder of the repository."""
    slug = slug or repo.GITHUB_REPO
    url = f"https://colab.research.google.com/github/{slug}/blob/{repo.BRANCH}/{folder}/{filename}"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def notebook_paths(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The lesson notebooks, in order."""
    return sorted(folder.glob("*.ipynb"))


def problems(path: Path) -> list[str]:
    """Hygiene problems of one notebook, in plain words (empty when clean)."""
    import nbformat

    raw = json.loads(path.read_text(encoding="utf-8"))  # nbformat.read fills in missing ids
    nb = nbformat.from_dict(raw)
    found = []
    if not NOTEBOOK_NAME_RE.match(path.name):
        found.append("name must look like NN_lower_case_words.ipynb")
    cells = nb.cells
    if len(cells) < 2:
        return found + ["needs a title cell and the setup cell"]
    if cells[0].cell_type != "markdown" or not "".join(cells[0].source).startswith("# "):
        found.append("first cell must be a markdown title ('# ...')")
    if badge(path.name, folder=notebook_folder(path)) not in "".join(cells[0].source):
        found.append("title cell lacks the Colab badge for this file and repository")
    if cells[1].cell_type != "code" or "".join(cells[1].source) != setup_cell_source():
        found.append("second cell is not the shared setup cell (run `make notebooks`)")
    for i, cell in enumerate(cells):
        if not raw["cells"][i].get("id"):
            found.append(f"cell {i} has no id")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            found.append(f"cell {i} has stored outputs")
    for i, cell in enumerate(cells):
        found += [f"cell {i}: {problem}" for problem in self_check_problems(cell)]
    takeaways = "划重点" if notebook_folder(path).endswith("zh") else "Key takeaways"
    if not any(takeaways in "".join(c.source) for c in cells if c.cell_type == "markdown"):
        found.append(f"no '{takeaways}' section")
    return found


SELF_CHECK = "self-check"  # the tag of a code cell that only verifies
CHECK_CALLS = {"agree", "holds", "within", "beats", "compare"}


def _is_check(node: ast.stmt) -> bool:
    """An assert, a call of the check vocabulary, or a for-loop of nothing else."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        function = node.value.func
        return getattr(function, "id", getattr(function, "attr", None)) in CHECK_CALLS
    if isinstance(node, ast.For):
        return all(_is_check(statement) for statement in node.body)
    return False


def self_check_problems(cell) -> list[str]:
    """What is wrong with how a code cell shows or hides its checks, in plain words.

    A cell that only verifies is tagged `self-check` and stored collapsed: JupyterLab hides the
    source of a cell whose metadata has jupyter.source_hidden, and Colab shows a cell with
    metadata cellView "form" as its `# @title` line. Its printed lines stay visible in both. No
    other cell hides its code.
    """
    if cell.get("cell_type") != "code":
        return []
    source = "".join(cell.get("source", ""))
    metadata = cell.get("metadata", {})
    tagged = SELF_CHECK in metadata.get("tags", [])
    hidden = metadata.get("jupyter", {}).get("source_hidden") is True
    form = metadata.get("cellView") == "form"
    try:
        statements = ast.parse(source).body
    except SyntaxError:
        statements = []
    problems_found = []
    if tagged:
        if not (hidden and form):
            problems_found.append("a self-check cell must be stored collapsed (metadata "
                                  "jupyter.source_hidden and cellView 'form')")
        if not source.startswith("# @title "):
            problems_found.append("a self-check cell must open with '# @title <its claims>'")
        if not any(isinstance(node, ast.stmt) and _is_check(node) for node in statements):
            problems_found.append("a cell tagged self-check checks nothing")
    elif hidden or form:
        problems_found.append("only a cell tagged self-check may hide its code")
    elif statements and all(_is_check(node) for node in statements):
        problems_found.append("a cell that only verifies must be tagged self-check")
    return problems_found


def sync(path: Path, slug: str | None = None) -> bool:
    """Rewrite badge and setup cell, drop outputs, add ids; True if the file changed."""
    import nbformat

    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    title = nb.cells[0]
    if BADGE_RE.search(title.source):
        title.source = BADGE_RE.sub(
            lambda _: badge(path.name, slug, notebook_folder(path)), title.source)
    setup_cell = nb.cells[1]
    if setup_cell.cell_type != "code":
        raise ValueError(f"{path.name}: the second cell must be the setup code cell.")
    setup_cell.source = setup_cell_source(slug)
    for cell in nb.cells:
        if not cell.get("id"):
            cell["id"] = uuid.uuid4().hex[:8]
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    after = nbformat.writes(nb) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def set_repo(slug: str) -> None:
    """Point the course at another GitHub repository: course_utils/repo.py and every notebook."""
    if not SLUG_RE.match(slug):
        raise ValueError(
            f"a repository is given as OWNER/NAME, e.g. alice/finetuning, not {slug!r}."
        )
    repo_file = Path(repo.__file__)
    text = re.sub(r'GITHUB_REPO = "[^"]*"', f'GITHUB_REPO = "{slug}"', repo_file.read_text())
    repo_file.write_text(text)
    repo.GITHUB_REPO = slug
    for path in notebook_paths() + notebook_paths(NOTEBOOKS_DIR / "zh"):
        sync(path, slug)


def main(argv: list[str]) -> int:
    usage = "usage: python -m course_utils.notebooks sync | fork OWNER/NAME"
    if argv == ["sync"]:
        for path in notebook_paths() + notebook_paths(NOTEBOOKS_DIR / "zh"):
            if sync(path):
                print(f"synced {path.relative_to(NOTEBOOKS_DIR)}")
        return 0
    if len(argv) == 2 and argv[0] == "fork":
        set_repo(argv[1])
        print(f"notebooks now point at github.com/{argv[1]}")
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
