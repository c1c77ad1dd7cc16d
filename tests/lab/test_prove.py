"""Checkers that prove: wrong answers fail every time (with the schedule that breaks them), a
correct answer other than the model one passes every time. No timing anywhere."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from programs import Counter, increment, increment_locked  # tests/lab/

from helpers.core.checks import Feedback, checker
from helpers.lab import feedback, prove, require
from helpers.lessons.condition.levels import (
    Buffer,
    consume_with_if,
    consume_with_wait_for,
    consume_with_while,
    produce_two,
)
from helpers.lessons.lock_and_rlock.levels import (
    Accounts,
    transfer_a_to_b,
    transfer_b_to_a,
    transfer_by_id,
)
from helpers.sketches.semaphore import BrokenSemaphore

# --- 1. An update under a lock ------------------------------------------------------------------


# The counter, the unlocked increment and the model (locked) one are tests/lab/programs.py's.


def lock_around_the_read_only(c: Counter) -> None:
    with c.lock:
        seen = c.value
    c.value = seen + 1


def a_new_lock_each_time(c: Counter) -> None:
    with threading.Lock():
        c.value += 1


def acquire_try_finally(c: Counter) -> None:  # correct, and not the model answer
    c.lock.acquire()
    try:
        seen = c.value
        c.value = seen + 1
    finally:
        c.lock.release()


def prove_counter(answer: Callable[[Counter], None]) -> Any:
    return prove(
        {"A": answer, "B": answer},
        setup=Counter,
        check=lambda c: c.value == 2,
        show=lambda c: {"value": c.value},
    )


# --- 2. A consumer that waits -------------------------------------------------------------------
# The buffer, its producer and the if/while/wait_for consumers are lesson 05's level's own.


def wait_once_with_a_timeout(b: Buffer) -> None:
    with b.cond:
        if not b.items:
            b.cond.wait(0.5)  # a timeout is not a loop: it can end with nothing there
        b.got.append(b.items.pop())


def check_outside_the_lock(b: Buffer) -> None:
    if not b.items:
        with b.cond:
            b.cond.wait()
    with b.cond:
        b.got.append(b.items.pop())


def prove_consumer(consume: Callable[[Buffer], None]) -> Any:
    return prove(
        {"C1": consume, "C2": consume, "P": produce_two},
        setup=Buffer,
        check=lambda b: sorted(b.got) == ["item 1", "item 2"],
        preemptions=1,
        granularity="line",
    )


# --- 3. Two locks -------------------------------------------------------------------------------
# The accounts and the a-then-b, b-then-a and by-id transfers are lesson 04's level's own.


def with_rlocks() -> Accounts:
    """The same accounts with re-entrant locks ("RLocks fix deadlocks"), made during the run so
    that they are the lab's."""
    accounts = Accounts()
    accounts.lock_a, accounts.lock_b = threading.RLock(), threading.RLock()
    return accounts


def give_up_on_the_second(accounts: Accounts) -> None:
    with accounts.lock_b:
        if accounts.lock_a.acquire(timeout=0.1):  # no deadlock, but the transfer may not happen
            accounts.moved += 1
            accounts.lock_a.release()


def prove_transfers(second: Callable[[Accounts], None], setup: Any = Accounts) -> Any:
    first = transfer_a_to_b if second is not transfer_by_id else transfer_by_id
    return prove(
        {"A": first, "B": second}, setup=setup, check=lambda s: s.moved == 2, granularity="line"
    )


# --- 4. A wait with a deadline ------------------------------------------------------------------

DEADLINE = 1.0


