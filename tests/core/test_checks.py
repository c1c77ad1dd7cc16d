"""helpers.checks and the checkers of notebook 00."""

from __future__ import annotations

import threading
import time

import pytest

from helpers.core import checks


def test_checker_turns_learner_errors_into_feedback() -> None:
    @checks.checker
    def check(fn):
        checks.expect_equal(fn(2), 4, "fn(2)")
        return checks.passed("fine")

    assert check(lambda x: x * 2).ok
    wrong = check(lambda x: x + 3)
    assert not wrong and wrong.message == "fn(2) should be 4, but it is 5."
    boom = check(lambda x: 1 / 0)
    assert not boom and "ZeroDivisionError" in boom.message

    def todo(x):
        raise NotImplementedError

    assert "not started yet" in check(todo).message


def test_feedback_renders() -> None:
    good, bad = checks.passed("yes"), checks.failed("no <b>")
    assert str(good) == "✔ Correct: yes" and str(bad) == "✘ Not yet: no <b>"
    assert "&lt;b&gt;" in bad._repr_html_() and "Correct" in good._repr_html_()


def test_call_with_timeout_returns_raises_or_gives_up() -> None:
    assert checks.call_with_timeout(lambda a, b=0: a + b, 1, b=2) == 3
    with pytest.raises(KeyError):
        checks.call_with_timeout(lambda: {}["missing"])
    stop = threading.Event()
    started = time.monotonic()
    with pytest.raises(checks.CheckTimeout, match=r"did not finish within 0\.2 s"):
        checks.call_with_timeout(stop.wait, 30, timeout=0.2)
    assert time.monotonic() - started < 5
    stop.set()  # release the stuck helper thread


def test_a_hanging_answer_becomes_feedback() -> None:
    stop = threading.Event()

    @checks.checker
    def check(fn):
        checks.call_with_timeout(fn, timeout=0.1)
        return checks.passed()

    feedback = check(lambda: stop.wait(30))
    stop.set()
    assert not feedback and "did not finish" in feedback.message
