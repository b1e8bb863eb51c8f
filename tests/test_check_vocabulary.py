"""The check vocabulary (course_utils.checks: agree, holds, within, beats) and the message
catalogue every one of its words comes from (course_utils.messages)."""

import ast
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils import checks, messages
from course_utils.checks import ClaimFailed, agree, beats, holds, within
from course_utils.messages import CATALOGUE, say


def test_agree_prints_one_line_with_the_difference_and_what_was_allowed(capsys):
    x = torch.linspace(-1, 1, 11, dtype=torch.float64)
    result = agree("the hand-written tanh equals torch.tanh", (x.exp() - (-x).exp()) /
                   (x.exp() + (-x).exp()), torch.tanh(x))
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("✓ the hand-written tanh equals torch.tanh")
    assert "allowed" in out and "exact" not in out and result


def test_agree_fails_with_the_claim_the_size_and_the_place():
    mine = torch.zeros(3, 4)
    mine[2, 1] = 0.5
    with pytest.raises(ClaimFailed) as failed:
        agree("the gradient equals autograd's", mine, torch.zeros(3, 4))
    message = str(failed.value)
    assert "the gradient equals autograd's" in message and "0.5" in message
    assert "(2, 1)" in message and "Look first" in message
    assert isinstance(failed.value, AssertionError)  # nbval and the mutants see a failed check


def test_agree_uses_the_courses_tolerance_rule():
    # one float32 rounding of a value near 1 is far inside 256 ulps; 1e-3 is far outside
    value = torch.tensor([1.0], dtype=torch.float64)
    agree("rounded once", value.float(), value)
    with pytest.raises(ClaimFailed):
        agree("a real mistake", value.float() + 1e-3, value)


def test_agree_catches_nan_and_shape_mismatch():
    with pytest.raises(ClaimFailed):
        agree("no NaN", torch.tensor([float("nan")]), torch.tensor([0.0]))
    with pytest.raises(ClaimFailed, match="different shapes"):
        agree("same shape", torch.zeros(2), torch.zeros(3))


def test_holds_prints_what_was_measured_and_allowed(capsys):
    holds("most starts solve XOR", 17 >= 14, measured="17 of 20 starts", allowed="14 needed")
    assert capsys.readouterr().out == "✓ most starts solve XOR (17 of 20 starts; 14 needed)\n"
    with pytest.raises(ClaimFailed, match="most starts solve XOR: not so .9 of 20"):
        holds("most starts solve XOR", 9 >= 14, measured="9 of 20 starts", allowed="14 needed")


def test_holds_takes_one_yes_or_no():
    holds("a one-element tensor is fine", torch.tensor(True))
    with pytest.raises(ValueError, match="one yes/no value"):
        holds("not a whole tensor", torch.tensor([True, False]))
    with pytest.raises(TypeError):
        holds("not a number", 1.0)
    with pytest.raises(ValueError, match="both"):
        holds("both or neither", True, measured="3")


def test_within(capsys):
    assert within("the slope is near 2", 2.03, 1.7, 2.3) == pytest.approx(2.03)
    assert capsys.readouterr().out == "✓ the slope is near 2: 2.03, between 1.7 and 2.3\n"
    for bad in (2.5, math.nan):
        with pytest.raises(ClaimFailed, match="the slope is near 2"):
            within("the slope is near 2", bad, 1.7, 2.3)
    with pytest.raises(ValueError):
        within("bounds in order", 1.0, 2.0, 1.0)


def test_beats_needs_a_difference_beyond_noise(capsys):
    rng = np.random.default_rng(0)
    b = rng.random(400) < 0.5
    a = b | (rng.random(400) < 0.6)  # A gets every row B gets, and more
    verdict = beats("fine-tuning helps", a, b, "after", "before")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("✓ fine-tuning helps: after")
    assert verdict.verdict == "better"
    with pytest.raises(ClaimFailed, match="not beyond noise"):
        beats("a coin does not help", b, b, "same", "same")
    with pytest.raises(ClaimFailed):
        beats("the worse one does not win", b, a, "before", "after")


def test_every_message_is_used_and_every_use_names_a_message():
    used = set()
    for path in Path(checks.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                used.add(node.args[0].value)
    assert used - set(CATALOGUE) == set(), "a say() names a message that is not in the catalogue"
    assert set(CATALOGUE) - used == set(), "a message in the catalogue is never said"


def test_say_wants_exactly_the_arguments_a_message_takes():
    assert messages.placeholders("within.held") == {"claim", "value", "low", "high"}
    with pytest.raises(TypeError, match="missing"):
        say("within.held", claim="x", value=1.0, low=0.0)
    with pytest.raises(TypeError, match="not used"):
        say("claim.held", claim="x", detail="", extra=1)
    with pytest.raises(KeyError):
        say("no.such.message")
