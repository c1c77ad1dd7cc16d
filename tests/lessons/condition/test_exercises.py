"""Checkers of notebook 05: each accepts the reference answer (the notebook's solution)
and rejects typical wrong answers with a specific message, never raising, never leaving a
thread behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from checker_cases import assert_rejected, checker_cases  # tests/support/

from helpers.lessons.condition import exercises as ex5

# Learner threads stuck in a wrong answer are rescued by the checkers themselves.
pytestmark = pytest.mark.usefixtures("nothing_left", "quick_checkers")


# --- Notebook 05 ------------------------------------------------------------------------------


def test_woken() -> None:
    assert ex5.check_woken(3)
    assert_rejected(ex5.check_woken(None), "None")
    assert_rejected(ex5.check_woken("3"), "number")
    assert_rejected(ex5.check_woken(5), "notify_all")
    assert_rejected(ex5.check_woken(2), "one more")
    assert_rejected(ex5.check_woken(0), "they do wake")
    assert_rejected(ex5.check_woken(4), "up to n")


TakeTurns = Callable[[ex5.Turns, int, int, float], bool]


def take_turns_waking(wake: Callable[[threading.Condition], None]) -> TakeTurns:
    """The notebook's take_turns, waking the others with ``wake``: the reference wakes them
    all, the typical mistake only one."""

    def take_turns(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
        for _ in range(rounds):
            with turns.cond:
                if not turns.cond.wait_for(lambda: turns.current == me, timeout):
                    return False
                turns.log.append(me)
                turns.current = (me + 1) % turns.players
                wake(turns.cond)
        return True

    return take_turns


take_turns_reference = take_turns_waking(threading.Condition.notify_all)
take_turns_notify_one = take_turns_waking(threading.Condition.notify)


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


def take_turns_while_loop(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    """Correct, but not the notebook's: a `while` loop with its own deadline."""
    for _ in range(rounds):
        deadline = time.monotonic() + timeout
        with turns.cond:
            while turns.current != me:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                turns.cond.wait(remaining)  # woken or timed out: the loop checks again
            turns.log.append(me)
            turns.current = (me + 1) % turns.players
            turns.cond.notify_all()
    return True


test_take_turns_accepts_correct_answers, test_take_turns_rejects = checker_cases(
    ex5.check_take_turns,
    correct=[take_turns_reference, take_turns_while_loop],
    wrong=[
        (None, "function"),
        (take_turns_stub, "not started"),
        (take_turns_notify_one, ("stopped after", "notify_all")),
        (take_turns_if, "turns.current == me"),
        (take_turns_no_lock, "holding the condition's lock"),
        (take_turns_no_timeout, "timeout"),
        (take_turns_returns_nothing, "return True"),
    ],
)


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


class LatchWhileLoop(LatchReference):
    """Correct, but not the notebook's: notify_all() on every count_down(), a `while` loop."""

    def count_down(self) -> None:
        with self.cond:
            if self.count > 0:
                self.count -= 1
            self.cond.notify_all()  # waiters re-check; only count == 0 lets them out

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while self.count > 0:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self.cond.wait(remaining)
            return True


test_latch_accepts_correct_answers, test_latch_rejects = checker_cases(
    ex5.check_latch,
    correct=[LatchReference, LatchWhileLoop],
    wrong=[
        (None, "class"),
        (LatchStub, "not started"),
        (LatchNotifyOne, ("only 1", "notify_all")),
        (LatchReturnsNone, ("return False", "wait_for")),
        (LatchGoesNegative, "stays open"),
        (LatchNoLock, "holding the condition's lock"),
        (LatchNoTimeout, ("still waiting", "give up")),
        (LatchOffByOne, "still closed"),
        (LatchNoCondition, "store the condition"),
    ],
)


# --- Exercise 4: fix the one-item buffer (proven by the lab's search) ----------------------------


