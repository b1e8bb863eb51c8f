"""scripts/measure_rates.py: every rate and spread that course_utils.stats records names a
measurement that exists, and a measurement runs the lesson's own code."""

import re
import subprocess
import sys
from pathlib import Path

from course_utils import stats

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "measure_rates.py"


def _groups() -> set[str]:
    done = subprocess.run([sys.executable, str(SCRIPT), "--list"], capture_output=True,
                          text=True, timeout=120, check=True)
    return set(done.stdout.split())


def test_every_recorded_rate_names_a_measurement_that_exists():
    groups = _groups()
    commands = [m.command for m in stats.MEASURED.values()]
    commands += [s.command for s in stats.SPREADS.values()]
    for command in commands:
        match = re.fullmatch(r"(?:COURSE_FAST=0 )?python scripts/measure_rates\.py ([\w ]+?) "
                             r"--seeds (\d+)", command)
        assert match, f"not a measure_rates command: {command!r}"
        assert set(match.group(1).split()) <= groups, command


def test_a_measurement_runs_the_lessons_code_and_reports_counts():
    done = subprocess.run([sys.executable, str(SCRIPT), "xor", "--seeds", "3"],
                          capture_output=True, text=True, timeout=300, check=True)
    assert re.search(r"xor_solved: held \d of 3", done.stdout), done.stdout
    assert "recorded 1969 of 2000" in done.stdout


def test_unknown_groups_are_refused():
    done = subprocess.run([sys.executable, str(SCRIPT), "no_such_group"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "--list shows them" in done.stderr
