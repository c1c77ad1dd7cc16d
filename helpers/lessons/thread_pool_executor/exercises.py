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
from typing import Annotated, Any

from ...core import checks, learner
from ...core.domains import Fn, validated
from ...core.lifecycle import stop
from ...lab import Verdict, answer_modules, prove

_TIMEOUT = 10.0
_HOLD_S = 1.0  # the first item waits at most this long for another to finish first
_SETTLE_S = 0.15  # a fetch waits at most this long after the latest start for more to join


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


#: The wrong worker counts learners give, each with what it missed.
_WORKERS_MISTAKES = {
    750: "150 / 0.2 = 750 divides by the latency; Little's law multiplies: L = λ × W.",
    150: "one worker per call per second would be right only if a call took 1 s. Here a "
    "call takes 0.2 s: how many calls does one worker finish per second?",
}


@checks.checker
def check_workers_needed(workers_needed: object) -> checks.Feedback:
    """150 calls per second, 200 ms per call: how many calls must be in flight at once?"""
    value = learner.number_answer(workers_needed, "workers_needed", _WORKERS_MISTAKES)
    if math.isclose(value, 30):
        return checks.passed(
            "30: Little's law, L = λ × W = 150 calls/s × 0.2 s. Each worker finishes 5 calls "
            "per second, so 30 workers finish 150."
        )
    if value < 30:
        raise checks.Wrong(
            f"with {value:g} workers the pool finishes at most {value / 0.2:g} calls per second "
            "(each worker: 1 / 0.2 s = 5 calls/s); you need 150."
        )
    raise checks.Wrong(
        f"{value:g} workers would work, but it is more than needed. Little's law: "
        "in flight = arrival rate × time each call takes."
    )


# --- Exercise 2: fetch everything, in order, on a bounded pool --------------------------------


class _FakeSite:
    """A fake ``fetch`` that counts calls in flight. Page 0 answers only after another page has
    answered (or after ``_HOLD_S``, if nothing else runs), so on any pool it finishes after
    some other page: finishing order differs from input order on every run, not by luck of
    timing, and a pool always has two fetches in flight at that moment.

    Each fetch also holds until more than ``limit`` fetches are in flight, or until none has
    started for ``_SETTLE_S``: so a pool with too many threads shows it on every run, not only
    when its threads happen to start faster than the fetches end (a loaded machine's threads
    start slowly)."""

    def __init__(self, pages: int, limit: int) -> None:
        self.pages = pages
        self.limit = limit
        self.lock = threading.Condition()
        self.in_flight = 0
        self.peak = 0
        self.latest_start = 0.0
        self.calls: list[int] = []
        self.another_answered = threading.Event()

    def fetch(self, page: int) -> str:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.calls.append(page)
            self.latest_start = time.monotonic()
            self.lock.notify_all()
            while self.in_flight <= self.limit:
                left = self.latest_start + _SETTLE_S - time.monotonic()
                if left <= 0:
                    break
                self.lock.wait(left)
        try:
            if page == 0:
                self.another_answered.wait(_HOLD_S)
            time.sleep(0.005 * (self.pages - page))  # later pages answer faster
            return f"page {page}"
        finally:
            with self.lock:
                self.in_flight -= 1
            if page != 0:
                self.another_answered.set()


@checks.checker
def check_fetch_all(fetch_all: object) -> checks.Feedback:
    """``fetch_all(fetch, pages, max_workers)`` returns ``[fetch(p) for p in pages]``, computed
    on a pool of at most ``max_workers`` threads, in the order of ``pages``."""
    if fetch_all is None:
        raise checks.Wrong("define fetch_all first (it is still None).")
    fetch_all = checks.expect_callable(fetch_all, "fetch_all")
    pages, workers = list(range(8)), 4
    site = _FakeSite(len(pages), workers)
    before = {t.ident for t in threading.enumerate() if t.ident is not None}
    result = checks.call_with_timeout(fetch_all, site.fetch, pages, workers, timeout=_TIMEOUT)
    left = _wait_for_threads_to_end(before)
    if isinstance(result, Iterator):
        raise checks.Wrong("fetch_all returned an iterator; return a list (wrap it in list(...)).")
    if not isinstance(result, list):
        raise checks.Wrong(f"fetch_all should return a list; got {type(result).__name__}.")
    expected = [f"page {p}" for p in pages]
    if sorted(site.calls) != pages:
        raise checks.Wrong(f"fetch should be called once per page; it was called for {site.calls}.")
    if result != expected and sorted(result) == sorted(expected):
        raise checks.Wrong(
            f"the results are out of order: {result}. as_completed yields in finishing order; "
            "pool.map (or the futures in submission order) keeps the order of pages."
        )
    if result != expected:
        raise checks.Wrong(f"fetch_all should return {expected}; got {result}.")
    if site.peak == 1:
        raise checks.Wrong(
            "the pages were fetched one at a time; submit them all to the pool first."
        )
    if site.peak > workers:
        raise checks.Wrong(
            f"{site.peak} fetches ran at once, but max_workers was {workers}: create the pool "
            "with max_workers=max_workers."
        )
    if left:
        raise checks.Wrong(
            f"{len(left)} thread(s) still running after fetch_all returned: use "
            "`with ThreadPoolExecutor(...) as pool:` so the pool is shut down."
        )
    return checks.passed(
        f"all {len(pages)} pages, in order, with at most {site.peak} fetches in flight, and the "
        "pool shut down."
    )


# --- Exercise 3: exceptions must not vanish ---------------------------------------------------