class SlotAsGiven:
    """The notebook's broken Slot: `if` around wait, notify() with two kinds of waiters.
    The wrong answers below change one thing each: how they wait, or how they wake."""

    def __init__(self) -> None:
        self.item: Any = None
        self.full = False
        self.cond = threading.Condition()

    def wake(self) -> None:
        self.cond.notify()

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self.cond:
            if self.full and not self.cond.wait(timeout):  # checked once
                raise TimeoutError("the slot stayed full")
            self.item, self.full = item, True
            self.wake()

    def get(self, timeout: float | None = None) -> Any:
        with self.cond:
            if not self.full and not self.cond.wait(timeout):  # checked once
                raise TimeoutError("the slot stayed empty")
            item, self.item, self.full = self.item, None, False
            self.wake()
            return item


class SlotReference(SlotAsGiven):
    """The notebook's solution: wait_for, and notify_all() for both kinds of waiters."""

    def wake(self) -> None:
        self.cond.notify_all()

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: not self.full, timeout):
                raise TimeoutError("the slot stayed full")
            self.item, self.full = item, True
            self.wake()

    def get(self, timeout: float | None = None) -> Any:
        with self.cond:
            if not self.cond.wait_for(lambda: self.full, timeout):
                raise TimeoutError("the slot stayed empty")
            item, self.item, self.full = self.item, None, False
            self.wake()
            return item


class SlotTwoConditions:
    """A different correct answer: one lock, a condition per kind of waiter, `while` loops."""

    def __init__(self) -> None:
        self.item: Any = None
        self.full = False
        lock = threading.Lock()
        self.not_full = threading.Condition(lock)
        self.not_empty = threading.Condition(lock)

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self.not_full:
            while self.full:
                if not self.not_full.wait(timeout):
                    raise TimeoutError("the slot stayed full")
            self.item, self.full = item, True
            self.not_empty.notify()

    def get(self, timeout: float | None = None) -> Any:
        with self.not_empty:
            while not self.full:
                if not self.not_empty.wait(timeout):
                    raise TimeoutError("the slot stayed empty")
            item, self.item, self.full = self.item, None, False
            self.not_full.notify()
            return item


class SlotIfNotifyAll(SlotAsGiven):
    """Wrong: notify_all() fixed, but `if` kept: a consumer woken for an item another
    consumer took goes on and takes None."""

    def wake(self) -> None:
        self.cond.notify_all()


class SlotWhileNotifyOne(SlotReference):
    """Wrong, and lucky by timing: wait_for fixed, notify() kept. On real threads it almost
    always finishes; the search finds the schedule where a consumer wakes the other consumer
    instead of the producer, and every thread sleeps."""

    def wake(self) -> None:
        self.cond.notify()


class SlotNoNotify(SlotReference):
    """Wrong: waits right, but nobody is ever told (passes every one-thread check)."""

    def wake(self) -> None:
        pass


class SlotNotifyOutsideLock(SlotReference):
    """Wrong: notify_all() after leaving `with self.cond:`."""

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: not self.full, timeout):
                raise TimeoutError("the slot stayed full")
            self.item, self.full = item, True
        self.wake()


class SlotIgnoresTimeout(SlotReference):
    """Wrong: a put into a full slot overwrites the item after its wait times out."""

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self.cond:
            self.cond.wait_for(lambda: not self.full, timeout)
            self.item, self.full = item, True
            self.wake()


test_slot_accepts_correct_answers_with_a_whole_search, test_slot_rejects = checker_cases(
    ex5.check_slot,
    correct=[SlotReference, SlotTwoConditions],
    says=("no violation", "every interleaving"),
    wrong=[
        (SlotAsGiven, ("`while` loop", "final check failed", "step")),
        (SlotIfNotifyAll, ("`while` loop", "None", "step")),
        (SlotWhileNotifyOne, ("notify_all()", "deadlock", "step")),
        (SlotNoNotify, ("notify after every change", "deadlock")),
        (SlotNotifyOutsideLock, "with"),
        (SlotIgnoresTimeout, "TimeoutError"),
        (42, "class"),
    ],
)


def test_the_lucky_answer_is_rejected_by_the_search_not_by_luck() -> None:
    """The counterexample is a fixed schedule: the same verdict every time it is searched."""
    first = ex5.prove_slot(SlotWhileNotifyOne)
    again = ex5.prove_slot(SlotWhileNotifyOne)
    assert first.counterexample is not None and again.counterexample is not None
    assert first.counterexample.schedule == again.counterexample.schedule
    assert first.counterexample.outcome.kind == "deadlock"
