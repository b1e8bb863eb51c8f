"""Two-parameter loss landscapes for the optimization lessons, and descent paths across them.

A Landscape maps a tensor of shape (..., 2) to a loss of shape (...), so one function serves
both autograd (a single point) and contour plots (a whole grid). `descend` runs any
torch.optim optimizer, or plain gradient descent, from a starting point and records the path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from course_utils import switches


@dataclass(frozen=True)
class Landscape:
    """A loss over two parameters (w1, w2), with a sensible plotting window and its minima."""

    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minima: tuple[tuple[float, float], ...] = ()
    # For an axis-aligned bowl (a w1² + b w2²) / 2: (a, b), which allows closed-form paths.
    curvatures: tuple[float, float] | None = None

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        w = torch.as_tensor(w, dtype=torch.float64) if not isinstance(w, torch.Tensor) else w
        if w.shape[-1] != 2:
            raise ValueError(f"{self.name}: points have 2 coordinates, got shape {tuple(w.shape)}.")
        return self.fn(w)

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(X, Y, Z) arrays of shape (n, n) over the plotting window, for contour plots."""
        if n < 2:
            raise ValueError(f"n must be at least 2, not {n}.")
        xs = torch.linspace(*self.xlim, n, dtype=torch.float64)
        ys = torch.linspace(*self.ylim, n, dtype=torch.float64)
        X, Y = torch.meshgrid(xs, ys, indexing="xy")
        Z = self(torch.stack([X, Y], dim=-1))
        return X.numpy(), Y.numpy(), Z.numpy()


def quadratic(a: float = 1.0, b: float = 10.0) -> Landscape:
    """The bowl L = (a w1² + b w2²) / 2. Its Hessian is diag(a, b), so gradient descent is
    stable for learning rates below 2 / max(a, b)."""
    if a <= 0 or b <= 0:
        raise ValueError(f"a and b must be positive for a bowl, not a={a}, b={b}.")
    return Landscape(
        name=f"quadratic bowl (a={a:g}, b={b:g})",
        fn=lambda w: 0.5 * (a * w[..., 0] ** 2 + b * w[..., 1] ** 2),
        xlim=(-2.0, 2.0),
        ylim=(-2.0, 2.0),
        minima=((0.0, 0.0),),
        curvatures=(float(a), float(b)),
    )


def rosenbrock() -> Landscape:
    """Rosenbrock's banana valley: minimum 0 at (1, 1), at the end of a long curved valley."""
    return Landscape(
        name="Rosenbrock",
        fn=lambda w: (1 - w[..., 0]) ** 2 + 100 * (w[..., 1] - w[..., 0] ** 2) ** 2,
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
        minima=((1.0, 1.0),),
    )


def beale() -> Landscape:
    """Beale's function: minimum 0 at (3, 0.5), flat plateaus and steep walls."""

    def fn(w):
        x, y = w[..., 0], w[..., 1]
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    return Landscape(name="Beale", fn=fn, xlim=(-4.5, 4.5), ylim=(-4.5, 4.5), minima=((3.0, 0.5),))


def himmelblau() -> Landscape:
    """Himmelblau's function: non-convex, four minima of value 0."""
    return Landscape(
        name="Himmelblau",
        fn=lambda w: (w[..., 0] ** 2 + w[..., 1] - 11) ** 2 + (w[..., 0] + w[..., 1] ** 2 - 7) ** 2,
        xlim=(-5.0, 5.0),
        ylim=(-5.0, 5.0),
        minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848127)),
    )


def saddle() -> Landscape:
    """L = w1² + (w2² - 1)²: a saddle point at (0, 0) between minima at (0, -1) and (0, 1)."""
    return Landscape(
        name="saddle",
        fn=lambda w: w[..., 0] ** 2 + (w[..., 1] ** 2 - 1) ** 2,
        xlim=(-1.5, 1.5),
        ylim=(-1.6, 1.6),
        minima=((0.0, -1.0), (0.0, 1.0)),
    )


@dataclass(frozen=True)
class Path:
    """Where an optimizer went: points of shape (steps + 1, 2) and the loss at each."""

    points: np.ndarray
    losses: np.ndarray

    @property
    def end(self) -> np.ndarray:
        return self.points[-1]


def descend(
    loss: Callable[[torch.Tensor], torch.Tensor],
    start: tuple[float, float],
    steps: int,
    lr: float | None = None,
    optimizer: Callable[..., torch.optim.Optimizer] | None = None,
    noise: float = 0.0,
    seed: int | None = None,
    **optimizer_kwargs,
) -> Path:
    """Minimize `loss` from `start` for `steps` steps and record the path.

    With no optimizer this is plain gradient descent, w <- w - lr * grad. Otherwise pass a
    torch.optim class, e.g. `descend(f, (0, 0), 100, lr=0.1, optimizer=torch.optim.Adam)`;
    L-BFGS gets the closure it needs; note that one recorded step is then one call of its
    step(), which runs up to `max_iter` inner iterations (20 by default; pass max_iter=1 with
    line_search_fn="strong_wolfe" and max_eval=25 to record every iteration).
    `noise` adds Gaussian noise of that size to each gradient, drawn from `seed` (by default the
    course's seed, COURSE_SEED).
    Stops early, keeping the path so far, if the loss becomes infinite or NaN.
    """
    if steps < 0 or not isinstance(steps, int):
        raise ValueError(f"steps must be a non-negative int, not {steps!r}.")
    if (lr is None or lr <= 0) and optimizer is None:
        raise ValueError("plain gradient descent needs a positive lr.")
    if lr is not None and not np.isfinite(lr):
        raise ValueError(f"lr must be a finite number, not {lr!r}.")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, not {noise}.")
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    if w.shape != (2,):
        raise ValueError(f"start must be a point (w1, w2), not {start!r}.")
    if not torch.isfinite(w).all():
        raise ValueError(f"start must be a finite point, not {start!r}.")
    generator = torch.Generator().manual_seed(switches.seed() if seed is None else seed)
    kwargs = dict(optimizer_kwargs)
    if lr is not None:
        kwargs["lr"] = lr
    opt = optimizer([w], **kwargs) if optimizer is not None else None

    def closure() -> torch.Tensor:
        if opt is not None:
            opt.zero_grad()
        elif w.grad is not None:
            w.grad = None
        value = loss(w)
        value.backward()
        if noise:
            w.grad += noise * torch.randn(2, generator=generator, dtype=w.dtype)
        return value

    points, losses = [w.detach().clone()], [float(loss(w.detach()))]
    for _ in range(steps):
        if opt is None:
            closure()
            with torch.no_grad():
                w -= lr * w.grad
        else:
            opt.step(closure)
        value = float(loss(w.detach()))
        points.append(w.detach().clone())
        losses.append(value)
        if not np.isfinite(value):
            break
    return Path(points=torch.stack(points).numpy(), losses=np.array(losses))
