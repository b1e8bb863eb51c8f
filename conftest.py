"""Tests run in fast offline mode unless told otherwise; notebook kernels inherit this."""

import os

os.environ.setdefault("COURSE_FAST", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# Waiting threads sleep rather than spin (see course_utils/__init__.py); set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# With several pytest-xdist workers (make test runs one per core), each worker's torch and each
# notebook kernel it starts get an equal share of the cores, so threads never outnumber them.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
if _workers > 1:
    _share = str(max(1, (os.cpu_count() or 1) // _workers))
    os.environ.setdefault("OMP_NUM_THREADS", _share)
    os.environ.setdefault("COURSE_THREADS", _share)

# Offline, the course uses GPT-2 and rotten_tomatoes when they are in the local Hugging Face
# caches. The suite is about the stand-ins (fast, deterministic): point it at caches of its own.
_test_caches = os.path.join(os.path.expanduser("~"), ".cache", "finetune-course", "test-hf")
os.environ.setdefault("HF_HUB_CACHE", os.path.join(_test_caches, "hub"))
os.environ.setdefault("HF_DATASETS_CACHE", os.path.join(_test_caches, "datasets"))


def pytest_ignore_collect(collection_path, config):
    """The Chinese edition shares its code with the English one (tests/test_editions.py checks
    that), so nbval runs only its lesson 01, to prove that the edition runs."""
    path = collection_path
    if path.suffix == ".ipynb" and path.parent.name == "zh" and not path.name.startswith("01_"):
        return True
    return None


# A lesson shows a learner no warning that its text does not explain. Harmless library warnings
# are silenced in one place (course_utils/quiet.py, each with its reason); anything else a cell
# writes to stderr fails that cell's test, unless it is listed here with the reason it stays.
ALLOWED_STDERR: tuple[tuple[str, str], ...] = (
    # (the start of the text, why a learner sees it)
)


def unexplained_stderr(outputs) -> list[str]:
    """The stderr texts among a cell's outputs that are not on ALLOWED_STDERR."""
    found = []
    for output in outputs or []:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output.get("text", "").strip()
            if text and not text.startswith(tuple(start for start, _ in ALLOWED_STDERR)):
                found.append(text)
    return found


import pytest  # noqa: E402


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    stray = unexplained_stderr(getattr(item, "test_outputs", None))
    if stray and item.path.suffix == ".ipynb":
        raise AssertionError(
            "this cell printed a warning that the lesson does not explain (fix its cause, or "
            "silence it in course_utils/quiet.py with the reason it is harmless):\n"
            + "\n".join(stray))
    return result
