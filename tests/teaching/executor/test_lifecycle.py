"""The teaching executor against the standard one, second half: shutdown, exit, the
initializer, and CPython's exact messages and names. How the suite works: test_tasks.py.
"""

from __future__ import annotations

import gc
import logging
import re
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import BrokenExecutor
from concurrent.futures.thread import BrokenThreadPool
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from executor_pools import LABELS, POOLS, T, blocked, submit_running

from helpers.core import lifecycle
from helpers.lessons.thread_pool_executor import scenarios as sketches_executor
from helpers.teaching import executor as teaching

# --- shutdown -------------------------------------------------------------------------------


def test_shutdown_wait_returns_and_leaves_no_thread(make: Callable[..., Any]) -> None:
    pool = make(max_workers=3)
    for f in [pool.submit(pow, n, 2) for n in range(9)]:
        f.result(timeout=T)
    threads = list(pool._threads)
    closer = threading.Thread(target=pool.shutdown)
    closer.start()
    closer.join(T)
    assert not closer.is_alive(), "shutdown(wait=True) hung"
    assert threads and not any(t.is_alive() for t in threads)


def test_shutdown_without_cancel_runs_the_queued_work(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    pool = make(max_workers=1)
    first = pool.submit(blocked, gate, 0)
    queued = [pool.submit(pow, n, 2) for n in range(1, 4)]
    pool.shutdown(wait=False)
    gate.set()
    assert first.result(timeout=T) == 0
    assert [f.result(timeout=T) for f in queued] == [1, 4, 9]


def test_shutdown_cancel_futures_cancels_pending_work_without_waiting(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    pool = make(max_workers=1)
    running = submit_running(pool, gate, "finished")
    pending = [pool.submit(pow, n, 2) for n in range(3)]
    pool.shutdown(wait=False, cancel_futures=True)  # returns while a task still runs
    assert all(f.cancelled() for f in pending)
    assert not running.done()
    gate.set()
    assert running.result(timeout=T) == "finished"
    for thread in list(pool._threads):
        thread.join(T)
        assert not thread.is_alive()


def test_submit_after_shutdown_raises_runtime_error(make: Callable[..., Any]) -> None:
    pool = make(max_workers=1)
    pool.submit(pow, 1, 1).result(timeout=T)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(pow, 1, 1)
    pool.shutdown()  # a second shutdown is harmless


def test_the_context_manager_waits_for_every_task(kind: str) -> None:
    with POOLS[kind](max_workers=2) as pool:
        submitted = [pool.submit(time.sleep, 0.01) for _ in range(4)]
    assert all(f.done() for f in submitted)
    assert not any(t.is_alive() for t in pool._threads)


def test_one_sentinel_is_relayed_through_every_worker(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    pool = make(max_workers=3)
    submitted = [pool.submit(blocked, gate, n) for n in range(3)]
    gate.set()
    for f in submitted:
        f.result(timeout=T)
    pool.shutdown(wait=True)
    assert len(pool._threads) == 3
    assert pool._work_queue.qsize() == 1  # each exiting worker put the one None back
    assert pool._work_queue.get_nowait() is None


def test_a_dropped_pool_lets_its_threads_exit(kind: str) -> None:
    pool = POOLS[kind](max_workers=2)
    for f in [pool.submit(pow, n, 2) for n in range(4)]:
        f.result(timeout=T)
    threads = list(pool._threads)
    ref = weakref.ref(pool)
    del pool, f
    # A worker that finds the queue empty holds the executor for a moment, to count itself
    # idle (CPython's `_worker`: `executor = executor_reference()` ... `del executor`). The last
    # result can wake this thread inside that moment: on 3.13t, under load, it did. What must
    # hold is that no worker keeps it: once they wait for work, it is collected.
    released = lifecycle.wait_until(lambda: gc.collect() >= 0 and ref() is None, timeout=T)
    assert released, "the workers must not keep the executor alive"
    for thread in threads:
        thread.join(T)
    assert not any(t.is_alive() for t in threads)


def test_the_interpreter_can_exit_without_shutdown(kind: str) -> None:
    check = sketches_executor.exit_check(LABELS[kind], exit_timeout=10.0)
    assert check.finished_work, check.output
    assert check.exited and check.returncode == 0, check.output


# --- initializer ----------------------------------------------------------------------------


def test_the_initializer_runs_once_in_each_worker(
    make: Callable[..., Any], gate: threading.Event
) -> None:
    calls: list[tuple[str, str]] = []
    lock = threading.Lock()

    def init(tag: str) -> None:
        with lock:
            calls.append((tag, threading.current_thread().name))

    pool = make(max_workers=3, initializer=init, initargs=("db",), thread_name_prefix="init")
    submitted = [pool.submit(blocked, gate, n) for n in range(6)]
    gate.set()
    assert [f.result(timeout=T) for f in submitted] == list(range(6))
    assert sorted(calls) == [("db", f"init_{n}") for n in range(3)]


def test_a_failing_initializer_breaks_the_pool(make: Callable[..., Any]) -> None:
    def init() -> None:
        raise OSError("no connection")

    pool = make(max_workers=2, initializer=init)
    future = pool.submit(pow, 2, 2)
    error = future.exception(timeout=T)
    assert isinstance(error, BrokenThreadPool) and isinstance(error, BrokenExecutor)
    with pytest.raises(BrokenThreadPool):
        pool.submit(pow, 2, 2)


class Countable:
    """Only ``__index__``: it cannot be compared with 0."""

    def __index__(self) -> int:
        return 2


def outcome(call: Callable[[], Any]) -> object:
    try:
        pool = call()
    except Exception as error:
        return type(error), str(error)
    try:
        return pool._max_workers
    finally:
        pool.shutdown()


@pytest.mark.parametrize(
    "value",
    [0, -1, 2.5, True, Fraction(3, 2), Decimal(2), "3", Countable()],
    ids=lambda v: f"{type(v).__name__}:{v!r}"[:30],
)
def test_max_workers_is_checked_exactly_as_cpython_checks_it(value: object) -> None:
    """CPython only checks ``max_workers <= 0`` (3.10-3.14): same values pass, same errors."""
    assert outcome(lambda: teaching.ThreadPoolExecutor(value)) == outcome(  # type: ignore[arg-type]
        lambda: futures.ThreadPoolExecutor(value)  # type: ignore[arg-type]
    )


def test_constructor_error_messages_match(kind: str) -> None:
    with pytest.raises(ValueError, match=r"^max_workers must be greater than 0$"):
        POOLS[kind](max_workers=0)
    with pytest.raises(TypeError, match=r"^initializer must be a callable$"):
        POOLS[kind](max_workers=1, initializer="not callable")


def test_default_thread_names_match(make: Callable[..., Any]) -> None:
    pool = make(max_workers=1)
    name = pool.submit(lambda: threading.current_thread().name).result(timeout=T)
    assert re.fullmatch(r"ThreadPoolExecutor-\d+_0", name)


def test_a_failure_outside_the_task_is_logged_and_ends_that_worker(
    make: Callable[..., Any], gate: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    """A future resolved behind the pool's back makes set_running_or_notify_cancel() raise in
    the worker, outside the task. CPython logs "Exception in worker" at CRITICAL and that
    thread ends; it is not replaced (the pool has one worker fewer) and nothing else breaks."""
    pool = make(max_workers=1)
    first = pool.submit(blocked, gate, "first")
    second = pool.submit(pow, 2, 2)
    second.set_result("resolved elsewhere")  # only executors should do this
    (worker,) = pool._threads
    with caplog.at_level(logging.CRITICAL, logger="concurrent.futures"):
        gate.set()
        assert first.result(timeout=T) == "first"
        worker.join(T)
    assert not worker.is_alive()
    assert len(pool._threads) == 1  # still counted: no replacement will start
    messages = [r.getMessage() for r in caplog.records if r.name == "concurrent.futures"]
    assert "Exception in worker" in messages
    worker_record = next(r for r in caplog.records if r.getMessage() == "Exception in worker")
    assert worker_record.levelno == logging.CRITICAL and worker_record.exc_info is not None
    assert second.result(timeout=T) == "resolved elsewhere"


EXIT_SCRIPT = """
import atexit, sys, time
if sys.argv[1] == "teaching":
    from helpers.teaching.executor import ThreadPoolExecutor
else:
    from concurrent.futures import ThreadPoolExecutor

def late():
    time.sleep(0.2)
    print("late task done", flush=True)

def at_exit():
    try:
        pool.submit(print, "never")
    except RuntimeError as error:
        print("at exit:", error, flush=True)

atexit.register(at_exit)  # runs after the pool's exit hook has joined its workers
pool = ThreadPoolExecutor(max_workers=2)
pool.submit(late)
if sys.argv[2] == "shutdown":
    pool.shutdown(wait=False)
print("main done", flush=True)
"""


@pytest.mark.parametrize("ending", ["shutdown", "no shutdown"])
def test_at_exit_the_work_still_finishes_then_new_work_is_refused(kind: str, ending: str) -> None:
    """The exit hook joins every worker, even of a pool shut down with wait=False (CPython's
    bpo-39205 test): the late task finishes. After the hook, submit() refuses work, saying
    "after shutdown" even without shutdown(): a worker that takes the exit sentinel marks its
    pool shut down."""
    done = subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT, kind, ending],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        "main done",
        "late task done",
        "at exit: cannot schedule new futures after shutdown",
    ]


# --- Teaching executor only: choices the standard library leaves open -----------------------


def test_teaching_breaks_the_pool_as_cpython_does_and_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """CPython logs a failing initializer at CRITICAL on ``concurrent.futures``."""

    def init() -> None:
        raise OSError("no connection")

    pool = teaching.ThreadPoolExecutor(max_workers=1, initializer=init)
    try:
        with caplog.at_level(logging.CRITICAL, logger="concurrent.futures"):
            assert isinstance(pool.submit(pow, 1, 1).exception(timeout=T), BrokenThreadPool)
        assert pool._broken
    finally:
        pool.shutdown(wait=True)
    records = [r for r in caplog.records if r.name == "concurrent.futures"]
    assert [r.getMessage() for r in records] == ["Exception in initializer:"]
    assert records[0].levelno == logging.CRITICAL
    assert records[0].exc_info is not None and isinstance(records[0].exc_info[1], OSError)


def test_teaching_broken_pool_keeps_cancelled_futures_and_the_cause() -> None:
    """CPython 3.10-3.13 raise InvalidStateError from the worker here and leave the futures
    queued after a cancelled one unresolved; the teaching executor resolves every one."""
    go = threading.Event()

    def init() -> None:
        go.wait(T)
        raise OSError("no connection")

    pool = teaching.ThreadPoolExecutor(max_workers=1, initializer=init)
    try:
        first = pool.submit(pow, 1, 1)
        cancelled = pool.submit(pow, 2, 2)
        last = pool.submit(pow, 3, 3)
        assert cancelled.cancel()
        go.set()
        for future in (first, last):
            error = future.exception(timeout=T)
            assert isinstance(error, BrokenThreadPool)
            assert isinstance(error.__cause__, OSError)
        assert cancelled.cancelled()
    finally:
        pool.shutdown(wait=True)
