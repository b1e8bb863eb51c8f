"""Interactive explorers for the lessons, built on core ipywidgets only.

`LearningRateExplorer` puts sliders for the learning rate (log scale), the number of steps and
momentum next to one matplotlib figure: the descent path on a landscape's contours and the loss
per step. Every slider change recomputes the path and redraws that same figure into an
`ipywidgets.Image`, so nothing piles up below the cell. It needs no matplotlib widget backend
(ipympl), and it works with ipywidgets 7 and 8: JupyterLab, classic Notebook and Colab.
Where widgets cannot render (a plain export, GitHub), show a static figure beside it.

The status panel reads the verdict off the iteration itself where it can: near a minimum, with
Hessian eigenvalues lambda_i, each direction's error is multiplied per step by |1 - lr lambda_i|
(plain gradient descent) or by the spectral radius of the 2x2 heavy-ball iteration (momentum).
`set(lr=..., steps=..., momentum=...)` changes several sliders with one redraw.
"""

from __future__ import annotations

import contextlib
import io
import math
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


def contraction_factor(lr: float, curvature: float, momentum: float = 0.0) -> float:
    """Per-step factor by which gradient descent (heavy ball when momentum > 0) shrinks the
    error along a direction of curvature `curvature` of a quadratic: |1 - lr lambda| without
    momentum, else the largest |root| of z^2 - (1 + beta - lr lambda) z + beta. Below 1: the
    error shrinks; above 1: it grows."""
    trace = 1.0 + momentum - lr * curvature
    disc = trace * trace - 4.0 * momentum
    if disc >= 0:
        root = math.sqrt(disc)
        return max(abs(trace + root), abs(trace - root)) / 2.0
    return math.sqrt(momentum)  # complex roots: |z|^2 = product of the roots = beta


