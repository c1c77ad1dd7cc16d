"""What the tests of exercise checkers share: the two tests every checker gets (it accepts each
correct answer, and it rejects each wrong one with a message that says what is wrong), and the
check that a lesson's own folded solutions pass their checkers.

Each answer is marked where it is defined, so a mistake and the message it must get stand
together:

    deposit = Checker(check_deposit)
    deposit.also_rejects(None, "still None")

    @deposit.accepts
    async def deposit_with_lock(account, amount): ...

    @deposit.rejects("was lost", "lock")
    async def deposit_original(account, amount): ...

    test_deposit_accepts, test_deposit_rejects = deposit.tests()

pytest collects the two functions under the names they are assigned to. (``checker_cases``
builds the same two tests from lists.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from _pytest.mark.structures import ParameterSet

LESSONS = Path(__file__).resolve().parents[2] / "lessons"

#: What a rejection's message must contain: one fragment, or several.
Fragments = str | tuple[str, ...]
Answer = TypeVar("Answer")


def not_started(*args: object) -> object:
    """An exercise's stub as the notebook hands it out."""
    raise NotImplementedError


def assert_rejected(feedback: Any, *fragments: str) -> None:
    """``feedback`` is a rejection whose message contains every fragment."""
    assert not feedback, f"expected a rejection, got: {feedback.message}"
    for fragment in fragments:
        assert fragment in feedback.message, f"{fragment!r} not in {feedback.message!r}"


def assert_accepted(feedback: Any, *fragments: str) -> None:
    """``feedback`` is a pass whose message contains every fragment."""
    assert feedback, feedback.message
    for fragment in fragments:
        assert fragment in feedback.message, f"{fragment!r} not in {feedback.message!r}"


def _name(answer: Any) -> str | None:
    """A readable test id for an answer: its name, or its repr; None for a lambda."""
    name = getattr(answer, "__name__", repr(answer))
    return None if name == "<lambda>" else name


def _as_param(case: Any, *, with_fragments: bool) -> ParameterSet:
    """A ``pytest.param`` for one case (an answer, or an ``(answer, fragments)`` pair), with the
    answer's name as its id unless the case gives one; fragments become a tuple."""
    if isinstance(case, ParameterSet):
        values, marks, given_id = case.values, case.marks, case.id
    else:
        values, marks, given_id = (case if with_fragments else (case,)), (), None
    if not with_fragments:
        return pytest.param(*values, marks=marks, id=given_id or _name(values[0]) or "lambda")
    answer, fragments = values
    fragments = (fragments,) if isinstance(fragments, str) else tuple(fragments)
    # A lambda has no name: the fragment it must be rejected with says which one it is.
    return pytest.param(
        answer, fragments, marks=marks, id=given_id or _name(answer) or fragments[0]
    )


def checker_cases(
    check: Callable[[Any], Any],
    *,
    correct: Sequence[Any],
    wrong: Sequence[tuple[Any, Fragments] | ParameterSet],
    says: Sequence[str] = (),
    fixtures: Sequence[str] = (),
    after_rejecting: Callable[[], None] | None = None,
) -> tuple[Callable[..., None], Callable[..., None]]:
    """A test that ``check`` accepts every answer in ``correct`` (its message saying each of
    ``says``), and one that it rejects every ``(answer, fragments)`` in ``wrong`` with each
    fragment in its message (then runs ``after_rejecting``, which asserts what a rejection must
    leave behind). Either kind of case may be a ``pytest.param`` (for marks or an id);
    ``fixtures`` are used by both tests."""

    @pytest.mark.parametrize("answer", [_as_param(a, with_fragments=False) for a in correct])
    def accepts(answer: Any) -> None:
        assert_accepted(check(answer), *says)

    @pytest.mark.parametrize(
        ("answer", "fragments"), [_as_param(case, with_fragments=True) for case in wrong]
    )
    def rejects(answer: Any, fragments: tuple[str, ...]) -> None:
        assert_rejected(check(answer), *fragments)
        if after_rejecting is not None:
            after_rejecting()

    if fixtures:
        uses = pytest.mark.usefixtures(*fixtures)
        return uses(accepts), uses(rejects)
    return accepts, rejects


class Checker:
    """One exercise's checker and the answers its two tests try, each registered where it is
    defined (the decorators return the answer unchanged)."""

    def __init__(
        self,
        check: Callable[[Any], Any],
        *,
        says: Sequence[str] = (),
        fixtures: Sequence[str] = (),
        after_rejecting: Callable[[], None] | None = None,
    ) -> None:
        self.check, self.says, self.fixtures = check, says, fixtures
        self.after_rejecting = after_rejecting
        self.correct: list[Any] = []
        self.wrong: list[ParameterSet] = []

    def accepts(self, answer: Answer) -> Answer:
        """Mark ``answer`` as one the checker must accept."""
        self.correct.append(answer)
        return answer

    def rejects(self, *fragments: str, marks: Any = ()) -> Callable[[Answer], Answer]:
        """Mark an answer as one the checker must reject, with every fragment in its message."""

        def mark(answer: Answer) -> Answer:
            self.also_rejects(answer, *fragments, marks=marks)
            return answer

        return mark

    def also_rejects(self, answer: Any, *fragments: str, marks: Any = ()) -> None:
        """An answer that is not a definition here (None, a number, a lambda) must be rejected
        with every fragment in its message."""
        self.wrong.append(pytest.param(answer, fragments, marks=marks))

    def tests(self) -> tuple[Callable[..., None], Callable[..., None]]:
        """The two tests, over every answer registered so far."""
        return checker_cases(
            self.check,
            correct=self.correct,
            wrong=self.wrong,
            says=self.says,
            fixtures=self.fixtures,
            after_rejecting=self.after_rejecting,
        )


def assert_solutions_pass(
    lesson: str, namespace: dict[str, Any], checks: Mapping[str, Callable[[Any], Any]]
) -> None:
    """Run every folded solution of ``lessons/<lesson>`` in ``namespace`` (what the lesson's
    cells would have imported by then); each checker in ``checks`` (by the name of the answer
    it checks) accepts the solution of that name."""
    text = (LESSONS / lesson).read_text()
    for block in re.findall(r"<summary>Solution</summary>.*?```python\n(.*?)```", text, re.S):
        exec(compile(block, "solution", "exec"), namespace)
    for name, check in checks.items():
        feedback = check(namespace[name])
        assert feedback, f"{name}: {feedback.message}"
