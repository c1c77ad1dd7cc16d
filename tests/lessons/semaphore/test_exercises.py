"""Checkers of notebook 06: each accepts the reference answer (the notebook's solution)
and rejects typical wrong answers with a specific message, never raising, never leaving a
thread behind."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from helpers.core import learner
from helpers.core.checks import Feedback
from helpers.lessons.semaphore import exercises as ex6

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


# --- Notebook 06 ------------------------------------------------------------------------------


def worker_reference(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    with sem:
        results[i] = fetch(i)


def worker_no_semaphore(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    results[i] = fetch(i)


def worker_never_releases(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    sem.acquire()
    results[i] = fetch(i)


def worker_release_not_in_finally(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    sem.acquire()
    results[i] = fetch(i)
    sem.release()


_one_at_a_time = threading.Lock()


def worker_with_a_lock(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    with _one_at_a_time:
        results[i] = fetch(i)


def worker_fetch_outside(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    with sem:
        pass
    results[i] = fetch(i)


def worker_forgets_result(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    with sem:
        fetch(i)


def worker_stub(sem: Any, fetch: Any, i: int, results: list[Any]) -> None:
    raise NotImplementedError


def test_worker_accepts_the_reference() -> None:
    feedback = ex6.check_worker(worker_reference)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, ("function",)),
        (worker_stub, ("not started",)),
        (worker_no_semaphore, ("downloads ran at the same time", "inside")),
        (worker_fetch_outside, ("downloads ran at the same time",)),
        (worker_never_releases, ("never given back",)),
        (worker_release_not_in_finally, ("kept its permit",)),
        (worker_with_a_lock, ("only one download",)),
        (worker_forgets_result, ("results should be",)),
    ],
)
def test_worker_rejects(answer: Any, words: tuple[str, ...]) -> None:
    fails_with(ex6.check_worker(answer), *words)


def test_throughput() -> None:
    assert ex6.check_throughput(60)
    assert ex6.check_throughput(60.0)
    fails_with(ex6.check_throughput(None), "None")
    fails_with(ex6.check_throughput(160), "only 3")
    fails_with(ex6.check_throughput(20), "one connection")
    fails_with(ex6.check_throughput(0.06), "per millisecond")
    fails_with(ex6.check_throughput(100), "not it")


def acquire_reference(sem: ex6.CountingState, timeout: float) -> bool:
    with sem.cond:
        if not sem.cond.wait_for(lambda: sem.value > 0, timeout):
            return False
        sem.value -= 1
        return True


def acquire_with_if(sem: ex6.CountingState, timeout: float) -> bool:
    with sem.cond:
        if sem.value == 0 and not sem.cond.wait(timeout):
            return False
        sem.value -= 1
        return True


def acquire_without_lock(sem: ex6.CountingState, timeout: float) -> bool:
    if not sem.cond.wait_for(lambda: sem.value > 0, timeout):
        return False
    sem.value -= 1
    return True


def acquire_forgets_to_count(sem: ex6.CountingState, timeout: float) -> bool:
    with sem.cond:
        return sem.cond.wait_for(lambda: sem.value > 0, timeout)


def acquire_ignores_timeout(sem: ex6.CountingState, timeout: float) -> bool:
    with sem.cond:
        sem.cond.wait_for(lambda: sem.value > 0)
        sem.value -= 1
        return True


def acquire_returns_nothing(sem: ex6.CountingState, timeout: float) -> None:
    acquire_reference(sem, timeout)


def acquire_stub(sem: ex6.CountingState, timeout: float) -> bool:
    raise NotImplementedError


def test_acquire_accepts_the_reference() -> None:
    feedback = ex6.check_acquire(acquire_reference)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, ("function",)),
        (acquire_stub, ("not started",)),
        (acquire_with_if, ("went to -1", "while")),
        (acquire_without_lock, ("holding the condition's lock",)),
        (acquire_forgets_to_count, ("value 1 → 0",)),
        (acquire_ignores_timeout, ("still waiting", "give up")),
        (acquire_returns_nothing, ("returned None",)),
    ],
)
def test_acquire_rejects(answer: Any, words: tuple[str, ...]) -> None:
    fails_with(ex6.check_acquire(answer), *words)


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
