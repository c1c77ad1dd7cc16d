"""Notebook 00's checkers: the best speedup of 8 tasks on 3 processes, and which executor fits."""

from __future__ import annotations

import pytest

from helpers.lessons.start_here import exercises as start_here


@pytest.mark.parametrize(
    ("answer", "ok", "fragment"),
    [
        (8 / 3, True, "2.67x"),
        (2.67, True, "2.67x"),  # another way to write the right answer
        (3, False, "3 rounds"),  # one task per worker, forgetting the last round
        (8, False, "only 3 tasks"),  # one worker per task
        (1, False, "own GIL"),  # "the GIL stops processes too"
        (3 / 8, False, "upside down"),
        (2.7, False, "two decimals"),
        (2.66, False, "two decimals"),
        # Lucky with timing: what a good run measures. Close to the answer, and wrong: the
        # question asks for the best possible speedup, which no measurement reaches.
        (2.6, False, "looks like a measured speedup"),
        (2.5, False, "looks like a measured speedup"),
        (2, False, "Count rounds"),
        (None, False, "still None"),
        ("2.67", False, "should be a number"),
    ],
)
def test_best_speedup_checker(answer: object, ok: bool, fragment: str) -> None:
    feedback = start_here.check_best_speedup(answer)
    assert feedback.ok is ok and fragment in feedback.message, feedback.message


@pytest.mark.parametrize(
    ("check", "rights", "wrongs"),
    [
        (
            start_here.check_cpu_executor,
            ["processes", "ProcessPoolExecutor", "multiprocessing", "process pool"],
            {"threads": "GIL", "Thread Pool": "GIL", "serial": "baseline", "asyncio": "one thread"},
        ),
        (
            start_here.check_io_executor,
            ["threads", "ThreadPoolExecutor", "thread_pool"],
            {"processes": "start", "serial": "one after", "asyncio": "fine choice too"},
        ),
    ],
)
def test_executor_checkers(check, rights: list[str], wrongs: dict[str, str]) -> None:
    for right in rights:
        assert check(right).ok, right
    for answer, fragment in wrongs.items():
        feedback = check(answer)
        assert not feedback and fragment in feedback.message, (answer, feedback.message)
    assert "still None" in check(None).message
    assert "should be one of" in check(3).message
    assert "should be one of" in check("gpu").message
