"""The two tests every exercise checker gets: it accepts each correct answer, and it rejects
each wrong one with a message that says what is wrong.

    test_deposit_accepts, test_deposit_rejects = checker_cases(
        check_deposit,
        correct=[deposit_no_await_between, deposit_with_lock],
        wrong=[(None, "still None"), (deposit_original, "was lost")],
    )

pytest collects the two functions under the names they are assigned to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest


def assert_rejected(feedback: Any, *fragments: str) -> None:
    """``feedback`` is a rejection whose message contains every fragment."""
    assert not feedback, feedback.message
    for fragment in fragments:
        assert fragment in feedback.message, feedback.message


def _name(answer: Any) -> str:
    return getattr(answer, "__name__", repr(answer))


def checker_cases(
    check: Callable[[Any], Any],
    *,
    correct: Sequence[Any],
    wrong: Sequence[tuple[Any, str]],
) -> tuple[Callable[..., None], Callable[..., None]]:
    """A test that ``check`` accepts every answer in ``correct``, and one that it rejects every
    ``(answer, fragment)`` in ``wrong`` with ``fragment`` in its message."""

    @pytest.mark.parametrize("answer", correct, ids=[_name(a) for a in correct])
    def accepts(answer: Any) -> None:
        feedback = check(answer)
        assert feedback, feedback.message

    @pytest.mark.parametrize(("answer", "fragment"), wrong, ids=[_name(a) for a, _ in wrong])
    def rejects(answer: Any, fragment: str) -> None:
        assert_rejected(check(answer), fragment)

    return accepts, rejects
