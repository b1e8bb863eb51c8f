"""Every word an exercise checker or a self-check shows comes from the message catalogue
(course_utils.messages): no call to expect, Mismatch, ClaimFailed, Verdict or print in
course_utils/exercises/ or course_utils/checks.py writes its own message. A message is a
`say(...)` call, or a variable holding one; never a literal, an f-string, or a string built with
`+`, `%` or `.format` there and then."""

import ast
from pathlib import Path

import course_utils

PACKAGE = Path(course_utils.__file__).parent
FILES = [*sorted((PACKAGE / "exercises").glob("*.py")), PACKAGE / "checks.py"]
# the position of the message among each call's positional arguments (None: all of them)
MESSAGE_POSITION = {"expect": 1, "Mismatch": 0, "ClaimFailed": 0, "Verdict": 2, "print": None}


def _called(node: ast.Call) -> str | None:
    """The name of the function a call calls: `expect` for both expect(...) and
    exercises.expect(...)."""
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def written_here(node: ast.expr) -> bool:
    """Whether an expression makes message text on the spot instead of taking it from the
    catalogue: a string literal, an f-string, or a string joined with +, % or .format."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"):
        return True
    if isinstance(node, ast.IfExp):  # one message or another: both must come from say()
        return written_here(node.body) or written_here(node.orelse)
    return False


def message_arguments(call: ast.Call) -> list[ast.expr]:
    """The arguments of a call that carry its message."""
    position = MESSAGE_POSITION[_called(call)]
    if position is None:
        found = list(call.args)
    else:
        found = call.args[position : position + 1]
    return found + [k.value for k in call.keywords if k.arg == "message"]


def messages_written_here(source: str) -> tuple[int, list[int]]:
    """(how many message-carrying calls there are, the lines of those that write their own)."""
    calls, lines = 0, []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called(node) in MESSAGE_POSITION:
            calls += 1
            if any(written_here(argument) for argument in message_arguments(node)):
                lines.append(node.lineno)
    return calls, lines


def test_every_message_of_a_checker_comes_from_the_catalogue():
    found, calls = [], 0
    for path in FILES:
        n, lines = messages_written_here(path.read_text(encoding="utf-8"))
        calls += n
        found += [f"{path.relative_to(PACKAGE.parent)}:{line}" for line in lines]
    assert calls > 100, "the scan found too few calls: did the files move?"
    assert not found, (
        "these calls write their own message; move its words into course_utils/messages.py "
        "and pass say('<id>', ...) instead:\n" + "\n".join(found)
    )


def test_the_scan_catches_each_way_of_writing_a_message_in_place():
    written = [
        'expect(ok, "wrong.")',
        'expect(ok, f"wrong: {x}.")',
        'expect(ok, "wrong: " + str(x))',
        'expect(ok, "wrong: %s" % x)',
        'expect(ok, "wrong: {}".format(x))',
        'expect(ok, message="wrong.")',
        'expect(ok, say("a") if x else "wrong.")',
        'raise Mismatch(f"wrong: {x}.")',
        'raise ClaimFailed("not so.")',
        'Verdict(name, WRONG, "wrong.")',
        'exercises.Verdict(name, WRONG, f"{x}")',
        'print("done")',
        'print(verdict, "done")',
    ]
    for source in written:
        assert messages_written_here(source) == (1, [1]), source
    taken = [
        'expect(ok, say("ex.common.correct"))',
        "expect(ok, message)",
        'expect(ok, say("a") if x else say("b"))',
        'raise Mismatch(say("a", x=x))',
        "Verdict(name, status, message)",
        "print(verdict)",
        "print(self.solution())",
        'expect(f"{x}" == "1", say("a"))',  # the condition may use any string
    ]
    for source in taken:
        assert messages_written_here(source) == (1, []), source
