#!/usr/bin/env python
"""Keep the CPU busy, as another program on a learner's laptop would, for a bounded time.

Used by .ci/run to show that the notebooks with timing claims pass on a busy machine:
    python scripts/cpu_load.py --seconds 900 &
It runs float32 matrix products on `--threads` threads (default: all cores) and stops by itself.
"""

from __future__ import annotations

import argparse
import os
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="stop after this long")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.threads < 1:
        parser.error("--seconds and --threads must be positive")
    import torch

    torch.set_num_threads(args.threads)
    a = torch.randn(512, 512)
    stop = time.monotonic() + args.seconds
    products = 0
    while time.monotonic() < stop:
        a = torch.tanh(a @ a)
        products += 1
    print(f"cpu_load: {products} products of 512x512 in {args.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
