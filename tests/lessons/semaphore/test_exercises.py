"""Checkers of notebook 06: each accepts the reference answer (the notebook's solution)
and rejects typical wrong answers with a specific message, never raising, never leaving a
thread behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from checker_cases import Checker, assert_rejected  # tests/support/

from helpers.core.lifecycle import wait_until
from helpers.lab import support
from helpers.lessons.semaphore import exercises as ex6

# Learner threads stuck in a wrong answer are rescued by the checkers themselves.
pytestmark = pytest.mark.usefixtures("nothing_left", "quick_checkers")


# --- Notebook 06 ------------------------------------------------------------------------------


worker = Checker(ex6.check_worker)
worker.also_rejects(None, "function")


@worker.accepts
def worker_reference(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    with sem:
        results[i] = fetch(i)


@worker.rejects("downloads ran at the same time", "inside")
def worker_no_semaphore(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    results[i] = fetch(i)


@worker.rejects("never given back")
def worker_never_releases(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    sem.acquire()
    results[i] = fetch(i)


@worker.rejects("kept its permit")
def worker_release_not_in_finally(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    sem.acquire()
    results[i] = fetch(i)
    sem.release()


Worker = Callable[[Any, Any, int, list[Any]], None]


def worker_guarded_by(own: Any, name: str) -> Worker:
    """Wrong: a worker that guards the download with a primitive of its own, made once for
    every thread, instead of ``sem``."""

    def answer(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
        with own:
            results[i] = fetch(i)

    answer.__name__ = name  # its test's id
    return answer


worker_with_a_lock = worker.rejects("only one download")(
    worker_guarded_by(threading.Lock(), "worker_with_a_lock")
)
#: Its own Semaphore(k + 1), so three downloads can run at once.
worker_semaphore_of_three = worker.rejects("3 downloads ran at the same time", "allows 2")(
    worker_guarded_by(threading.Semaphore(3), "worker_semaphore_of_three")
)


@worker.rejects("downloads ran at the same time")
def worker_fetch_outside(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    with sem:
        pass
    results[i] = fetch(i)


@worker.rejects("results should be")
def worker_forgets_result(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    with sem:
        fetch(i)


@worker.rejects("not started")
def worker_stub(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    raise NotImplementedError


@worker.rejects("at the same time")
def worker_releases_twice(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    """Wrong: one release too many; a plain Semaphore grows silently."""
    with sem:
        results[i] = fetch(i)
    sem.release()


@worker.accepts
def worker_try_finally(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    """Right, another way: a bounded acquire and try/finally."""
    if not sem.acquire(timeout=10):
        raise TimeoutError("no permit within 10 s")
    try:
        results[i] = fetch(i)
    finally:
        sem.release()


def test_the_probe_counts_concurrency_not_threads() -> None:
    """Six calls one after another on six threads: six threads, but one at a time."""
    probe = ex6.FetchProbe(limit=2, gate=0.01)
    for i in range(6):
        threading.Thread(target=probe, args=(i,)).start()
        assert wait_until(lambda i=i: probe.calls == i + 1 and probe.active == 0, 5)
    assert (probe.calls, probe.peak) == (6, 1)


test_worker_accepts_correct_answers, test_worker_rejects = worker.tests()


def test_throughput() -> None:
    assert ex6.check_throughput(60)
    assert ex6.check_throughput(60.0)
    assert_rejected(ex6.check_throughput(None), "None")
    assert_rejected(ex6.check_throughput(160), "only 3")
    assert_rejected(ex6.check_throughput(20), "one connection")
    assert_rejected(ex6.check_throughput(0.06), "per millisecond")
    assert_rejected(ex6.check_throughput(100), "not it")


acquire = Checker(ex6.check_acquire, says=("under every schedule",) if support().ok else ())
acquire.also_rejects(None, "function")


@acquire.accepts
def acquire_reference(sem: ex6.CountingState, timeout: float) -> bool:
    with sem.cond:
        if not sem.cond.wait_for(lambda: sem.value > 0, timeout):
            return False
        sem.value -= 1
        return True


@acquire.rejects("went to -1", "while")
def acquire_with_if(sem: ex6.CountingState, timeout: float) -> bool:
    with sem.cond:
        if sem.value == 0 and not sem.cond.wait(timeout):
            return False
        sem.value -= 1
        return True


@acquire.rejects("holding the condition's lock")
def acquire_without_lock(sem: ex6.CountingState, timeout: float) -> bool:
    if not sem.cond.wait_for(lambda: sem.value > 0, timeout):
        return False
    sem.value -= 1
    return True


@acquire.rejects("value 1 → 0")
def acquire_forgets_to_count(sem: ex6.CountingState, timeout: float) -> bool:
    with sem.cond:
        return sem.cond.wait_for(lambda: sem.value > 0, timeout)


@acquire.rejects("still waiting", "give up")
def acquire_ignores_timeout(sem: ex6.CountingState, timeout: float) -> bool:
    with sem.cond:
        sem.cond.wait_for(lambda: sem.value > 0)
        sem.value -= 1
        return True


@acquire.rejects("returned None")
def acquire_returns_nothing(sem: ex6.CountingState, timeout: float) -> None:
    acquire_reference(sem, timeout)


@acquire.rejects("not started")
def acquire_stub(sem: ex6.CountingState, timeout: float) -> bool:
    raise NotImplementedError


@acquire.rejects(
    "both took it",
    "shortest schedule",
    marks=pytest.mark.skipif(not support().ok, reason="needs the interleaving lab"),
)
def acquire_checks_first(sem: ex6.CountingState, timeout: float) -> bool:
    """Wrong, and lucky with real threads: a fast path that checks the counter without the
    lock, then takes from it. Another thread can take the same permit in between."""
    if sem.value > 0:
        with sem.cond:
            sem.value -= 1
        return True
    return acquire_reference(sem, timeout)


@acquire.rejects("give up and return False")
def acquire_takes_on_timeout(sem: ex6.CountingState, timeout: float) -> bool:
    """Wrong: takes a permit even when the wait timed out."""
    with sem.cond:
        got = sem.cond.wait_for(lambda: sem.value > 0, timeout)
        sem.value -= 1
        return got


@acquire.accepts
def acquire_with_deadline(sem: ex6.CountingState, timeout: float) -> bool:
    """Right, another way: CPython's own shape, a while loop and one deadline."""
    deadline = time.monotonic() + timeout
    with sem.cond:
        while sem.value == 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            sem.cond.wait(remaining)
        sem.value -= 1
        return True


@pytest.mark.skipif(not support().ok, reason="the interleaving lab cannot run here")
def test_the_lucky_fast_path_passes_real_threads_but_not_the_search() -> None:
    """The race is real but rare with real threads (a load test of six threads usually lets
    it pass); the search finds the schedule that breaks it on every run."""
    verdict = ex6.prove_acquire(acquire_checks_first)
    assert not verdict.ok and verdict.counterexample is not None
    assert verdict.counterexample.outcome.kind == "invariant"
    assert ex6.prove_acquire(acquire_reference).ok


test_acquire_accepts_correct_answers, test_acquire_rejects = acquire.tests()


def test_counting_state_release_and_repr() -> None:
    state = ex6.CountingState(0)
    state.release()
    assert state.value == 1 and repr(state) == "CountingState(value=1)"


def test_fetch_probe_counts_and_fails_on_request() -> None:
    probe = ex6.FetchProbe(limit=1, gate=0.01, fail_on=2)
    assert probe(1) == 10
    with pytest.raises(ConnectionError):
        probe(2)
    assert (probe.calls, probe.peak, probe.active) == (2, 1, 0)
