"""Repository hygiene: numbered clean notebooks with the shared setup cell; README; tidy tree."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils import notebooks as nbtools

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = nbtools.notebook_paths()
CHINESE = nbtools.notebook_paths(nbtools.NOTEBOOKS_DIR / "zh")


def test_notebooks_are_numbered_without_gaps():
    numbers = [int(nbtools.NOTEBOOK_NAME_RE.match(p.name).group(1)) for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1))


@pytest.mark.parametrize("path", NOTEBOOKS + CHINESE, ids=lambda p: nbtools.notebook_folder(p)
                         + "/" + p.name)
def test_notebook_is_clean(path):
    assert nbtools.problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_readme(path):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"notebooks/{path.name}" in readme


def test_every_lesson_has_its_chinese_edition_listed_in_the_chinese_readme():
    assert [p.name for p in CHINESE] == [p.name for p in NOTEBOOKS]
    readme = (REPO_ROOT / "README.zh.md").read_text(encoding="utf-8")
    for path in CHINESE:
        assert f"notebooks/zh/{path.name}" in readme, path.name
    assert "README.zh.md" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "README.md" in readme and "make lab" in readme and "make test" in readme
    assert "HF_ENDPOINT" in readme  # the way in from restricted networks


def test_readme_gives_the_two_commands():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make lab" in readme and "make test" in readme
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_problems_are_found(tmp_path):
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    nb.cells[1].source += "\nprint('changed')"
    code_cell = next(c for c in nb.cells[2:] if c.cell_type == "code")
    code_cell.outputs = [nbformat.v4.new_output("stream", text="hi")]
    path = tmp_path / "07_bad.ipynb"
    raw = nbformat.writes(nb, version=4)
    data = json.loads(raw)
    del data["cells"][3]["id"]
    path.write_text(json.dumps(data), encoding="utf-8")
    found = " | ".join(nbtools.problems(path))
    for expected in ("Colab badge", "setup cell", "stored outputs", "has no id"):
        assert expected in found


def test_sync_repairs_a_notebook_and_fork_rewrites_the_slug(tmp_path):
    path = tmp_path / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], path)
    assert not nbtools.sync(path)  # already clean: unchanged
    assert nbtools.sync(path, slug="alice/my-fork")
    nb = nbformat.read(path, as_version=4)
    assert 'REPO = "alice/my-fork"' in nb.cells[1].source
    assert (
        "colab.research.google.com/github/alice/my-fork/blob/main/notebooks/" in nb.cells[0].source
    )
    with pytest.raises(ValueError, match="OWNER/NAME"):
        nbtools.set_repo("not a slug")


def test_ruff_is_clean():
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout


def test_no_large_or_generated_files_in_git():
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        assert not re.search(r"(\.ipynb_checkpoints|__pycache__|outputs/|\.pyc$)", name), name
        size = (REPO_ROOT / name).stat().st_size if (REPO_ROOT / name).exists() else 0
        assert size < 1_000_000, f"{name} is {size / 1e6:.1f} MB"


HARD_CODED_DEVICE = re.compile(
    r"""\.cuda\(|["']cuda:\d|device\s*=\s*["']cuda["']|torch\.device\(["']cuda"""
)


@pytest.mark.parametrize("path", NOTEBOOKS + CHINESE, ids=lambda p: nbtools.notebook_folder(p)
                         + "/" + p.name)
def test_notebooks_never_hard_code_cuda(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            found = HARD_CODED_DEVICE.search(cell.source)
            assert not found, f"cell {i} hard-codes a device ({found.group(0)}); use ENV.device"


# Bounds that constraints-lowest.txt does not pin, with why.
NOT_PINNED_AT_THE_LOWEST = {
    "torch": "every environment keeps the CPU build of 2.13.0 (a CUDA build is several GB)",
    "tokenizers": "transformers pins its own range, which starts at the bound",
}


def test_the_lowest_versions_tested_are_the_lower_bounds():
    """constraints-lowest.txt pins exactly pyproject.toml's lower bounds, so make test-lowest runs
    what a learner may have; a bound moved without being run fails here."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.version import Version

    deps = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    bounds = {}
    for dep in map(Requirement, deps):
        lows = [s.version for s in dep.specifier if s.operator == ">="]
        assert len(lows) == 1, f"{dep}: give each dependency one lower bound (>=)"
        bounds[dep.name.lower()] = Version(lows[0])
    pins = {}
    for line in (REPO_ROOT / "constraints-lowest.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = Version(version)
    expected = {n: v for n, v in bounds.items() if n not in NOT_PINNED_AT_THE_LOWEST}
    assert pins == expected


# A seed written as a number in a lesson: manual_seed(3), default_rng(0), set_seed(42), seed=1 ...
# Every seed derives from ENV.seed (COURSE_SEED), so that one switch moves every random draw.
LITERAL_SEED = re.compile(
    r"(manual_seed|default_rng|set_seed|RandomState)\(\s*\d+\s*\)|\bseed\s*=\s*\d+")


def literal_seeds(source: str) -> list[str]:
    """Lines of code that seed a generator with a number instead of ENV.seed."""
    return [line.strip() for line in source.splitlines()
            if LITERAL_SEED.search(line.split("#", 1)[0])]


def test_literal_seeds_are_found():
    assert literal_seeds("g = torch.Generator().manual_seed(0)\nx = 1  # manual_seed(0)")
    assert literal_seeds("ds.shuffle(seed=1)") and literal_seeds("transformers.set_seed(42)")
    assert not literal_seeds("g = torch.Generator().manual_seed(ENV.seed + 1)")
    assert not literal_seeds("train(model, seed=ENV.seed)\n# seed=0 in a comment")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_seed_in_a_lesson_derives_from_course_seed(path):
    nb = nbformat.read(path, as_version=4)
    found = [f"cell {cell.get('id')}: {line}" for cell in nb.cells if cell.cell_type == "code"
             for line in literal_seeds(cell.source)]
    assert found == [], "seed from ENV.seed (COURSE_SEED), not a number:\n" + "\n".join(found)


def _code_cell(source, **metadata):
    return {"cell_type": "code", "source": source, "metadata": metadata, "outputs": []}


def test_self_check_cells_are_tagged_collapsed_and_check_something():
    collapsed = {"tags": ["self-check"], "jupyter": {"source_hidden": True}, "cellView": "form"}
    good = _code_cell('# @title Self-check: it agrees\nagree("it agrees", a, b)\n', **collapsed)
    assert nbtools.self_check_problems(good) == []
    # tagged, but a learner would see its code in JupyterLab, or it has no title for Colab
    shown = _code_cell('# @title Self-check\nholds("x", True)\n', tags=["self-check"])
    assert any("collapsed" in p for p in nbtools.self_check_problems(shown))
    untitled = _code_cell('holds("x", True)\n', **collapsed)
    assert any("@title" in p for p in nbtools.self_check_problems(untitled))
    empty = _code_cell("# @title Self-check\nx = 1\n", **collapsed)
    assert any("checks nothing" in p for p in nbtools.self_check_problems(empty))
    # hidden code that is not a self-check; a cell of checks alone left untagged
    hidden = _code_cell("train(model)\n", jupyter={"source_hidden": True})
    assert any("only a cell tagged" in p for p in nbtools.self_check_problems(hidden))
    only_checks = _code_cell('# Self-check\nassert x\nfor a in b:\n    agree("a", a, a)\n')
    assert any("must be tagged" in p for p in nbtools.self_check_problems(only_checks))
    # a cell that computes and then checks is an ordinary cell
    assert nbtools.self_check_problems(_code_cell('y = f(x)\nholds("y", y > 0)\n')) == []
