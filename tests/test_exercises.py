"""Every exercise checker accepts its reference solution and rejects typical wrong answers."""

import pytest

from course_utils.exercises import CORRECT, NOT_ATTEMPTED, WRONG, all_exercises, exercise, expect

EXERCISES = all_exercises()


def test_every_lesson_with_exercises_is_found():
    assert any(name.startswith("course_utils.exercises.lesson01.") for name in EXERCISES)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_solution_is_accepted(name):
    ex = EXERCISES[name]
    verdict = ex(ex.reference, quiet=True)
    assert verdict.status == CORRECT, verdict.message


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_typical_wrong_answers_are_rejected_in_plain_words(name):
    ex = EXERCISES[name]
    assert ex.wrong, f"{name} lists no typical wrong answers to test against"
    for wrong in ex.wrong:
        verdict = ex(wrong, quiet=True)
        assert verdict.status == WRONG, f"{wrong.__name__} was accepted"
        assert len(verdict.message) > 15


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_untouched_stub_is_not_attempted(name):
    def stub(*args, **kwargs):
        raise NotImplementedError

    assert EXERCISES[name](stub, quiet=True).status == NOT_ATTEMPTED


def _square_solution(x):
    return x * x


@exercise(reference=_square_solution)
def check_square(square):
    expect(square(3) == 9, "square(3) should be 9.")


def test_checker_reports_crashes_and_prints_one_line(capsys):
    verdict = check_square(lambda x: 1 / 0)
    assert not verdict and "ZeroDivisionError" in verdict.message
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("❌ square:")
    assert check_square(_square_solution)
    assert "return x * x" in check_square.solution()


def test_checker_wants_a_function():
    with pytest.raises(TypeError, match="Pass your function itself"):
        check_square(9)
