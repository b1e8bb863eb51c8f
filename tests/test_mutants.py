"""The catalogue of named bugs still applies to the lessons (the runs are `make test-mutants`)."""

import nbformat
import pytest

from course_utils import mutants


@pytest.mark.parametrize("bug", mutants.CATALOGUE, ids=lambda b: b.name)
def test_every_substitution_still_applies(bug):
    original = nbformat.read(mutants.NOTEBOOKS / bug.notebook, as_version=4)
    broken = mutants.apply(bug, original, truncate=True)
    cell = next(c for c in broken.cells if c.get("id") == bug.cell)
    before = next(c for c in original.cells if c.get("id") == bug.cell).source
    assert cell.source == before.replace(bug.old, bug.new) != before
    assert broken.cells[-1].get("id") == bug.check_cell  # the run stops at the check
    assert bug.concept and bug.story and bug.lesson


def test_catalogue_is_big_enough_and_named_once():
    assert len(mutants.CATALOGUE) >= 12
    assert len(mutants.BUGS) == len(mutants.CATALOGUE)


def test_a_stale_substitution_is_a_clear_error():
    bug = mutants.CATALOGUE[0]
    nb = nbformat.read(mutants.NOTEBOOKS / bug.notebook, as_version=4)
    next(c for c in nb.cells if c.get("id") == bug.cell).source = "print('rewritten')"
    stale = f"cell {bug.cell} of .* no longer contains"
    with pytest.raises(mutants.CatalogueOutOfDate, match=stale):
        mutants.apply(bug, nb)
    nb.cells = [c for c in nb.cells if c.get("id") != bug.cell]
    with pytest.raises(mutants.CatalogueOutOfDate, match="has no cell"):
        mutants.apply(bug, nb)


def test_killed_only_by_the_named_check_with_its_concept():
    bug = mutants.BUGS["no_label_mask"]
    assert mutants.Outcome(bug, bug.check_cell, f"AssertionError: {bug.concept} [0, 1]", 1).killed
    assert not mutants.Outcome(bug, bug.check_cell, "AssertionError: ", 1).killed
    assert not mutants.Outcome(bug, "adf90548", f"NameError: {bug.concept}", 1).killed
    assert not mutants.Outcome(bug, None, "", 1).killed
    assert "SURVIVED" in mutants.table([mutants.Outcome(bug, None, "", 1)])
