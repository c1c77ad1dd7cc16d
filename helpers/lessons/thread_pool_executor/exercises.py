"""Checkers for notebook 07 (ThreadPoolExecutor).

Every checker runs the learner's code on small, bounded inputs, never raises into the notebook,
and leaves no thread behind: threads it starts are joined before it returns.
"""

from __future__ import annotations

import functools
import gc
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from ...core.checks import Feedback, Wrong, call_with_timeout, checker, expect_callable, passed
from ...core.learner import number_answer
from ...core.lifecycle import start_thread, stop

_TIMEOUT = 10.0
_RELAY_PATIENCE = 1.0  # the relay takes microseconds; a worker still waiting is stuck


def _started_by_learner(before: set[int]) -> list[threading.Thread]:
    """Plain threads started since ``before`` (the kernel's own threads are subclasses)."""
    return [
        t
        for t in threading.enumerate()
        if t.ident not in before
        and t.is_alive()
        and t.name != "exercise-check"
        and type(t).__module__ == "threading"
    ]


def _wait_for_threads_to_end(before: set[int], timeout: float = 1.0) -> tuple[str, ...]:
    """Names of the threads started since ``before`` still running after ``timeout`` (and a
    gc)."""
    gc.collect()  # a dropped pool wakes its threads when it is collected
    return stop(_started_by_learner(before), timeout).running


# --- Exercise 1: Little's law ----------------------------------------------------------------


@checker
def check_workers_needed(workers_needed: object) -> Feedback:
    """150 calls per second, 200 ms per call: how many calls must be in flight at once?"""
    value = number_answer(workers_needed, "workers_needed")
    if math.isclose(value, 30):
        return passed(
            "30: Little's law, L = λ × W = 150 calls/s × 0.2 s. Each worker finishes 5 calls "
            "per second, so 30 workers finish 150."
        )
    if math.isclose(value, 750):
        raise Wrong("150 / 0.2 = 750 divides by the latency; Little's law multiplies: L = λ × W.")
    if math.isclose(value, 150):
        raise Wrong(
            "one worker per call per second would be right only if a call took 1 s. Here a "
            "call takes 0.2 s: how many calls does one worker finish per second?"
        )
    if value < 30:
        raise Wrong(
            f"with {value:g} workers the pool finishes at most {value / 0.2:g} calls per second "
            "(each worker: 1 / 0.2 s = 5 calls/s); you need 150."
        )
    raise Wrong(
        f"{value:g} workers would work, but it is more than needed. Little's law: "
        "in flight = arrival rate × time each call takes."
    )


# --- Exercise 2: fetch everything, in order, on a bounded pool --------------------------------


class _FakeSite:
    """A fake ``fetch``: later pages answer faster, and it counts calls in flight."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.calls: list[int] = []

    def fetch(self, page: int) -> str:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.calls.append(page)
        try:
            time.sleep(0.01 * (self.pages - page))  # page 0 is the slowest
            return f"page {page}"
        finally:
            with self.lock:
                self.in_flight -= 1


@checker
def check_fetch_all(fetch_all: object) -> Feedback:
    """``fetch_all(fetch, pages, max_workers)`` returns ``[fetch(p) for p in pages]``, computed
    on a pool of at most ``max_workers`` threads, in the order of ``pages``."""
    if fetch_all is None:
        raise Wrong("define fetch_all first (it is still None).")
    expect_callable(fetch_all, "fetch_all")
    assert callable(fetch_all)
    pages, workers = list(range(8)), 4
    site = _FakeSite(len(pages))
    before = {t.ident for t in threading.enumerate() if t.ident is not None}
    result = call_with_timeout(fetch_all, site.fetch, pages, workers, timeout=_TIMEOUT)
    left = _wait_for_threads_to_end(before)
    if isinstance(result, Iterator):
        raise Wrong("fetch_all returned an iterator; return a list (wrap it in list(...)).")
    if not isinstance(result, list):
        raise Wrong(f"fetch_all should return a list; got {type(result).__name__}.")
    expected = [f"page {p}" for p in pages]
    if sorted(site.calls) != pages:
        raise Wrong(f"fetch should be called once per page; it was called for {site.calls}.")
    if result != expected and sorted(result) == sorted(expected):
        raise Wrong(
            f"the results are out of order: {result}. as_completed yields in finishing order; "
            "pool.map (or the futures in submission order) keeps the order of pages."
        )
    if result != expected:
        raise Wrong(f"fetch_all should return {expected}; got {result}.")
    if site.peak == 1:
        raise Wrong("the pages were fetched one at a time; submit them all to the pool first.")
    if site.peak > workers:
        raise Wrong(
            f"{site.peak} fetches ran at once, but max_workers was {workers}: create the pool "
            "with max_workers=max_workers."
        )
    if left:
        raise Wrong(
            f"{len(left)} thread(s) still running after fetch_all returned: use "
            "`with ThreadPoolExecutor(...) as pool:` so the pool is shut down."
        )
    return passed(
        f"all {len(pages)} pages, in order, with at most {site.peak} fetches in flight, and the "
        "pool shut down."
    )


# --- Exercise 3: exceptions must not vanish ---------------------------------------------------


def _parse(text: str) -> int:
    time.sleep(0.005 * len(text))  # longer texts take longer: finishing order != input order
    return int(text)


_TEXTS = ["12", "x", "7", "3.5", "40"]


@checker
def check_results_or_errors(results_or_errors: object) -> Feedback:
    """``results_or_errors(fn, items, max_workers)``: one entry per item, in order: ``fn(item)``
    or, if it raised, the exception object itself."""
    if results_or_errors is None:
        raise Wrong("define results_or_errors first (it is still None).")
    expect_callable(results_or_errors, "results_or_errors")
    assert callable(results_or_errors)
    before = {t.ident for t in threading.enumerate() if t.ident is not None}
    try:
        result = call_with_timeout(results_or_errors, _parse, list(_TEXTS), 3, timeout=_TIMEOUT)
    except ValueError as error:
        raise Wrong(
            f"your function raised ValueError ({error}). pool.map and future.result() re-raise "
            "a task's exception; catch it, or ask future.exception() instead."
        ) from None
    finally:
        _wait_for_threads_to_end(before)
    if not isinstance(result, list):
        raise Wrong(f"return a list; got {type(result).__name__}.")
    if len(result) != len(_TEXTS):
        raise Wrong(
            f"expected {len(_TEXTS)} entries (one per item, errors included); got {len(result)}. "
            "An error must not vanish from the results."
        )
    for text, entry in zip(_TEXTS, result, strict=True):
        try:
            expected: object = int(text)
        except ValueError:
            if isinstance(entry, str):
                raise Wrong(
                    f"for {text!r} you returned the string {entry!r}; keep the exception "
                    "object itself (it carries the type and the traceback)."
                ) from None
            if not isinstance(entry, ValueError):
                raise Wrong(
                    f"for {text!r} the entry should be the ValueError raised by int(); "
                    f"got {entry!r}."
                ) from None
            continue
        if entry != expected:
            raise Wrong(f"for {text!r} the entry should be {expected!r}; got {entry!r}.")
    return passed("every item has its entry, in order, and no exception vanished.")


# --- Exercise 4: the sentinel relay -----------------------------------------------------------


class _Abandoned(BaseException):
    """Raised inside a stuck learner worker's ``get`` once the checker gives up on it.

    A ``BaseException``, so a learner's ``except Exception`` cannot swallow it and spin."""


