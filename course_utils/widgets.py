"""Interactive explorers for the lessons, built on core ipywidgets only.

`LearningRateExplorer` puts sliders for the learning rate (log scale), the number of steps and
momentum next to one matplotlib figure: the descent path on a landscape's contours and the loss
per step. Every slider change recomputes the path and redraws that same figure into an
`ipywidgets.Image`, so nothing piles up below the cell. It needs no matplotlib widget backend
(ipympl), and it works with ipywidgets 7 and 8: JupyterLab, classic Notebook and Colab.
Where widgets cannot render (a plain export, GitHub), show a static figure beside it.
"""

from __future__ import annotations

import io
import time

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_utils.landscapes import Landscape, Path, descend, quadratic
from course_utils.plots import plot_paths_on_contours


def stability_limit(
    landscape: Landscape, point: tuple[float, float], momentum: float = 0.0
) -> float:
    """The largest stable learning rate of gradient descent near `point`: 2 (1 + momentum) /
    lambda_max, with lambda_max the largest eigenvalue of the loss's Hessian there.

    On a quadratic bowl this is exact: below it the descent converges, above it it diverges.
    With heavy-ball momentum beta the limit grows to 2 (1 + beta) / lambda_max.
    """
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), not {momentum!r}.")
    w = torch.tensor(point, dtype=torch.float64)
    hessian = torch.autograd.functional.hessian(landscape, w)
    lam_max = float(torch.linalg.eigvalsh(hessian).max())
    if lam_max <= 0:
        raise ValueError(f"the loss does not curve upward at {point}: no stability limit there.")
    return 2.0 * (1.0 + momentum) / lam_max


