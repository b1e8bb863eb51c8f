"""Compare a hand-made result with a reference: prints exact, close and the largest difference."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def _as_tensor(x, what: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu()
    try:
        return torch.as_tensor(np.asarray(x))
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{what} must be a number, array or tensor, not {type(x).__name__}."
        ) from err


@dataclass(frozen=True)
class Comparison:
    """The outcome of compare(); true when the values are close."""

    name: str
    exact: bool
    close: bool
    max_diff: float

    def __bool__(self) -> bool:
        return self.close

    def __str__(self) -> str:
        return (
            f"{self.name:<24} exact: {str(self.exact):<5} | close: {str(self.close):<5} | "
            f"max diff: {self.max_diff:.3g}"
        )


def compare(name: str, mine, reference, atol: float = 1e-6, rtol: float = 0.0) -> Comparison:
    """Compare `mine` with `reference` elementwise, print one line, and return the result.

    `close` means |mine - reference| <= atol + rtol * |reference| everywhere (NaNs never match).
    Use it in a self-check: `assert compare("relu", my_relu(x), torch.relu(x))`.
    """
    if atol < 0 or rtol < 0:
        raise ValueError(f"atol and rtol must be >= 0, not atol={atol}, rtol={rtol}.")
    a, b = _as_tensor(mine, "mine"), _as_tensor(reference, "reference")
    if a.shape != b.shape:
        raise ValueError(
            f"{name}: shapes differ: mine {tuple(a.shape)}, reference {tuple(b.shape)}."
        )
    a64, b64 = a.to(torch.float64), b.to(torch.float64)
    exact = bool(torch.equal(a64, b64))
    diff = (a64 - b64).abs()
    max_diff = float(diff.max()) if diff.numel() else 0.0
    if diff.numel() and torch.isnan(diff).any():
        max_diff = float("nan")
    close = exact or bool(torch.all(diff <= atol + rtol * b64.abs()))
    result = Comparison(name=name, exact=exact, close=close, max_diff=max_diff)
    print(result)
    return result
