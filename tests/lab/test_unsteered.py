"""Unsteered runs: plain threads, real timing; a real deadlock still leaves nothing behind."""

from __future__ import annotations

import threading
from typing import Any

from helpers.lab import patched_now, program
from helpers.lab.unsteered import capped, run_once, runs_to_failure


class Two:
    def __init__(self) -> None:
        self.a = threading.Lock()
        self.b = threading.Lock()
        self.a_taken = threading.Event()
        self.b_taken = threading.Event()


def hold_then_take(
    first: Any, held: threading.Event, other_held: threading.Event, second: Any
) -> None:
    """Hold ``first``, say so, wait (bounded) until the other thread holds its own, then take
    ``second``: with both threads doing this in opposite orders, a real deadlock every time."""
    with first:
        held.set()
        other_held.wait(1.0)
        with second:
            pass


def ab(s: Two) -> None:
    hold_then_take(s.a, s.a_taken, s.b_taken, s.b)


def ba(s: Two) -> None:
    hold_then_take(s.b, s.b_taken, s.a_taken, s.a)


def test_a_real_deadlock_is_cut_at_the_cap_and_counted() -> None:
    deadlocking = program({"A": ab, "B": ba}, setup=Two)
    with capped(deadlocking):
        outcome = run_once(deadlocking, cap_s=0.2)
    assert outcome.kind == "deadlock"
    assert not patched_now()


def test_runs_to_failure_counts_and_says_when_it_hit_the_cap() -> None:
    always = runs_to_failure(
        program({"A": ab, "B": ba}, setup=Two), lambda o: o.kind == "deadlock", tries=2, cap_s=0.2
    )
    assert always.tries == (1, 1) and always.median == 1 and not always.capped
    never = runs_to_failure(program({"A": ab}, setup=Two), lambda o: o.failed, max_runs=5, tries=2)
    assert never.tries == (None, None) and never.median is None and never.capped
    assert "not once in 5 runs" in str(never)


def test_a_try_cut_short_by_the_time_budget_says_how_many_runs_it_made() -> None:
    cut = runs_to_failure(
        program({"A": ab}, setup=Two),
        lambda o: o.failed,
        max_runs=1_000_000,
        tries=3,
        budget_s=0.05,
    )
    assert cut.out_of_time and cut.tries[0] is None and len(cut.made) == len(cut.tries)
    assert 1 <= cut.made[0] < 1_000_000
    each = " + ".join(map(str, cut.made))
    assert str(cut) == f"not once in {sum(cut.made)} runs ({each}; the time budget ran out)"
    assert "1000000" not in str(cut) and "1,000,000" not in str(cut)