class LearningRateExplorer:
    """Sliders for learning rate, steps and momentum; redraws the path and loss curve in place.

    Display it as the last line of a cell (or with `display(explorer)`). Read or set the
    sliders from code as `explorer.lr.value`, `explorer.steps.value`, `explorer.momentum.value`;
    each change calls `update()`, which records its own duration in `last_update_seconds`.
    """

    def __init__(
        self,
        landscape: Landscape | None = None,
        start: tuple[float, float] = (-1.6, 1.5),
        lr: float = 0.05,
        steps: int = 30,
        momentum: float = 0.0,
        lr_range: tuple[float, float] = (1e-4, 10.0),
        max_steps: int = 200,
        dpi: int = 72,
    ):
        import ipywidgets as widgets

        self.landscape = landscape if landscape is not None else quadratic(1.0, 10.0)
        if not isinstance(self.landscape, Landscape):
            raise TypeError("landscape must be a course_utils.landscapes.Landscape.")
        self.start = tuple(float(v) for v in start)
        if len(self.start) != 2:
            raise ValueError(f"start must be a point (w1, w2), not {start!r}.")
        low, high = lr_range
        if not 0 < low < high:
            raise ValueError(f"lr_range must be (low, high) with 0 < low < high, not {lr_range!r}.")
        if not low <= lr <= high:
            raise ValueError(f"lr={lr} is outside lr_range {lr_range}.")
        if not (isinstance(max_steps, int) and 1 <= steps <= max_steps):
            raise ValueError(f"steps must be between 1 and max_steps={max_steps}, not {steps!r}.")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), not {momentum!r}.")
        self.limit = None  # the stability limit at the first minimum, when there is one
        if self.landscape.minima:
            try:
                self.limit = stability_limit(self.landscape, self.landscape.minima[0])
            except ValueError:
                pass  # flat or not curving up there: no limit to show
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="420px")
        self.lr = widgets.FloatLogSlider(
            value=lr, base=10, min=np.log10(low), max=np.log10(high), step=0.01,
            description="learning rate", readout_format=".3g", style=style, layout=layout,
        )  # fmt: skip
        self.steps = widgets.IntSlider(
            value=steps, min=1, max=max_steps, description="steps", style=style, layout=layout
        )
        self.momentum = widgets.FloatSlider(
            value=momentum, min=0.0, max=0.99, step=0.01, description="momentum",
            style=style, layout=layout,
        )  # fmt: skip
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.figure, self._contour_ax, self._loss_ax = self._build_figure(dpi)
        self.path: Path | None = None
        self.last_update_seconds = float("nan")
        self.update()
        for slider in (self.lr, self.steps, self.momentum):
            slider.observe(self.update, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([widgets.VBox([self.lr, self.steps, self.momentum]), self.status]),
             self.image]
        )  # fmt: skip

    def _build_figure(self, dpi: int):
        # A Figure made without pyplot: pyplot never shows it by itself, and no figure piles up.
        figure = Figure(figsize=(10, 4), dpi=dpi)
        FigureCanvasAgg(figure)
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
        contour_ax, loss_ax = figure.subplots(1, 2)
        plot_paths_on_contours(
            self.landscape, {}, ax=contour_ax, title=f"{self.landscape.name}: the path"
        )
        (self._path_line,) = contour_ax.plot([], [], "-o", color="crimson", markersize=3, lw=1.5)
        contour_ax.plot(*self.start, "ko", markersize=6)
        self._info = contour_ax.text(
            0.02, 0.03, "", transform=contour_ax.transAxes, fontsize=10,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )  # fmt: skip
        (self._loss_line,) = loss_ax.plot([], [], color="crimson", lw=1.8)
        loss_ax.set_yscale("log")
        loss_ax.set_xlabel("step")
        loss_ax.set_ylabel("loss (log scale)")
        loss_ax.grid(alpha=0.3)
        # Blitting: draw the static parts once, keep the pixels, and per update draw only the
        # path, its label and the loss panel on top of a copy of them.
        for artist in (self._path_line, self._info, loss_ax):
            artist.set_animated(True)
        figure.canvas.draw()
        self._background = figure.canvas.copy_from_bbox(figure.bbox)
        return figure, contour_ax, loss_ax

    def compute_path(self) -> Path:
        """Gradient descent (heavy-ball momentum when momentum > 0) at the sliders' values."""
        return descend(
            self.landscape,
            self.start,
            int(self.steps.value),
            lr=float(self.lr.value),
            optimizer=torch.optim.SGD,
            momentum=float(self.momentum.value),
        )

    def _draw(self, path: Path) -> None:
        lr, beta = float(self.lr.value), float(self.momentum.value)
        points = path.points.copy()
        span = max(np.ptp(self.landscape.xlim), np.ptp(self.landscape.ylim))
        points[~np.all(np.abs(points) < 1e3 * span, axis=1)] = np.nan  # far off-screen: not drawn
        self._path_line.set_data(points[:, 0], points[:, 1])
        losses = np.where(np.isfinite(path.losses) & (path.losses > 0), path.losses, np.nan)
        self._loss_line.set_data(np.arange(len(losses)), losses)
        self._loss_ax.set_xlim(0, max(int(self.steps.value), 1))
        shown = losses[np.isfinite(losses)]
        if shown.size:  # clamped, so that the log axis never has to label 1e300
            low, high = max(min(shown.min(), 1e14), 1e-30), min(max(shown.max(), 1e-30), 1e15)
            self._loss_ax.set_ylim(low / 3, high * 3)
        finite = np.isfinite(path.losses[-1])
        verdict = (
            f"diverged at step {len(path.losses) - 1}"
            if not finite
            else f"loss {path.losses[0]:.3g} → {path.losses[-1]:.3g}"
        )
        self._info.set_text(f"lr = {lr:.3g}, momentum = {beta:.2f}")
        self._loss_ax.set_title(f"Loss per step: {verdict}", fontsize=11)

    def _status_html(self, path: Path) -> str:
        lines = []
        if self.limit is not None:
            beta = float(self.momentum.value)
            limit = self.limit * (1.0 + beta)
            ratio = float(self.lr.value) / limit
            lines.append(
                f"stability limit near the minimum: 2(1+β)/λ<sub>max</sub> = {limit:.3g}<br>"
                f"this learning rate is {ratio:.2g}× the limit"
            )
        grew = not np.isfinite(path.losses[-1]) or path.losses[-1] > path.losses[0]
        lines.append("<b>the loss grew: too large</b>" if grew else "the loss fell")
        return "<div style='padding-left:16px'>" + "<br>".join(lines) + "</div>"

    def render_png(self) -> bytes:
        """Redraw the changing parts over the saved static ones; return the figure as PNG."""
        from PIL import Image

        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        self._contour_ax.draw_artist(self._path_line)
        self._contour_ax.draw_artist(self._info)
        self.figure.draw_artist(self._loss_ax)
        rgba = np.asarray(canvas.buffer_rgba())
        buffer = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def update(self, change=None) -> None:
        """Recompute the path at the sliders' values and redraw the figure in place."""
        begin = time.perf_counter()
        self.path = self.compute_path()
        self._draw(self.path)
        self.image.value = self.render_png()
        self.status.value = self._status_html(self.path)
        self.last_update_seconds = time.perf_counter() - begin

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
