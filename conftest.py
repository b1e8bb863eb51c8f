"""Tests run in fast offline mode unless told otherwise; notebook kernels inherit this."""

import os

os.environ.setdefault("COURSE_FAST", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
