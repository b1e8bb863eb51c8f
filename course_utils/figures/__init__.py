"""Figures for the lessons, each drawn by code, saved in images/ and embedded in notebooks.

Every file in images/ comes from a function registered here with @figure("name.png").
`python -m course_utils.figures` redraws them all and copies each into the notebooks that show
it as a cell attachment (`![...](attachment:name.png)`), which renders in JupyterLab, on GitHub
and in Colab alike. Lesson modules in this package register their own figures.
"""

from __future__ import annotations

import base64
import importlib
import io
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path

import matplotlib

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES_DIR = REPO_ROOT / "images"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
FIGURES: dict[str, Callable] = {}
ATTACHMENT_RE = re.compile(r"\(attachment:([\w.-]+\.png)\)")


def figure(filename: str) -> Callable[[Callable], Callable]:
    """Register a function returning a matplotlib Figure as the maker of images/<filename>."""
    if not re.fullmatch(r"[\w-]+\.png", filename):
        raise ValueError(f"figure names are simple .png file names, not {filename!r}.")

    def register(make: Callable) -> Callable:
        if filename in FIGURES and FIGURES[filename] is not make:
            raise ValueError(f"two figures are registered as {filename!r}.")
        FIGURES[filename] = make
        return make

    return register


def all_figures() -> dict[str, Callable]:
    """Import every lesson's figure module and return all registered figure makers."""
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(FIGURES)


def render_png(make: Callable) -> bytes:
    """Draw one figure and return its PNG bytes (no timestamp, so redraws are identical)."""
    import matplotlib.pyplot as plt

    fig = make()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def write_images(images_dir: Path = IMAGES_DIR, prefix: str = "") -> list[Path]:
    """Redraw every registered figure (or those whose name starts with prefix) into images_dir."""
    images_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in sorted(all_figures().items()):
        if not name.startswith(prefix):
            continue
        path = images_dir / name
        path.write_bytes(render_png(make))
        written.append(path)
    return written


def attachments_in(cell: dict) -> list[str]:
    """Names of the attachments a markdown cell's text refers to."""
    source = "".join(cell.get("source", ""))
    return ATTACHMENT_RE.findall(source)


def sync_attachments(
    notebooks_dir: Path = NOTEBOOKS_DIR, images_dir: Path = IMAGES_DIR, prefix: str = ""
) -> list[Path]:
    """Copy images/ files into every notebook cell that shows them; returns notebooks changed."""
    import nbformat

    changed = []
    for path in sorted(notebooks_dir.glob(f"{prefix}*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        dirty = False
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            wanted = attachments_in(cell)
            new = {}
            for name in wanted:
                image = images_dir / name
                if not image.exists():
                    raise FileNotFoundError(f"{path.name} shows {name}, which is not in images/.")
                new[name] = {"image/png": base64.b64encode(image.read_bytes()).decode("ascii")}
            if new != cell.get("attachments", {}):
                if new:
                    cell["attachments"] = new
                else:
                    cell.pop("attachments", None)
                dirty = True
        if dirty:
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> None:
    """`python -m course_utils.figures [NN]`: all lessons, or only lesson NN's figures."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    prefix = argv[0] if argv else ""
    if prefix and not re.fullmatch(r"\d\d", prefix):
        raise SystemExit("usage: python -m course_utils.figures [NN]   (NN: a lesson number)")
    matplotlib.use("Agg")
    for path in write_images(prefix=prefix):
        print(f"drew {path.relative_to(REPO_ROOT)}")
    for path in sync_attachments(prefix=prefix):
        print(f"updated attachments in {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
