"""Lessons driven in JupyterLab as a learner does: the explorer's sliders, lesson 01's review box,
and every figure embedded in the notebooks. Run with `make test-browser` (needs Chromium).

Screenshots of each state go to outputs/browser/; COURSE_UPDATE_SCREENSHOT=1 also refreshes the
README's picture of the explorer (docs/explorer_in_jupyterlab.png).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import statistics
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
README_SHOT = REPO_ROOT / "docs" / "explorer_in_jupyterlab.png"
RUN_TIMEOUT_MS = 240_000  # a whole fast-mode lesson on a busy 2-core machine

CURRENT = "window.jupyterapp.shell.currentWidget"
# Every code cell above `upto` has run (an execution count, no [*]) and the kernel is idle.
CELLS_DONE = f"""(upto) => {{
  const panel = {CURRENT};
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const cells = panel.content.widgets.slice(0, upto);
  return cells.every(c => c.model.type !== 'code' || c.model.executionCount !== null);
}}"""
ERRORS = f"""(upto) => {CURRENT}.content.widgets.slice(0, upto)
  .filter(c => c.model.type === 'code')
  .flatMap(c => c.model.outputs.toJSON())
  .filter(o => o.output_type === 'error')
  .map(o => o.ename + ': ' + o.evalue)"""
# Run code in the notebook's kernel (after every widget message sent before it) and return stdout.
IN_KERNEL = f"""async (code) => {{
  const kernel = {CURRENT}.sessionContext.session.kernel;
  const future = kernel.requestExecute({{code, store_history: false}});
  let out = '';
  future.onIOPub = (msg) => {{
    if (msg.header.msg_type === 'stream') out += msg.content.text;
    if (msg.header.msg_type === 'error') out += msg.content.ename + ': ' + msg.content.evalue;
  }};
  await future.done;
  return out;
}}"""

# The SHA-256 of the PNG an <img> shows (ipywidgets hands it a blob: URL).
SHOWN_SHA256 = """async (img) => {
  const digest = await crypto.subtle.digest('SHA-256', await (await fetch(img.src)).arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}"""


def open_notebook(page, lab, name: str, kernel: bool = True) -> None:
    base, token = lab
    page.goto(f"{base}/lab/tree/{name}?token={token}&reset")
    page.wait_for_function(
        f"""(name) => {{
          const app = window.jupyterapp, panel = app && {CURRENT};
          return panel && panel.context && panel.context.path.endsWith(name)
            && panel.content.widgets.length > 0;
        }}""",
        arg=name,
        timeout=60_000,
    )
    if kernel:
        page.wait_for_function(
            f"""() => {{ const s = {CURRENT}.sessionContext.session;
                       return s && s.kernel && s.kernel.status === 'idle'; }}""",
            timeout=60_000,
        )


def run_cells(page, upto: int, command: str) -> None:
    """Run cells with one of the Run menu's commands, wait for them, and fail on any error."""
    page.evaluate(
        f"""([index, command]) => {{
          const panel = {CURRENT};
          panel.content.activeCellIndex = index;
          window.jupyterapp.commands.execute(command);
        }}""",
        [upto, command],
    )
    page.wait_for_function(CELLS_DONE, arg=upto + 1, timeout=RUN_TIMEOUT_MS, polling=500)
    assert page.evaluate(ERRORS, upto + 1) == []


def shut_down_kernel(page) -> None:
    page.evaluate(f"() => {CURRENT}.sessionContext.shutdown()")


def cell_index(path, text: str) -> int:
    nb = nbformat.read(path, as_version=4)
    found = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and text in c.source]
    assert len(found) == 1, f"{path.name}: {len(found)} code cells contain {text!r}"
    return found[0]


def _notebook(prefix: str):
    return next(p for p in NOTEBOOKS if p.name.startswith(prefix))


