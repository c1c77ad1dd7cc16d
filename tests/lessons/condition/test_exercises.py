"""Checkers of notebook 05: each accepts the reference answer (the notebook's solution)
and rejects typical wrong answers with a specific message, never raising, never leaving a
thread behind."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from helpers.core import learner
from helpers.core.checks import Feedback
from helpers.lessons.condition import exercises as ex5

# Learner threads stuck in a wrong answer are rescued by the checkers themselves.
pytestmark = pytest.mark.usefixtures("nothing_left")


@pytest.fixture(autouse=True)
def quick_checkers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong answers cost the checker PATIENCE_S each; the correct ones take milliseconds."""
    monkeypatch.setattr(learner, "PATIENCE_S", 0.6)


def fails_with(feedback: Feedback, *words: str) -> None:
    assert not feedback, f"expected a failure, got: {feedback}"
    for word in words:
        assert word in feedback.message, f"{word!r} not in {feedback.message!r}"


# --- Notebook 05 ------------------------------------------------------------------------------


def test_woken() -> None:
    assert ex5.check_woken(3)
    fails_with(ex5.check_woken(None), "None")
    fails_with(ex5.check_woken("3"), "number")
    fails_with(ex5.check_woken(5), "notify_all")
    fails_with(ex5.check_woken(2), "one more")
    fails_with(ex5.check_woken(0), "they do wake")
    fails_with(ex5.check_woken(4), "up to n")


def take_turns_reference(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    for _ in range(rounds):
        with turns.cond:
            if not turns.cond.wait_for(lambda: turns.current == me, timeout):
                return False
            turns.log.append(me)
            turns.current = (me + 1) % turns.players
            turns.cond.notify_all()
    return True


def take_turns_notify_one(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    for _ in range(rounds):
        with turns.cond:
            if not turns.cond.wait_for(lambda: turns.current == me, timeout):
                return False
            turns.log.append(me)
            turns.current = (me + 1) % turns.players
            turns.cond.notify()
    return True


def take_turns_if(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    for _ in range(rounds):
        with turns.cond:
            if turns.current != me:
                turns.cond.wait(timeout)
            turns.log.append(me)
            turns.current = (me + 1) % turns.players
            turns.cond.notify_all()
    return True


def take_turns_no_lock(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    turns.cond.wait_for(lambda: turns.current == me, timeout)
    return True


def take_turns_no_timeout(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    for _ in range(rounds):
        with turns.cond:
            turns.cond.wait_for(lambda: turns.current == me)
            turns.log.append(me)
            turns.current = (me + 1) % turns.players
            turns.cond.notify()
    return True


def take_turns_returns_nothing(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> None:
    take_turns_reference(turns, me, rounds, timeout)


def take_turns_stub(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    raise NotImplementedError


def test_take_turns_accepts_the_reference() -> None:
    feedback = ex5.check_take_turns(take_turns_reference)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, ("function",)),
        (take_turns_stub, ("not started",)),
        (take_turns_notify_one, ("stopped after", "notify_all")),
        (take_turns_if, ("turns.current == me",)),
        (take_turns_no_lock, ("holding the condition's lock",)),
        (take_turns_no_timeout, ("timeout",)),
        (take_turns_returns_nothing, ("return True",)),
    ],
)
def test_take_turns_rejects(answer: Any, words: tuple[str, ...]) -> None:
    fails_with(ex5.check_take_turns(answer), *words)


def test_turns_repr_shows_the_state() -> None:
    assert repr(ex5.Turns(3)) == "Turns(players=3, current=0, log=[])"


class LatchReference:
    def __init__(self, count: int) -> None:
        self.count = count
        self.cond = threading.Condition()

    def count_down(self) -> None:
        with self.cond:
            self.count = max(0, self.count - 1)
            if self.count == 0:
                self.cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.count == 0, timeout)


class LatchNotifyOne(LatchReference):
    def count_down(self) -> None:
        with self.cond:
            self.count = max(0, self.count - 1)
            self.cond.notify()


class LatchGoesNegative(LatchReference):
    def count_down(self) -> None:
        with self.cond:
            self.count -= 1
            self.cond.notify_all()


class LatchReturnsNone(LatchReference):
    def wait(self, timeout: float | None = None) -> Any:
        with self.cond:
            self.cond.wait_for(lambda: self.count <= 0, timeout)


class LatchNoLock(LatchReference):
    def count_down(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.cond.notify_all()


class LatchNoTimeout(LatchReference):
    def wait(self, timeout: float | None = None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.count == 0)


class LatchOffByOne(LatchReference):
    def wait(self, timeout: float | None = None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.count <= 1, timeout)


class LatchNoCondition:
    def __init__(self, count: int) -> None:
        self.count = count
        self.event = threading.Event()

    def count_down(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.event.wait(timeout) or self.count <= 0


class LatchStub:
    def __init__(self, count: int) -> None:
        self.count = count
        self.cond = threading.Condition()

    def count_down(self) -> None:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> bool:
        raise NotImplementedError


def test_latch_accepts_the_reference() -> None:
    feedback = ex5.check_latch(LatchReference)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, ("class",)),
        (LatchStub, ("not started",)),
        (LatchNotifyOne, ("only 1", "notify_all")),
        (LatchReturnsNone, ("return False", "wait_for")),
        (LatchGoesNegative, ("stays open",)),
        (LatchNoLock, ("holding the condition's lock",)),
        (LatchNoTimeout, ("still waiting", "give up")),
        (LatchOffByOne, ("still closed",)),
        (LatchNoCondition, ("store the condition",)),
    ],
)
def test_latch_rejects(answer: Any, words: tuple[str, ...]) -> None:
    fails_with(ex5.check_latch(answer), *words)
