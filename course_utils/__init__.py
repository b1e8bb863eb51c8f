"""Shared infrastructure of the course "Fine-tuning from the ground up"."""

from course_utils.env import Env, setup

__all__ = ["Env", "setup"]
__version__ = "0.1.0"
