"""Deadlock shown safely, and cured by a global lock order."""

from __future__ import annotations

import sys
import threading

import pytest

from helpers.lessons.lock_and_rlock.deadlock import (
    PairOutcome,
    acquire_in_order,
    in_lock_order,
    lock_pair_rounds,
    opposite_order_deadlock,
)
from helpers.lessons.lock_and_rlock.ownership import try_acquire_elsewhere
from helpers.teaching.rlock import RLock as TeachingRLock


def test_opposite_order_deadlock_is_detected_by_both_threads() -> None:
    attempts = opposite_order_deadlock(timeout=0.05)
    assert [(a.thread, a.holds, a.wants, a.got_it) for a in attempts] == [
        ("thread 1", "A", "B", False),
        ("thread 2", "B", "A", False),
    ]
    assert "gave up" in str(attempts[0])


def test_deadlock_demo_validates_timeout() -> None:
    with pytest.raises(ValueError, match="timeout"):
        opposite_order_deadlock(timeout=0)


def test_ordered_rounds_are_accounted_for() -> None:
    # That no ordered round can deadlock is proven over every interleaving (test_levels.py).
    # On real threads a round may still time out: starvation on a loaded machine, so the
    # number of timeouts is not asserted, only that every round is counted once.
    outcome = lock_pair_rounds(100, ordered=True, timeout=2.0)
    assert outcome.completed + outcome.timeouts == 200
    assert "one global order" in str(outcome)


def test_a_timeout_is_named_for_what_it_can_be() -> None:
    assert "starvation, never a deadlock" in str(PairOutcome(True, 10, 9, 1))
    assert "a deadlock, or starvation" in str(PairOutcome(False, 10, 9, 1))
    assert "(" not in str(PairOutcome(True, 10, 10, 0))


def test_while_stuck_sees_both_threads_inside_their_second_acquire() -> None:
    seen: list[tuple[str, str]] = []

    def look(threads: list[threading.Thread]) -> None:
        frames = sys._current_frames()
        for thread in threads:
            frame = frames[thread.ident]  # type: ignore[index]
            seen.append((thread.name, frame.f_code.co_name))

    attempts = opposite_order_deadlock(timeout=2.0, while_stuck=look)
    assert [a.got_it for a in attempts] == [False, False]
    assert sorted(seen) == [("deadlock-1", "worker"), ("deadlock-2", "worker")]


def test_unordered_rounds_are_accounted_for() -> None:
    outcome = lock_pair_rounds(3, ordered=False, timeout=0.02)
    assert outcome.completed + outcome.timeouts == 6


def test_in_lock_order_is_the_same_whatever_the_argument_order() -> None:
    a, b, c = threading.Lock(), threading.Lock(), threading.Lock()
    assert in_lock_order([a, b, c]) == in_lock_order([c, a, b]) == in_lock_order([b, c, a])
    with pytest.raises(ValueError, match="same lock twice"):
        in_lock_order([a, a])


def test_acquire_in_order_holds_all_then_releases_all() -> None:
    a, b = threading.Lock(), threading.Lock()
    with acquire_in_order(b, a):
        assert a.locked() and b.locked()
    assert not a.locked() and not b.locked()
    with pytest.raises(KeyError), acquire_in_order(a, b):
        raise KeyError("released anyway")
    assert not a.locked() and not b.locked()


def test_acquire_in_order_times_out_and_releases_what_it_took() -> None:
    a, b = threading.Lock(), threading.Lock()
    second = in_lock_order([a, b])[1]
    second.acquire()
    try:
        with pytest.raises(TimeoutError), acquire_in_order(a, b, timeout=0.05):
            pass
        assert in_lock_order([a, b])[0].locked() is False
    finally:
        second.release()
    with pytest.raises(ValueError), acquire_in_order():
        pass


def test_acquire_in_order_works_with_rlocks_and_teaching_rlocks() -> None:
    locks = [threading.RLock(), TeachingRLock()]
    with acquire_in_order(*locks, timeout=1):
        assert all(try_acquire_elsewhere(lock) is False for lock in locks)
    assert all(try_acquire_elsewhere(lock) is True for lock in locks)