class _CheckedQueue:
    """A ``SimpleQueue`` whose blocking ``get`` can be abandoned, so no thread stays stuck."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.closed = threading.Event()

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self._queue.put(item)

    put_nowait = put

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.closed.is_set():
                raise _Abandoned
            try:
                return self._queue.get(timeout=0.02) if block else self._queue.get_nowait()
            except queue.Empty:
                if not block or (deadline is not None and time.monotonic() > deadline):
                    raise

    def get_nowait(self) -> Any:
        return self.get(block=False)

    def empty(self) -> bool:
        return self._queue.empty()

    def qsize(self) -> int:
        return self._queue.qsize()

    def drain(self) -> list[Any]:
        items = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items


@checker
def check_relay_worker(worker: object) -> Feedback:
    """``worker(q)``: run callables from ``q``; on ``None``, put ``None`` back and return."""
    if worker is None:
        raise Wrong("define worker first (it is still None).")
    expect_callable(worker, "worker")
    assert callable(worker)
    work_queue = _CheckedQueue()
    ran: list[int] = []
    errors: list[BaseException] = []

    def run(learner: Callable[[Any], object]) -> None:
        try:
            learner(work_queue)
        except _Abandoned:
            pass
        except BaseException as error:
            errors.append(error)

    threads = [start_thread(functools.partial(run, worker), f"relay-check_{n}") for n in range(3)]
    for n in range(12):
        work_queue.put(functools.partial(ran.append, n))
    work_queue.put(None)
    stuck = len(stop(threads, _RELAY_PATIENCE).running)
    work_queue.closed.set()  # free any stuck worker, so nothing is left running
    freed = stop(threads, 1.0)
    left = work_queue.drain()
    if errors:
        error = errors[0]
        if isinstance(error, NotImplementedError):
            raise error  # the stub is still there: the checker says "not started yet"
        raise Wrong(f"a worker raised {type(error).__name__}: {error}")
    if sorted(ran) != list(range(12)):
        raise Wrong(
            f"each of the 12 callables should run exactly once; these ran: {sorted(ran)}. "
            "Call each item you take from the queue."
        )
    if stuck:
        still = (
            f" {len(freed.running)} of them kept running even after the checker closed the "
            "queue: restart the kernel to clear them."
            if freed.running
            else ""
        )
        raise Wrong(
            f"{stuck} of 3 workers were still waiting in q.get() {_RELAY_PATIENCE:g} s after "
            "the sentinel: the first worker to take the None must put it back for the next one."
            + still
        )
    nones = sum(item is None for item in left)
    if nones != 1:
        raise Wrong(
            f"after every worker exited, the queue holds {nones} sentinels; it should hold "
            "exactly 1: take one None, put one None back."
        )
    return passed(
        "12 tasks ran, one None woke all 3 workers in turn, and one None is left: the relay "
        "CPython's _worker uses."
    )