DIVERGED_GROWTH = 1e6  # a loss this many times its start counts as diverged


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
        dpi: int = 96,
    ):
        import ipywidgets as widgets

        self.landscape = landscape if landscape is not None else quadratic(1.0, 10.0)
        if not isinstance(self.landscape, Landscape):
            raise TypeError("landscape must be a course_utils.landscapes.Landscape.")
        self.start = tuple(float(v) for v in start)
        if len(self.start) != 2:
            raise ValueError(f"start must be a point (w1, w2), not {start!r}.")
        if not all(math.isfinite(v) for v in self.start):
            raise ValueError(f"start must be a finite point, not {start!r}.")
        low, high = lr_range
        if not 0 < low < high < math.inf:
            raise ValueError(f"lr_range must be (low, high) with 0 < low < high, not {lr_range!r}.")
        if not low <= lr <= high:  # also refuses nan
            raise ValueError(f"lr={lr} is outside lr_range {lr_range}.")
        self._lr_range = (float(low), float(high))
        if not (isinstance(max_steps, int) and 1 <= steps <= max_steps):
            raise ValueError(f"steps must be between 1 and max_steps={max_steps}, not {steps!r}.")
        if not 0.0 <= momentum <= 0.99:
            raise ValueError(f"momentum must be in [0, 0.99] (the slider), not {momentum!r}.")
        # Hessian eigenvalues at each minimum that curves up: the limit shown is the one of the
        # minimum nearest to where the path ends.
        self._curvatures: dict[tuple[float, float], np.ndarray] = {}
        for minimum in self.landscape.minima:
            w = torch.tensor(minimum, dtype=torch.float64)
            lam = torch.linalg.eigvalsh(torch.autograd.functional.hessian(self.landscape, w))
            if float(lam.min()) > 0:
                self._curvatures[tuple(minimum)] = lam.numpy()
        self.limit = None  # the stability limit at the first minimum, when there is one
        if self.landscape.minima and tuple(self.landscape.minima[0]) in self._curvatures:
            self.limit = 2.0 / float(self._curvatures[tuple(self.landscape.minima[0])].max())
        self._quiet = False  # True while set() changes several sliders
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
        self.figure, self._contour_ax, self._loss_ax = self._build_figure(dpi)
        width, height = self.figure.canvas.get_width_height()
        # Shown at the size it is drawn: one image pixel per screen pixel, not stretched.
        self.image = widgets.Image(
            format="png", layout=widgets.Layout(width=f"{width}px", height=f"{height}px")
        )
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
        figure = Figure(figsize=(9, 3.6), dpi=dpi)
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
        # A fixed loss axis, from the start's loss down 14 decades and up 5: runs at nearby rates
        # can be compared by eye, and the axis is drawn once, not at every update.
        start_loss = float(self.landscape(torch.tensor(self.start, dtype=torch.float64)))
        top = max(start_loss, 1e-290)
        self._loss_range = (top * 1e-14, top * 1e5)
        loss_ax.set_ylim(*self._loss_range)
        # Blitting: draw the static parts once, keep the pixels, and per update draw only the
        # path, its label, the loss curve and its title on top of a copy of them.
        for artist in (self._path_line, self._info, self._loss_line, loss_ax.title):
            artist.set_animated(True)
        self._figure_for_steps = None  # the steps value the saved background was drawn for
        return figure, contour_ax, loss_ax

    def _refresh_background(self, steps: int) -> None:
        # The loss panel's x-axis spans the steps: redraw the static parts when they change.
        if self._figure_for_steps != steps:
            self._loss_ax.set_xlim(0, max(steps, 1))
            self.figure.canvas.draw()
            self._background = self.figure.canvas.copy_from_bbox(self.figure.bbox)
            self._figure_for_steps = steps

    def compute_path(self) -> Path:
        """Gradient descent (heavy-ball momentum when momentum > 0) at the sliders' values.

        On an axis-aligned bowl the same iteration as torch.optim.SGD runs in NumPy (a few
        microseconds); elsewhere it is `landscapes.descend` with autograd."""
        steps, lr, beta = int(self.steps.value), float(self.lr.value), float(self.momentum.value)
        if self.landscape.curvatures is not None:
            return self._bowl_path(steps, lr, beta)
        return descend(
            self.landscape,
            self.start,
            int(self.steps.value),
            lr=float(self.lr.value),
            optimizer=torch.optim.SGD,
            momentum=float(self.momentum.value),
        )

    def _bowl_path(self, steps: int, lr: float, beta: float) -> Path:
        # torch.optim.SGD's heavy ball: buf = g on the first step, then buf = beta buf + g;
        # w <- w - lr buf. The bowl's gradient is (a w1, b w2).
        curv = np.asarray(self.landscape.curvatures, dtype=np.float64)
        w = np.asarray(self.start, dtype=np.float64)
        points, losses = [w], [0.5 * float(curv @ (w * w))]
        buf = None
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(steps):
                g = curv * w
                buf = g if buf is None or beta == 0 else beta * buf + g
                w = w - lr * buf
                loss = 0.5 * float(curv @ (w * w))
                points.append(w)
                losses.append(loss)
                if not math.isfinite(loss):
                    break
        return Path(points=np.array(points), losses=np.array(losses))

    def _nearest_minimum(self, path: Path) -> tuple[float, float] | None:
        if not self._curvatures:
            return None
        end = path.points[-1] if np.all(np.isfinite(path.points[-1])) else path.points[0]
        return min(self._curvatures, key=lambda m: float(np.hypot(*(end - np.array(m)))))

    def diverged(self, path: Path) -> bool:
        """Whether the run blew up: the loss overflowed, or grew a million-fold."""
        last, first = path.losses[-1], path.losses[0]
        return not np.isfinite(last) or last > DIVERGED_GROWTH * max(first, 1e-300)

    def _draw(self, path: Path) -> None:
        lr, beta = float(self.lr.value), float(self.momentum.value)
        points = path.points.copy()
        span = max(np.ptp(self.landscape.xlim), np.ptp(self.landscape.ylim))
        points[~np.all(np.abs(points) < 1e3 * span, axis=1)] = np.nan  # far off-screen: not drawn
        self._path_line.set_data(points[:, 0], points[:, 1])
        low, high = self._loss_range
        losses = np.where(np.isfinite(path.losses), np.clip(path.losses, low, high), high)
        self._loss_line.set_data(np.arange(len(losses)), losses)
        self._refresh_background(int(self.steps.value))
        if not np.isfinite(path.losses[-1]):
            verdict = f"diverged at step {len(path.losses) - 1}"
        elif self.diverged(path):
            verdict = f"diverged, loss {path.losses[0]:.3g} → {path.losses[-1]:.3g}"
        else:
            verdict = f"loss {path.losses[0]:.3g} → {path.losses[-1]:.3g}"
        info = f"lr = {lr:.3g}, momentum = {beta:.2f}"
        (xmin, xmax), (ymin, ymax) = self.landscape.xlim, self.landscape.ylim
        with np.errstate(invalid="ignore"):
            outside = ~((path.points[:, 0] >= xmin) & (path.points[:, 0] <= xmax)
                        & (path.points[:, 1] >= ymin) & (path.points[:, 1] <= ymax))  # fmt: skip
        if outside.any():
            info += f"; off screen from step {int(np.argmax(outside))}"
        self._info.set_text(info)
        self._loss_ax.set_title(f"Loss per step: {verdict}", fontsize=11)

    def _status_html(self, path: Path) -> str:
        lines = []
        lr, beta = float(self.lr.value), float(self.momentum.value)
        minimum = self._nearest_minimum(path)
        factors = None
        if minimum is not None:
            lam = self._curvatures[minimum]
            limit = 2.0 * (1.0 + beta) / float(lam.max())
            ratio = lr / limit
            side = "below" if ratio < 1 else "above" if ratio > 1 else "at"
            where = f" at ({minimum[0]:.3g}, {minimum[1]:.3g})" if len(self._curvatures) > 1 else ""
            lines.append(
                f"stability limit near the minimum{where}: 2(1+β)/λ<sub>max</sub> = {limit:.4g}<br>"
                f"this learning rate is {ratio:.3g}× the limit: <b>{side}</b> it"
            )
            factors = [contraction_factor(lr, float(v), beta) for v in lam]
            lines.append(
                "error per step, by direction: "
                + ", ".join(f"×{f:.3g} (λ = {v:.3g})" for f, v in zip(factors, lam))
            )
        if self.diverged(path):
            lines.append("<b>the loss diverged: too large</b>")
        elif factors is not None and self.landscape.curvatures is not None:
            # On a bowl the factors are the whole truth, whatever the last step happened to do.
            slowest = max(factors)
            lines.append(
                "<b>diverges: too large</b>" if slowest > 1
                else f"converges; the slowest direction keeps ×{slowest:.3g} per step"
            )
        else:
            grew = path.losses[-1] > path.losses[0]
            verdict = "<b>the loss grew: too large?</b>" if grew else "the loss fell"
            if beta > 0:
                verdict += " (with momentum the loss rises and falls on the way)"
            lines.append(verdict)
        return "<div style='padding-left:16px'>" + "<br>".join(lines) + "</div>"

    def render_png(self) -> bytes:
        """Redraw the changing parts over the saved static ones; return the figure as PNG."""
        from PIL import Image

        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        self._contour_ax.draw_artist(self._path_line)
        self._contour_ax.draw_artist(self._info)
        self._loss_ax.draw_artist(self._loss_line)
        self._loss_ax.draw_artist(self._loss_ax.title)
        rgba = np.asarray(canvas.buffer_rgba())
        buffer = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def set(
        self, lr: float | None = None, steps: int | None = None, momentum: float | None = None
    ) -> None:
        """Set several sliders from code with one redraw; impossible values raise ValueError
        instead of being clamped by the sliders without a word."""
        low, high = self._lr_range
        if lr is not None and not (math.isfinite(lr) and low <= lr <= high):
            raise ValueError(f"lr must be a number between {low:g} and {high:g}, not {lr!r}.")
        if steps is not None and not (
            isinstance(steps, (int, np.integer)) and 1 <= steps <= self.steps.max
        ):
            raise ValueError(f"steps must be an int between 1 and {self.steps.max}, not {steps!r}.")
        if momentum is not None and not (math.isfinite(momentum) and 0 <= momentum <= 0.99):
            raise ValueError(f"momentum must be between 0 and 0.99, not {momentum!r}.")
        with self._hold():
            for slider, value in ((self.lr, lr), (self.steps, steps), (self.momentum, momentum)):
                if value is not None:
                    slider.value = value
        self.update()

    @contextlib.contextmanager
    def _hold(self):
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def update(self, change=None) -> None:
        """Recompute the path at the sliders' values and redraw the figure in place."""
        if self._quiet:  # set() is changing several sliders; it redraws once at the end
            return
        begin = time.perf_counter()
        self.path = self.compute_path()
        self._draw(self.path)
        self.image.value = self.render_png()
        self.status.value = self._status_html(self.path)
        self.last_update_seconds = time.perf_counter() - begin

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
