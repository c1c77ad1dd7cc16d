"""Notebook 00's checkers: the best speedup of 8 tasks on 3 processes, and which executor fits."""

from __future__ import annotations

import pytest

from helpers.lessons.start_here import exercises as start_here


@pytest.mark.parametrize(
    ("answer", "ok", "fragment"),
    [
        (8 / 3, True, "2.67x"),
        (2.67, True, "2.67x"),
        (3, False, "3 rounds"),
        (8, False, "only 3 tasks"),
        (2, False, "Count rounds"),
        (None, False, "still None"),
        ("2.67", False, "should be a number"),
    ],
)
def test_best_speedup_checker(answer: object, ok: bool, fragment: str) -> None:
    feedback = start_here.check_best_speedup(answer)
    assert feedback.ok is ok and fragment in feedback.message


@pytest.mark.parametrize(
    ("check", "right", "wrongs"),
    [
        (start_here.check_cpu_executor, "processes", {"threads": "GIL", "serial": "baseline"}),
        (start_here.check_io_executor, "threads", {"processes": "start", "serial": "one after"}),
    ],
)
def test_executor_checkers(check, right: str, wrongs: dict[str, str]) -> None:
    assert check(right).ok
    for answer, fragment in wrongs.items():
        feedback = check(answer)
        assert not feedback.ok and fragment in feedback.message
    assert "should be one of" in check(None).message
