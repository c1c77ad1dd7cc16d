"""Checkers of notebook 07: each accepts the reference solution and rejects typical mistakes."""

from __future__ import annotations

import functools
import itertools
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import pytest
from checker_cases import Checker, assert_rejected, not_started  # tests/support/

from helpers.lessons.thread_pool_executor.exercises import (
    check_fetch_all,
    check_relay_worker,
    check_results_or_errors,
    check_workers_needed,
)

pytestmark = pytest.mark.usefixtures("nothing_left")  # a checker must leave no thread running


# --- Exercise 1 --------------------------------------------------------------------------------


def test_workers_needed_accepts_littles_law() -> None:
    assert check_workers_needed(30)
    assert check_workers_needed(30.0)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "still None"),
        ("30", "should be a number"),
        (750, "divides by the latency"),
        (150, "0.2 s"),
        (6, "at most 30 calls per second"),
        (100, "more than needed"),
    ],
)
def test_workers_needed_rejects_mistakes(answer: object, fragment: str) -> None:
    assert_rejected(check_workers_needed(answer), fragment)


# --- Exercise 2 --------------------------------------------------------------------------------


fetch_all_pages = Checker(check_fetch_all)
fetch_all_pages.also_rejects(None, "still None")
fetch_all_pages.also_rejects(42, "should be a function")
fetch_all_pages.also_rejects(not_started, "not started yet")


@fetch_all_pages.accepts
def fetch_all(fetch: Callable[[Any], Any], pages: list[Any], max_workers: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(fetch, pages))


