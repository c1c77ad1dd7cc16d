"""Checkers of notebook 05: each accepts the reference answer (the notebook's solution)
and rejects typical wrong answers with a specific message, never raising, never leaving a
thread behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from checker_cases import Checker, assert_rejected  # tests/support/

from helpers.core.checks import Wrong
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


take_turns = Checker(ex5.check_take_turns)
take_turns.also_rejects(None, "function")

TakeTurns = Callable[[ex5.Turns, int, int, float], bool]
WaitForTurn = Callable[[ex5.Turns, int, float], bool]


def take_turns_with(wait: WaitForTurn, wake: Callable[[threading.Condition], None]) -> TakeTurns:
    """The notebook's take_turns, built from how a player waits for its turn (False: gave up)
    and how it wakes the others: the typical mistakes change one of the two."""

    def answer(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
        for _ in range(rounds):
            with turns.cond:
                if not wait(turns, me, timeout):
                    return False
                turns.log.append(me)
                turns.current = (me + 1) % turns.players
                wake(turns.cond)
        return True

    answer.__name__ = f"take_turns_{wait.__name__}_{wake.__name__}"  # its test's id
    return answer


def wait_for_my_turn(turns: ex5.Turns, me: int, timeout: float) -> bool:
    return turns.cond.wait_for(lambda: turns.current == me, timeout)


def wait_once(turns: ex5.Turns, me: int, timeout: float) -> bool:
    # Wrong: `if`, not a loop, so a wake-up meant for another player counts as my turn.
    if turns.current != me:
        turns.cond.wait(timeout)
    return True


def wait_without_timeout(turns: ex5.Turns, me: int, timeout: float) -> bool:
    return turns.cond.wait_for(lambda: turns.current == me)


def wait_polling(turns: ex5.Turns, me: int, timeout: float) -> bool:
    # Wrong: a wait that runs out just waits again, so a wake-up that never came only stalls
    # the game, and notify() seems to work.
    while turns.current != me:
        turns.cond.wait(timeout)
    return True


notify, notify_all = threading.Condition.notify, threading.Condition.notify_all
take_turns_reference = take_turns.accepts(take_turns_with(wait_for_my_turn, notify_all))
# Its game stops at a player's timeout; or, by luck of timing (the player whose turn it is wins
# the race when two waits run out together), it goes on after a stall, and may then outlast the
# checker's bound. Each of the three is refused, naming notify() and notify_all().
take_turns_notify_one = take_turns.rejects("notify()", "notify_all()")(
    take_turns_with(wait_for_my_turn, notify)
)
take_turns_if = take_turns.rejects("turns.current == me")(take_turns_with(wait_once, notify_all))
take_turns_no_timeout = take_turns.rejects("timeout")(take_turns_with(wait_without_timeout, notify))
take_turns_polling = take_turns.rejects("notify_all()")(take_turns_with(wait_polling, notify))


@take_turns.rejects("holding the condition's lock")
def take_turns_no_lock(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    turns.cond.wait_for(lambda: turns.current == me, timeout)
    return True


@take_turns.rejects("return True")
def take_turns_returns_nothing(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> None:
    take_turns_reference(turns, me, rounds, timeout)


@take_turns.rejects("not started")
def take_turns_stub(turns: ex5.Turns, me: int, rounds: int, timeout: float) -> bool:
    raise NotImplementedError


@take_turns.accepts
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


test_take_turns_accepts_correct_answers, test_take_turns_rejects = take_turns.tests()


def test_turns_repr_shows_the_state() -> None:
    assert repr(ex5.Turns(3)) == "Turns(players=3, current=0, log=[])"


def test_a_game_that_went_on_after_a_wait_ran_out_is_refused() -> None:
    turns = ex5.Turns(3, ex5.TimedCondition)
    ex5.refuse_a_stall(turns)  # no wait yet: nothing to refuse
    with turns.cond:
        assert turns.cond.wait_for(lambda: True, 0.01)  # true at once: no wait at all
        assert not turns.cond.wait(0.01)
    assert turns.cond.timed_out == 1
    with pytest.raises(Wrong, match=r"stalled.*notify_all\(\)"):
        ex5.refuse_a_stall(turns)


latch = Checker(ex5.check_latch)
latch.also_rejects(None, "class")


@latch.accepts
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


@latch.rejects("only 1", "notify_all")
class LatchNotifyOne(LatchReference):
    def count_down(self) -> None:
        with self.cond:
            self.count = max(0, self.count - 1)
            self.cond.notify()


@latch.rejects("stays open")
class LatchGoesNegative(LatchReference):
    def count_down(self) -> None:
        with self.cond:
            self.count -= 1
            self.cond.notify_all()


@latch.rejects("return False", "wait_for")
class LatchReturnsNone(LatchReference):
    def wait(self, timeout: float | None = None) -> Any:
        with self.cond:
            self.cond.wait_for(lambda: self.count <= 0, timeout)


@latch.rejects("holding the condition's lock")
class LatchNoLock(LatchReference):
    def count_down(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.cond.notify_all()


@latch.rejects("still waiting", "give up")
class LatchNoTimeout(LatchReference):
    def wait(self, timeout: float | None = None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.count == 0)


@latch.rejects("still closed")
class LatchOffByOne(LatchReference):
    def wait(self, timeout: float | None = None) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.count <= 1, timeout)


@latch.rejects("store the condition")
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


@latch.rejects("not started")
class LatchStub(LatchReference):
    def count_down(self) -> None:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> bool:
        raise NotImplementedError


@latch.accepts
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


test_latch_accepts_correct_answers, test_latch_rejects = latch.tests()


# --- Exercise 4: fix the one-item buffer (proven by the lab's search) ----------------------------


slot = Checker(ex5.check_slot, says=("no violation", "every interleaving"))
slot.also_rejects(42, "class")


@slot.rejects("`while` loop", "final check failed", "step")
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


@slot.accepts
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


@slot.accepts
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


@slot.rejects("`while` loop", "None", "step")
class SlotIfNotifyAll(SlotAsGiven):
    """Wrong: notify_all() fixed, but `if` kept: a consumer woken for an item another
    consumer took goes on and takes None."""

    def wake(self) -> None:
        self.cond.notify_all()


@slot.rejects("notify_all()", "deadlock", "step")
class SlotWhileNotifyOne(SlotReference):
    """Wrong, and lucky by timing: wait_for fixed, notify() kept. On real threads it almost
    always finishes; the search finds the schedule where a consumer wakes the other consumer
    instead of the producer, and every thread sleeps."""

    def wake(self) -> None:
        self.cond.notify()


@slot.rejects("notify after every change", "deadlock")
class SlotNoNotify(SlotReference):
    """Wrong: waits right, but nobody is ever told (passes every one-thread check)."""

    def wake(self) -> None:
        pass


@slot.rejects("with")
class SlotNotifyOutsideLock(SlotReference):
    """Wrong: notify_all() after leaving `with self.cond:`."""

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: not self.full, timeout):
                raise TimeoutError("the slot stayed full")
            self.item, self.full = item, True
        self.wake()


@slot.rejects("TimeoutError")
class SlotIgnoresTimeout(SlotReference):
    """Wrong: a put into a full slot overwrites the item after its wait times out."""

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self.cond:
            self.cond.wait_for(lambda: not self.full, timeout)
            self.item, self.full = item, True
            self.wake()


test_slot_accepts_correct_answers_with_a_whole_search, test_slot_rejects = slot.tests()


def test_the_lucky_answer_is_rejected_by_the_search_not_by_luck() -> None:
    """The counterexample is a fixed schedule: the same verdict every time it is searched."""
    first = ex5.prove_slot(SlotWhileNotifyOne)
    again = ex5.prove_slot(SlotWhileNotifyOne)
    assert first.counterexample is not None and again.counterexample is not None
    assert first.counterexample.schedule == again.counterexample.schedule
    assert first.counterexample.outcome.kind == "deadlock"