def test_explorer_renders_responds_and_settles(page, lab, screenshots):
    path = _notebook("06_")
    index = cell_index(path, "explorer = LearningRateExplorer(")
    open_notebook(page, lab, path.name)
    run_cells(page, index - 1, "notebook:run-all-above")
    run_cells(page, index, "notebook:run-cell")

    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    explorer = cell.locator(".jp-OutputArea-output .widget-vbox").first
    sliders = explorer.locator(".widget-slider")
    image = explorer.locator("img")
    status = explorer.locator(".widget-html")
    lr = sliders.filter(has_text="learning rate")
    # It renders: three sliders, a status, and a drawn image of non-zero size.
    assert sliders.count() == 3
    image.wait_for(state="visible")
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    box = image.bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    assert "converges" in status.inner_text()
    explorer.screenshot(path=screenshots / "06-explorer.png")
    if os.environ.get("COURSE_UPDATE_SCREENSHOT") == "1":
        README_SHOT.parent.mkdir(exist_ok=True)
        shutil.copy(screenshots / "06-explorer.png", README_SHOT)

    # Record key presses and image redraws in the page, on the page's own clock.
    page.evaluate(
        """(img) => {
          window.courseKeys = []; window.courseRedraws = [];
          const now = () => performance.now();
          document.addEventListener('keydown', () => window.courseKeys.push(now()), true);
          new MutationObserver(() => window.courseRedraws.push(now()))
            .observe(img, {attributes: true, attributeFilter: ['src']});
        }""",
        image.element_handle(),
    )
    handle = lr.locator(".noUi-handle")
    readout = lr.locator(".widget-readout")

    # One step at a time: the time from a key press to the new image (below the limit throughout).
    latencies = []
    for _ in range(20):
        before = page.evaluate("window.courseRedraws.length")
        shown = readout.inner_text()
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(n) => window.courseRedraws.length > n", arg=before)
        assert readout.inner_text() != shown
        latencies.append(page.evaluate("window.courseRedraws.at(-1) - window.courseKeys.at(-1)"))

    # A burst of 20 changes: the image settles on the one for the last value.
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    final = readout.inner_text()
    quiet = "(ms) => performance.now() - (window.courseRedraws.at(-1) || 0) > ms"
    page.wait_for_function(quiet, arg=1000)  # no redraw for a second: the page has settled
    kernel = json.loads(
        page.evaluate(
            IN_KERNEL,
            "import hashlib, json\n"
            "fresh = LearningRateExplorer(bowl, start=START, lr=explorer.lr.value, steps=40)\n"
            "print(json.dumps({'lr': explorer.lr.value, "
            "'image': hashlib.sha256(explorer.image.value).hexdigest(), "
            "'fresh': hashlib.sha256(fresh.image.value).hexdigest()}))",
        )
    )
    assert f"{kernel['lr']:.3g}" == final, "the last change did not reach the kernel"
    assert kernel["image"] == kernel["fresh"], "the kernel's image is not the one for its lr"
    page.wait_for_function(quiet, arg=500)
    shown = page.evaluate(
        SHOWN_SHA256,
        image.element_handle(),
    )
    assert shown == kernel["image"], "the page does not show the image for the last value"
    settle = page.evaluate("window.courseRedraws.at(-1) - window.courseKeys.at(-1)")
    explorer.screenshot(path=screenshots / "06-explorer-after-burst.png")
    assert "converges" in status.inner_text()

    # Drag the handle with the mouse across the stability limit (0.2 on this bowl) to lr = 0.5.
    picture = shown
    track = lr.locator(".noUi-target").bounding_box()
    low, high = (math.log10(v) for v in (1e-4, 10.0))
    x = track["x"] + track["width"] * (math.log10(0.5) - low) / (high - low)
    knob = handle.bounding_box()
    page.mouse.move(knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, knob["y"] + knob["height"] / 2, steps=10)
    page.mouse.up()
    page.wait_for_function(
        "(el) => el.innerText.includes('diverge')", arg=status.element_handle(), timeout=30_000
    )
    assert "above" in status.inner_text() and "converges" not in status.inner_text()
    assert float(readout.inner_text()) > 0.2
    page.evaluate(IN_KERNEL, "pass")  # every update sent so far has been drawn
    page.wait_for_function(quiet, arg=500)
    now = page.evaluate(
        SHOWN_SHA256,
        image.element_handle(),
    )
    assert now != picture
    explorer.screenshot(path=screenshots / "06-explorer-diverging.png")

    report = {
        "one_step_ms": {
            "median": statistics.median(latencies),
            "p90": sorted(latencies)[int(0.9 * len(latencies)) - 1],
            "changes": len(latencies),
        },
        "burst_of_20_settle_ms": settle,
    }
    (screenshots / "latency.json").write_text(json.dumps(report, indent=2))
    print(
        f"\nslider to image in the browser: median {report['one_step_ms']['median']:.0f} ms over "
        f"{len(latencies)} changes; a burst of 20 settled {settle:.0f} ms after the last key"
    )
    shut_down_kernel(page)


def test_review_box_shows_a_verdict(page, lab, screenshots):
    path = _notebook("01_")
    index = cell_index(path, "review_box = widgets.Text(")
    open_notebook(page, lab, path.name)
    last = len(nbformat.read(path, as_version=4).cells) - 1
    run_cells(page, last, "notebook:run-all-cells")
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    box = cell.locator(".widget-text input")
    box.click()
    page.keyboard.type("a warm, funny film with a wonderful cast", delay=10)
    page.keyboard.press("Enter")
    verdict = cell.locator(".widget-output [data-mime-type='application/vnd.jupyter.stdout']")
    page.wait_for_function(
        "(cell) => cell.innerText.includes('P(pos) =')", arg=cell.element_handle(), timeout=30_000
    )
    assert re.search(r"\w+\s+\(P\(pos\) = [01]\.\d\d\)", verdict.inner_text())
    cell.screenshot(path=screenshots / "01-review-verdict.png")
    shut_down_kernel(page)


def _attachments(path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(
        len(re.findall(r"\(attachment:", c.source)) for c in nb.cells if c.cell_type == "markdown"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_embedded_figures_load(page, lab, screenshots, path):
    open_notebook(page, lab, path.name, kernel=False)
    expected = _attachments(path)
    # Every image in the rendered markdown but the Colab badge (a link to the web: not offline).
    images = page.locator(".jp-MarkdownOutput img:not([src*='colab-badge'])")
    page.wait_for_function(
        "(n) => { const imgs = document.querySelectorAll("
        "           \".jp-MarkdownOutput img:not([src*='colab-badge'])\");"
        "         return imgs.length >= n && Array.from(imgs).every(i => i.complete); }",
        arg=expected,
        timeout=30_000,
    )
    assert images.count() == expected
    for k in range(expected):
        image = images.nth(k)
        assert image.evaluate("(img) => img.naturalWidth") > 0, f"figure {k + 1} did not load"
        image.scroll_into_view_if_needed()
        image.screenshot(path=screenshots / f"{path.name[:2]}-figure-{k + 1}.png")
    shut_down_kernel(page)