@fetch_all_pages.accepts
def with_submit(fetch: Callable[[Any], Any], pages: list[Any], max_workers: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        submitted = [pool.submit(fetch, page) for page in pages]
        return [f.result() for f in submitted]


@fetch_all_pages.rejects("one at a time")
def serial(fetch: Callable[[Any], Any], pages: list[Any], max_workers: int) -> list[Any]:
    return [fetch(page) for page in pages]


@fetch_all_pages.rejects("out of order")
def completion_order(fetch: Callable[[Any], Any], pages: list[Any], max_workers: int) -> list[Any]:
    """Lucky by timing: right whenever the pages happen to finish in input order. The checker's
    page 0 always answers after another page, so it never is."""
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return [f.result() for f in as_completed([pool.submit(fetch, p) for p in pages])]


@fetch_all_pages.rejects("max_workers was 4")
def too_many_workers(fetch: Callable[[Any], Any], pages: list[Any], max_workers: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(pages)) as pool:
        return list(pool.map(fetch, pages))


@fetch_all_pages.rejects("max_workers was 4")
def too_many_workers_slow_to_start(
    fetch: Callable[[Any], Any], pages: list[Any], max_workers: int
) -> list[Any]:
    """One thread per page, the k-th starting k x 50 ms late (as on a loaded machine): early
    pages end before late threads start, so too many threads never show by luck of timing."""
    started = itertools.count()

    def start_late() -> None:
        time.sleep(0.05 * next(started))

    with ThreadPoolExecutor(max_workers=len(pages), initializer=start_late) as pool:
        return list(pool.map(fetch, pages))


@fetch_all_pages.rejects("iterator")
def lazy(fetch: Callable[[Any], Any], pages: list[Any], max_workers: int) -> Any:
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return pool.map(fetch, pages)


_KEPT: list[ThreadPoolExecutor] = []


def never_shut_down(fetch: Callable[[Any], Any], pages: list[Any], max_workers: int) -> list[Any]:
    pool = ThreadPoolExecutor(max_workers=max_workers)
    _KEPT.append(pool)  # still referenced: its threads never exit
    return list(pool.map(fetch, pages))


test_fetch_all_accepts_correct_answers, test_fetch_all_rejects_mistakes = fetch_all_pages.tests()


def test_fetch_all_rejects_a_pool_left_running() -> None:
    try:
        assert_rejected(check_fetch_all(never_shut_down), "still running", "with ThreadPool")
    finally:
        for pool in _KEPT:
            pool.shutdown(wait=True)
        _KEPT.clear()


# --- Exercise 3 --------------------------------------------------------------------------------


outcomes = Checker(check_results_or_errors)
outcomes.also_rejects(None, "still None")
outcomes.also_rejects(not_started, "not started yet")


@outcomes.accepts
def results_or_errors(fn: Callable[[Any], Any], items: list[Any], max_workers: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        submitted = [pool.submit(fn, item) for item in items]
        return [f.exception() or f.result() for f in submitted]


@outcomes.rejects("raised ValueError")
def with_map(fn: Callable[[Any], Any], items: list[Any], max_workers: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(fn, items))


@outcomes.rejects("must not vanish")
def dropping_errors(fn: Callable[[Any], Any], items: list[Any], max_workers: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        submitted = [pool.submit(fn, item) for item in items]
        return [f.result() for f in submitted if f.exception() is None]


@outcomes.rejects("exception object")
def as_strings(fn: Callable[[Any], Any], items: list[Any], max_workers: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        submitted = [pool.submit(fn, item) for item in items]
        return [str(f.exception()) if f.exception() else f.result() for f in submitted]


@outcomes.rejects("should be")
def as_completed_order(fn: Callable[[Any], Any], items: list[Any], max_workers: int) -> list[Any]:
    """Lucky by timing, like ``completion_order`` above; the checker's first item always
    answers after another one."""
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        submitted = [pool.submit(fn, item) for item in items]
        return [f.exception() or f.result() for f in as_completed(submitted)]


test_results_or_errors_accepts_correct_answers, test_results_or_errors_rejects_mistakes = (
    outcomes.tests()
)


# --- Exercise 4 --------------------------------------------------------------------------------


relay = Checker(check_relay_worker, says=("no violation",))
relay.also_rejects(None, "still None")
relay.also_rejects(not_started, "not started yet")


@relay.accepts
def worker(q: Any) -> None:
    while True:
        item = q.get()
        if item is None:
            q.put(None)
            return
        item()


@relay.rejects("put it back", "W2 blocked")
def no_relay(q: Any) -> None:
    while True:
        item = q.get()
        if item is None:
            return
        item()


@relay.rejects("waits in q.get() forever")
def never_exits(q: Any) -> None:
    while True:
        item = q.get()
        if item is not None:
            item()


@relay.rejects("ran=[0, 1] and 3 item(s) still queued")
def two_sentinels(q: Any) -> None:
    while True:
        item = q.get()
        if item is None:
            q.put(None)
            q.put(None)
            return
        item()


@relay.rejects("exactly once")
def skips_work(q: Any) -> None:
    while True:
        item = q.get()
        if item is None:
            q.put(None)
            return


@relay.rejects("exactly once")
def stops_when_empty(q: Any) -> None:
    """Lucky by timing: right whenever the work is queued before the workers look."""
    while not q.empty():
        item = q.get()
        if item is None:
            q.put(None)
            return
        item()


@relay.accepts
def iterates_to_the_sentinel(q: Any) -> None:
    """A different correct answer: iter(q.get, None) stops at the sentinel, then relay it."""
    for item in iter(q.get, None):
        item()
    q.put(None)


@relay.rejects("its bound is the sentinel")
def times_out(q: Any) -> None:
    """A timeout on an idle worker's get: it may run out before the work comes."""
    while True:
        item = q.get(timeout=10)
        if item is None:
            q.put(None)
            return
        item()


def test_stopping_when_empty_gets_lucky_in_real_runs_but_not_in_the_search() -> None:
    """With the work queued before the workers start (the usual timing), the wrong worker
    passes a real run; the search finds the schedule where a worker looks too early."""
    q: queue.SimpleQueue[Any] = queue.SimpleQueue()
    ran: list[int] = []
    for n in range(2):
        q.put(functools.partial(ran.append, n))
    q.put(None)
    threads = [threading.Thread(target=stops_when_empty, args=(q,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert sorted(ran) == [0, 1] and q.get_nowait() is None and q.empty()  # lucky
    assert_rejected(check_relay_worker(stops_when_empty), "ran=[]", "found in")


test_relay_worker_accepts_correct_answers, test_relay_worker_rejects_mistakes = relay.tests()
