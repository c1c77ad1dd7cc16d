"""The teaching executor against the standard one: tasks, futures, map, threads.

One behavioural suite in two files (tests/teaching/executor/conftest.py holds its fixtures).

Every test is parametrized over both classes: the teaching ``ThreadPoolExecutor`` must behave
exactly like ``concurrent.futures.ThreadPoolExecutor`` wherever the standard one is specified.
Blocking calls are bounded; gates (``threading.Event``) make orders deterministic, so nothing
here depends on timing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import (
    ALL_COMPLETED,
    FIRST_COMPLETED,
    FIRST_EXCEPTION,
    CancelledError,
    Future,
    as_completed,
    wait,
)
from typing import Any

import pytest
from executor_pools import POOLS, T, blocked, record, submit_running, wait_idle

from helpers.teaching import executor as teaching

# --- submit and Future -----------------------------------------------------------------------


def test_submit_returns_a_real_future_with_the_result(make: Callable[..., Any]) -> None:
    pool = make(max_workers=2)
    future = pool.submit(pow, 2, 10)
    assert isinstance(future, Future)
    assert future.result(timeout=T) == 1024
    assert future.done() and not future.cancelled() and future.exception() is None


def test_positional_and_keyword_arguments_reach_the_task(make: Callable[..., Any]) -> None:
    pool = make(max_workers=1)
    # ``fn`` is positional-only in submit, so a task may take a keyword called ``fn``.
    future = pool.submit(record, 1, (2,), key="k", fn="also a keyword")
    assert future.result(timeout=T) == ((1, (2,)), {"key": "k", "fn": "also a keyword"})


def test_an_exception_is_set_on_the_future_and_the_worker_lives_on(
    make: Callable[..., Any],
) -> None:
    pool = make(max_workers=1)
    failing = pool.submit(int, "not a number")
    assert isinstance(failing.exception(timeout=T), ValueError)
    with pytest.raises(ValueError):
        failing.result(timeout=T)
    assert pool.submit(int, "7").result(timeout=T) == 7
    assert len(pool._threads) == 1


@pytest.mark.parametrize("error", [SystemExit, KeyboardInterrupt, GeneratorExit])
def test_base_exceptions_resolve_the_future_without_killing_the_worker(
    make: Callable[..., Any], error: type[BaseException]
) -> None:
    pool = make(max_workers=1)

    def fail() -> None:
        raise error("from a task")

    future = pool.submit(fail)
    assert isinstance(future.exception(timeout=T), error)
    worker = next(iter(pool._threads))
    assert pool.submit(threading.current_thread).result(timeout=T) is worker
    assert worker.is_alive()


def test_done_callbacks_run_with_the_finished_future(make: Callable[..., Any]) -> None:
    pool = make(max_workers=1)
    seen: list[tuple[Future[Any], str]] = []
    called = threading.Event()

    def callback(future: Future[Any]) -> None:
        seen.append((future, threading.current_thread().name))
        called.set()

    future = pool.submit(pow, 3, 2)
    future.add_done_callback(callback)
    assert called.wait(T)
    assert seen[0][0] is future and future.result() == 9


# --- cancellation ------------------------------------------------------------------------------


def test_cancel_skips_a_pending_task_but_not_a_running_one(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    pool = make(max_workers=1)
    ran: list[str] = []
    running = pool.submit(blocked, gate, "first")
    pending = pool.submit(ran.append, "cancelled")
    after = pool.submit(ran.append, "after")
    assert pending.cancel() is True
    assert pending.cancelled() and pending.done()
    with pytest.raises(CancelledError):
        pending.result(timeout=T)
    gate.set()
    assert running.result(timeout=T) == "first"
    after.result(timeout=T)
    assert ran == ["after"]
    assert running.cancel() is False  # finished futures cannot be cancelled


def test_a_running_task_cannot_be_cancelled(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    pool = make(max_workers=1)
    future = submit_running(pool, gate, "done")
    assert future.running()
    assert future.cancel() is False
    gate.set()
    assert future.result(timeout=T) == "done"


# --- map, as_completed, wait ---------------------------------------------------------------


def test_map_yields_results_in_input_order(make: Callable[..., Any]) -> None:
    pool = make(max_workers=4)
    assert list(pool.map(pow, [2, 3, 4], [3, 2, 1], timeout=T)) == [8, 9, 4]


def test_map_raises_a_task_exception_when_iteration_reaches_it(
    make: Callable[..., Any],
) -> None:
    pool = make(max_workers=2)
    results = pool.map(int, ["1", "2", "three", "4"], timeout=T)
    assert next(results) == 1
    assert next(results) == 2
    with pytest.raises(ValueError):
        next(results)


def test_map_timeout_raises_during_iteration(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    pool = make(max_workers=1)
    results = pool.map(blocked, [gate, gate], timeout=0.05)
    with pytest.raises(futures.TimeoutError):
        next(results)


def test_as_completed_and_wait_see_every_future(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    pool = make(max_workers=3)
    slow = pool.submit(blocked, gate, "slow")
    fast = pool.submit(pow, 2, 2)
    failing = pool.submit(int, "x")
    done, not_done = wait([slow, fast, failing], timeout=T, return_when=FIRST_EXCEPTION)
    assert failing in done and slow in not_done
    done, not_done = wait([slow, fast], timeout=T, return_when=FIRST_COMPLETED)
    assert done == {fast} and not_done == {slow}
    gate.set()
    finished = list(as_completed([slow, fast, failing], timeout=T))
    assert set(finished) == {slow, fast, failing}
    done, not_done = wait([slow, fast, failing], timeout=T, return_when=ALL_COMPLETED)
    assert not not_done


# --- threads: lazy, reused, named, never left behind ---------------------------------------


def test_threads_are_created_lazily_and_reused(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    pool = make(max_workers=3, thread_name_prefix="lazy")
    assert len(pool._threads) == 0
    for n in range(5):
        assert pool.submit(pow, n, 2).result(timeout=T) == n * n
        wait_idle(pool)
    assert len(pool._threads) == 1  # one idle thread was reused every time
    futures_ = [pool.submit(blocked, gate, n) for n in range(6)]
    assert len(pool._threads) == 3  # never more than max_workers
    gate.set()
    assert [f.result(timeout=T) for f in futures_] == list(range(6))
    assert sorted(t.name for t in pool._threads) == ["lazy_0", "lazy_1", "lazy_2"]


def test_thread_name_prefix_names_the_workers(make: Callable[..., Any]) -> None:
    pool = make(max_workers=1, thread_name_prefix="downloader")
    name = pool.submit(lambda: threading.current_thread().name).result(timeout=T)
    assert name == "downloader_0"


def test_default_max_workers_follows_the_running_python(make: Callable[..., Any]) -> None:
    count = os.process_cpu_count if hasattr(os, "process_cpu_count") else os.cpu_count
    expected = min(32, (count() or 1) + 4)
    assert make()._max_workers == expected
    assert teaching.default_max_workers() == expected


@pytest.mark.parametrize("bad", [0, -1])
def test_invalid_max_workers_raise_value_error(kind: str, bad: int) -> None:
    with pytest.raises(ValueError):
        POOLS[kind](max_workers=bad)


def test_a_non_callable_initializer_is_refused(kind: str) -> None:
    with pytest.raises(TypeError):
        POOLS[kind](max_workers=1, initializer="not callable")


def test_many_threads_can_submit_at_once(make: Callable[..., Any]) -> None:
    pool = make(max_workers=4)
    results: dict[int, list[int]] = {}

    def producer(base: int) -> None:
        submitted = [pool.submit(pow, base + n, 1) for n in range(50)]
        results[base] = [f.result(timeout=T) for f in submitted]

    producers = [threading.Thread(target=producer, args=(1000 * k,)) for k in range(4)]
    for thread in producers:
        thread.start()
    for thread in producers:
        thread.join(T)
    assert not any(t.is_alive() for t in producers)
    assert results == {1000 * k: [1000 * k + n for n in range(50)] for k in range(4)}
