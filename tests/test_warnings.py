"""A lesson shows no warning that its text does not explain: a cell that writes an unexplained
warning to stderr fails its test (conftest.py), and the harmless ones are silenced in one place,
course_utils/quiet.py, each with its reason."""

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat

from course_utils import quiet

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_a_cell_with_an_unexplained_warning_fails_its_test():
    folder = REPO_ROOT / "outputs" / "test-warnings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "warns.ipynb"
    cells = ["import warnings\nwarnings.warn('a library complains')", "print('fine')"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]),
                   path)
    command = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q",
               str(path)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-2000:]
    assert "a library complains" in done.stdout and "does not explain" in done.stdout


def test_the_harmless_warnings_are_silenced_and_no_others(caplog):
    quiet.silence_known_warnings()
    quiet.silence_known_warnings()  # twice is the same as once
    logger = logging.getLogger("transformers.modeling_utils")
    with caplog.at_level(logging.WARNING):
        logger.warning("`loss_type=None` was set in the config but it is unrecognized. Using ...")
        logger.warning("something else went wrong")
    assert [r.getMessage() for r in caplog.records] == ["something else went wrong"]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        quiet.silence_known_warnings()
        warnings.warn("`is_gradient_checkpointing` is deprecated ...", FutureWarning, stacklevel=1)
        warnings.warn("`other_thing` is deprecated", FutureWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["`other_thing` is deprecated"]


def test_every_silenced_warning_says_why():
    for *_, reason in quiet.HARMLESS_LOG_MESSAGES + quiet.HARMLESS_WARNINGS:
        assert len(reason.split()) >= 8
