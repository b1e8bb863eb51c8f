"""Shared infrastructure of the course "Fine-tuning from the ground up"."""

import os

# CPU threads that wait for work sleep instead of spinning. With spinning, two busy programs on
# a few cores slow each other many times over (measured on 2 cores beside another busy process:
# lesson 01 took 173 s with spinning threads, 23 s without). OpenMP reads this when torch is
# first imported, which is why it comes before everything else.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from course_utils.env import Env, setup  # noqa: E402

__all__ = ["Env", "setup"]
__version__ = "0.1.0"