def _untraced() -> Any:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("untraced.py")
    spec = importlib.util.spec_from_file_location("lab_untraced_prove", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


RecordingCondition = _untraced().RecordingCondition


class Flag:
    def __init__(self) -> None:
        self.cond = RecordingCondition()
        self.ready = False  # nobody sets it: the waiter must give up in time
        self.waited: float | None = None


def model_wait(f: Flag) -> None:
    start = time.monotonic()
    with f.cond:
        f.cond.wait_for(lambda: f.ready, timeout=DEADLINE)
    f.waited = time.monotonic() - start


def wait_without_timeout(f: Flag) -> None:
    start = time.monotonic()
    with f.cond:
        while not f.ready:
            f.cond.wait()
    f.waited = time.monotonic() - start


def poll_without_overall_deadline(f: Flag) -> None:
    start = time.monotonic()
    with f.cond:
        while not f.ready:
            f.cond.wait(0.1)
    f.waited = time.monotonic() - start


def restart_the_timeout_after_each_wakeup(f: Flag) -> None:
    start = time.monotonic()
    with f.cond:
        while not f.ready:
            if not f.cond.wait(DEADLINE):
                break
    f.waited = time.monotonic() - start


def manual_deadline(f: Flag) -> None:  # correct, and not the model answer
    start = time.monotonic()
    deadline = start + DEADLINE
    with f.cond:
        while not f.ready:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            f.cond.wait(remaining)
    f.waited = time.monotonic() - start


def nudge_twice(f: Flag) -> None:  # wakes the waiter without setting the flag
    for _ in range(2):
        time.sleep(0.9)
        with f.cond:
            f.cond.notify()


def prove_deadline(wait: Callable[[Flag], None]) -> Any:
    return prove(
        {"W": wait, "N": nudge_twice},
        setup=Flag,
        granularity="line",
        max_steps=150,  # a poll without an overall deadline runs into this limit ...
        max_runs=200,  # ... in every run: no need to try them all (a right answer takes < 150)
        preemptions=1,
        check=in_time,
    )


def in_time(f: Flag) -> bool:
    """The waiter came back, and no wait of it was allowed to last past ``2 × DEADLINE``.

    Generous on purpose: a correct waiter can be preempted between working out what is left
    and waiting for it (while N's sleeps move the clock by up to 1.8 s), so it may ask to
    wait a little past its deadline; a waiter that restarts its full timeout after each
    wakeup asks for up to 2.8 s here.
    """
    cond = f.cond
    if f.waited is None:
        return False  # the waiter never came back
    return cond.latest_end is None or cond.latest_end - cond.first_call <= 2 * DEADLINE


# --- The cases ----------------------------------------------------------------------------------

CASES = [
    pytest.param(
        prove_counter,
        [increment, lock_around_the_read_only, a_new_lock_each_time],
        acquire_try_finally,
        increment_locked,
        id="update under a lock",
    ),
    pytest.param(
        prove_consumer,
        [consume_with_if, wait_once_with_a_timeout, check_outside_the_lock],
        consume_with_wait_for,
        consume_with_while,
        id="wait in a loop",
    ),
    pytest.param(
        prove_transfers,
        [transfer_b_to_a, give_up_on_the_second, "rlock"],
        transfer_by_id,
        transfer_a_to_b,
        id="lock order",
    ),
    pytest.param(
        prove_deadline,
        [
            wait_without_timeout,
            poll_without_overall_deadline,
            restart_the_timeout_after_each_wakeup,
        ],
        manual_deadline,
        model_wait,
        id="wait with a deadline",
    ),
]


def _verdict(check: Any, answer: Any) -> Any:
    if answer == "rlock":  # "RLocks fix deadlocks": they do not, in opposite order
        return check(transfer_b_to_a, setup=with_rlocks)
    return check(answer)


@pytest.mark.parametrize(("check", "wrong", "other", "model"), CASES)
def test_wrong_answers_fail_with_a_counterexample_every_time(check, wrong, other, model) -> None:  # type: ignore[no-untyped-def]
    for answer in wrong:
        first, second = _verdict(check, answer), _verdict(check, answer)
        assert not first.ok, f"{answer} passed: {first}"
        assert first.counterexample.schedule == second.counterexample.schedule  # deterministic
        assert first.message == second.message


@pytest.mark.parametrize(("check", "wrong", "other", "model"), CASES)
def test_the_model_and_another_correct_answer_pass_every_time(check, wrong, other, model) -> None:  # type: ignore[no-untyped-def]
    for answer in (model, other):
        verdict = _verdict(check, answer)
        assert verdict.ok and verdict.exhausted, str(verdict)
        assert verdict.runs == _verdict(check, answer).runs  # the same proof, every time


def test_a_checker_built_on_prove_gives_feedback_not_tracebacks() -> None:
    @checker
    def check_increment(answer: Callable[[Counter], None]) -> Feedback:
        verdict = prove_counter(answer)
        require(verdict, "two increments add 2")
        return feedback(verdict, "two increments add 2")

    good, bad = check_increment(acquire_try_finally), check_increment(increment)
    assert good.ok and "no violation" in good.message
    assert not bad.ok and "does not hold" in bad.message and "⇄" in bad.message


def test_the_semaphore_sketch_fails_the_permit_property() -> None:
    class Parking:
        def __init__(self, make: Any) -> None:
            self.sem = make(1)

    def park(p: Parking) -> None:
        if p.sem.acquire():
            p.sem.release()

    bad = prove(
        {"A": park, "B": park},
        setup=lambda: Parking(BrokenSemaphore),
        check=lambda p: p.sem._value == 1,
        granularity="line",
    )
    good = prove(
        {"A": park, "B": park},
        setup=lambda: Parking(threading.Semaphore),
        check=lambda p: p.sem._value == 1,
        granularity="line",
    )
    assert not bad.ok and good.ok
