"""How long one update of the learning-rate explorer takes: computing the path, and drawing it.

Run: `python benchmarks/explorer_latency.py`. Sets the sliders from code (as dragging would) over
a sweep of learning rates, step counts and momenta, on the bowl of lesson 06, and prints the
median and 90th percentile of each part. The target for a smooth drag is a median of 80 ms or
less for the whole update.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from course_utils import landscapes
from course_utils.widgets import LearningRateExplorer


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main(repeats: int = 3) -> dict[str, tuple[float, float]]:
    explorer = LearningRateExplorer(landscapes.quadratic(1.0, 10.0), start=(-1.6, 1.5),
                                    lr=0.05, steps=40)
    settings = [(lr, steps, beta)
                for beta in (0.0, 0.9)
                for steps in (40, 200)
                for lr in np.logspace(-3, 1, 9)]
    compute, draw, total = [], [], []
    for _ in range(repeats):
        for lr, steps, beta in settings:
            explorer.set(lr=float(lr), steps=steps, momentum=beta)  # one update
            total.append(explorer.last_update_seconds)
            begin = time.perf_counter()
            path = explorer.compute_path()
            middle = time.perf_counter()
            explorer._draw(path)
            explorer.render_png()
            end = time.perf_counter()
            compute.append(middle - begin)
            draw.append(end - middle)
    width, height = explorer.figure.canvas.get_width_height()
    print(f"explorer image {width}x{height} px, shown at {explorer.image.layout.width}; "
          f"{len(total)} updates")
    result = {}
    for name, values in (("computation", compute), ("drawing", draw), ("whole update", total)):
        median, p90 = statistics.median(values), percentile(values, 90)
        result[name] = (median, p90)
        print(f"{name:>13}: median {1e3 * median:6.1f} ms, p90 {1e3 * p90:6.1f} ms")
    return result


if __name__ == "__main__":
    main()
