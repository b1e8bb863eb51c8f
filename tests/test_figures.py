"""Every image is drawn by code, and notebooks embed the current version of each."""

import base64

import nbformat
import pytest

from course_utils.figures import IMAGES_DIR, NOTEBOOKS_DIR, all_figures, attachments_in, render_png

FIGURES = all_figures()


def test_every_image_has_a_maker_and_every_maker_an_image():
    on_disk = {p.name for p in IMAGES_DIR.iterdir() if not p.name.startswith(".")}
    assert on_disk == set(FIGURES), "run `make notebooks` to redraw images/"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_draws_a_png(name):
    png = render_png(FIGURES[name])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_attachments_match_images(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        names = attachments_in(cell)
        assert set(cell.get("attachments", {})) == set(names), "run `make notebooks`"
        for name in names:
            stored = base64.b64decode(cell["attachments"][name]["image/png"])
            assert stored == (IMAGES_DIR / name).read_bytes(), (
                f"{name} is stale: run `make notebooks`"
            )
        source = "".join(cell.source)
        assert "](../images/" not in source, "relative image links are blank in Colab; attach them"


def test_one_lesson_can_be_redrawn_alone(tmp_path):
    from course_utils.figures import write_images

    written = write_images(tmp_path, prefix="01")
    assert written and all(p.name.startswith("01_") for p in written)
