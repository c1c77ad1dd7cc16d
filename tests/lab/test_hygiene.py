"""Nothing is left behind: not after a run, an error, nor an interrupted search."""

from __future__ import annotations

import threading

import pytest
from programs import Counter, increment_locked  # tests/lab/

from helpers.lab import Run, explore, patched_now, program, prove


def three(**options):  # type: ignore[no-untyped-def]
    return program(
        {"A": increment_locked, "B": increment_locked, "C": increment_locked},
        setup=Counter,
        **options,
    )


def test_a_search_interrupted_from_its_progress_callback_leaves_nothing() -> None:
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done >= 50:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        explore(three(), progress=progress)
    assert calls == [50]  # it was interrupted halfway, not at the end
    assert not patched_now()
    assert threading.Lock is not None and type(threading.Lock()).__module__ in (
        "_thread",
        "builtins",
    )


def test_a_search_interrupted_from_an_invariant_in_a_thread_leaves_nothing() -> None:
    seen = []

    def invariant(c: Counter) -> bool:
        seen.append(1)
        if len(seen) == 20:
            raise KeyboardInterrupt  # raised in a controlled thread: must reach the caller
        return True

    with pytest.raises(KeyboardInterrupt):
        explore(three(invariant=invariant))
    assert not patched_now()


def test_a_run_left_in_the_middle_leaves_nothing() -> None:
    with Run(three(granularity="line")) as run:
        run.step("A")
        run.step("B")  # B blocks on the lock A holds
        assert patched_now()
    assert not patched_now()


def test_an_error_in_setup_leaves_nothing() -> None:
    def broken_setup() -> Counter:
        raise ZeroDivisionError("setup")

    with pytest.raises(ZeroDivisionError):
        prove({"A": increment_locked}, setup=broken_setup)
    assert not patched_now()


def test_an_invariant_that_would_wait_for_a_lock_is_reported_not_hung() -> None:
    def locking_invariant(c: Counter) -> bool:
        with c.lock:
            return True

    verdict = prove(
        {"A": increment_locked, "B": increment_locked},
        setup=Counter,
        invariant=locking_invariant,
        granularity="line",
    )
    assert not verdict.ok
    assert "LabError" in verdict.counterexample.outcome.message


def test_only_one_run_at_a_time() -> None:
    from helpers.lab import LabError

    with Run(three()) as run, pytest.raises(LabError, match="one at a time"):
        Run(three()).open()
    assert run  # the first is closed by its with block