class _Parser:
    """``int(text)``; the first text answers only after another has (bounded by ``_HOLD_S``),
    so finishing order differs from input order on every run with a pool."""

    def __init__(self, first: str) -> None:
        self.first = first
        self.another_answered = threading.Event()

    def parse(self, text: str) -> int:
        try:
            if text == self.first:
                self.another_answered.wait(_HOLD_S)
            time.sleep(0.005 * len(text))  # longer texts take longer
            return int(text)
        finally:
            if text != self.first:
                self.another_answered.set()


_TEXTS = ["12", "x", "7", "3.5", "40"]


@checks.checker
def check_results_or_errors(results_or_errors: object) -> checks.Feedback:
    """``results_or_errors(fn, items, max_workers)``: one entry per item, in order: ``fn(item)``
    or, if it raised, the exception object itself."""
    if results_or_errors is None:
        raise checks.Wrong("define results_or_errors first (it is still None).")
    results_or_errors = checks.expect_callable(results_or_errors, "results_or_errors")
    before = {t.ident for t in threading.enumerate() if t.ident is not None}
    try:
        parser = _Parser(_TEXTS[0])
        result = checks.call_with_timeout(
            results_or_errors, parser.parse, list(_TEXTS), 3, timeout=_TIMEOUT
        )
    except ValueError as error:
        raise checks.Wrong(
            f"your function raised ValueError ({error}). pool.map and future.result() re-raise "
            "a task's exception; catch it, or ask future.exception() instead."
        ) from None
    finally:
        _wait_for_threads_to_end(before)
    if not isinstance(result, list):
        raise checks.Wrong(f"return a list; got {type(result).__name__}.")
    if len(result) != len(_TEXTS):
        raise checks.Wrong(
            f"expected {len(_TEXTS)} entries (one per item, errors included); got {len(result)}. "
            "An error must not vanish from the results."
        )
    for text, entry in zip(_TEXTS, result, strict=True):
        try:
            expected: object = int(text)
        except ValueError:
            if isinstance(entry, str):
                raise checks.Wrong(
                    f"for {text!r} you returned the string {entry!r}; keep the exception "
                    "object itself (it carries the type and the traceback)."
                ) from None
            if not isinstance(entry, ValueError):
                raise checks.Wrong(
                    f"for {text!r} the entry should be the ValueError raised by int(); "
                    f"got {entry!r}."
                ) from None
            continue
        if entry != expected:
            raise checks.Wrong(f"for {text!r} the entry should be {expected!r}; got {entry!r}.")
    return checks.passed("every item has its entry, in order, and no exception vanished.")


# --- Exercise 4: the sentinel relay, proven over every interleaving ---------------------------


class RelayState:
    """What the relay's threads share: the work queue, and which tasks ran."""

    def __init__(self) -> None:
        self.q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.ran: list[int] = []


_RELAY_TASKS = 2


def _feed(state: RelayState) -> None:
    """The pool's side: queue the tasks, then one sentinel, as ``shutdown`` does."""
    for n in range(_RELAY_TASKS):
        state.q.put(functools.partial(state.ran.append, n))
    state.q.put(None)


def _work(state: RelayState, worker: Callable[[Any], object]) -> None:
    worker(state.q)


def _relay_held(state: RelayState) -> bool:
    """Every task ran once and exactly one item, the ``None``, is left (read after every thread
    ended, without taking anything: the check must not change the state it reports)."""
    return sorted(state.ran) == list(range(_RELAY_TASKS)) and state.q.qsize() == 1


def show_relay(state: RelayState) -> dict[str, Any]:
    return {"ran": sorted(state.ran), "queued": state.q.qsize()}


@validated
def prove_relay(worker: Annotated[Callable[[Any], Any], Fn()]) -> Verdict:
    """A feeding thread and two workers running ``worker(q)``, under every interleaving (one
    line per step, at most two preemptions): does every task run once, does every worker
    return, and is exactly one ``None`` left?"""
    return prove(
        {
            "main": _feed,
            "W1": functools.partial(_work, worker=worker),
            "W2": functools.partial(_work, worker=worker),
        },
        setup=RelayState,
        check=_relay_held,
        show=show_relay,
        granularity="line",
        step=answer_modules(worker),
        preemptions=2,
    )


@checks.checker
def check_relay_worker(worker: object) -> checks.Feedback:
    """``worker(q)``: run callables from ``q``; on ``None``, put ``None`` back and return.
    Checked by the interleaving lab's search, not by real runs: no timing involved."""
    if worker is None:
        raise checks.Wrong("define worker first (it is still None).")
    worker = checks.expect_callable(worker, "worker")
    verdict = prove_relay(worker)
    ce = verdict.counterexample
    if ce is not None:
        for error in ce.outcome.errors:
            if error.type == "NotImplementedError":
                raise NotImplementedError  # the stub is still there: "not started yet"
        if any(error.type == "Empty" for error in ce.outcome.errors):
            raise checks.Wrong(
                "a worker's get(timeout=...) ran out before the work arrived, and the worker "
                "died of queue.Empty. An idle pool worker must wait for as long as work takes to "
                "come: its bound is the sentinel, which shutdown always sends (CPython's _worker "
                f"blocks in get() too).\n{verdict.message}:\n{ce.table()}"
            )
        if ce.outcome.kind == "deadlock":
            raise checks.Wrong(
                "a worker waits in q.get() forever: the first worker to take the None must "
                f"put it back for the next one.\n{verdict.message}:\n{ce.table()}"
            )
        values = ce.replay.snapshot.values
        raise checks.Wrong(
            f"each of the {_RELAY_TASKS} tasks must run exactly once and exactly one None must "
            f"be left; this run ended with ran={values.get('ran')} and {values.get('queued')} "
            f"item(s) still queued. {verdict.message}:\n{ce.table()}"
        )
    return checks.passed(
        "one None woke both workers in turn, every task ran once, one None is left: "
        f"{verdict.message}. This is the relay CPython's _worker uses."
    )
