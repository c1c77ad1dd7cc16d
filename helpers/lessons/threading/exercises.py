"""Checkers for notebook 02 (threading basics).

Each checker runs the learner's function with :func:`helpers.core.checks.call_with_timeout`,
so a function that waits forever becomes feedback instead of a frozen notebook, and it cleans up
the threads it can (it stops them with :func:`helpers.core.lifecycle.stop` and sets stop events)
before answering.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ...core.checks import (
    CheckTimeout,
    Feedback,
    Wrong,
    call_with_timeout,
    checker,
    expect_callable,
    passed,
)
from ...core.lifecycle import Stopped, stop
from .web import PageNotFound, SimulatedWeb, page_urls

_JOIN_GRACE = 5.0


def _defined(answer: object, name: str) -> None:
    if answer is None:
        raise Wrong(f"define {name} first (it is still None).")
    expect_callable(answer, name)


def _stop_learner_threads(threads: Sequence[threading.Thread]) -> Stopped:
    """Give threads the learner left running a moment to finish, so nothing is left behind;
    the report names any that are still running (threads cannot be killed)."""
    return stop([t for t in threads if t is not threading.current_thread()], _JOIN_GRACE)


def _still_running(stopped: Stopped) -> str:
    """A sentence for the feedback when a learner's thread outlived the grace period."""
    if stopped.clean:
        return ""
    return f" ({stopped}; restart the kernel to clear it)"


# --- exercise 1: fetch many pages, keep the errors ---------------------------------------------

#: (number of URLs, n_threads, positions of the pages that answer 404)
_FETCH_CASES: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (12, 3, (4, 9)),
    (5, 8, ()),
    (6, 1, (0,)),
)


@checker
def check_fetch_all(fetch_all: object) -> Feedback:
    """``fetch_all(urls, n_threads, fetch)`` → ``(pages, errors)``, fetched on up to n threads."""
    _defined(fetch_all, "fetch_all")
    for count, n_threads, missing_at in _FETCH_CASES:
        _check_fetch_case(fetch_all, count, n_threads, missing_at)
    return passed(
        "every page fetched once, on at most n_threads threads at the same time, and every "
        "error caught inside its thread and handed back to the caller."
    )


def _check_fetch_case(
    fetch_all: Callable[..., Any], count: int, n_threads: int, missing_at: tuple[int, ...]
) -> None:
    urls = page_urls(count)
    missing = [urls[i] for i in missing_at]
    web = SimulatedWeb(mean_latency_ms=10, missing=missing)
    caller: list[threading.Thread] = []

    def call() -> Any:
        caller.append(threading.current_thread())
        return fetch_all(list(urls), n_threads, web.fetch)

    try:
        returned = call_with_timeout(call, timeout=10)
    finally:
        still_running = [t for t in web.threads if t.is_alive() and t not in caller]
        stopped = _stop_learner_threads(still_running)
    where = f"with {count} URLs and n_threads={n_threads}"
    if still_running:
        raise Wrong(
            f"{where}, fetch_all returned while {still_running[0].name!r} was still "
            "fetching: join every thread before returning." + _still_running(stopped)
        )
    _verify_fetch(returned, web, urls, missing, n_threads, caller[0], where)


def _verify_fetch(
    returned: object,
    web: SimulatedWeb,
    urls: list[str],
    missing: list[str],
    n_threads: int,
    caller: threading.Thread,
    where: str,
) -> None:
    if not (
        isinstance(returned, (tuple, list))
        and len(returned) == 2
        and all(isinstance(part, dict) for part in returned)
    ):
        raise Wrong(f"fetch_all should return two dicts, (pages, errors); got {returned!r:.80}.")
    pages, errors = returned
    calls = web.calls
    twice = [url for url, n in calls.items() if n > 1]
    if twice:
        raise Wrong(f"{where}, {twice[0]} was fetched {calls[twice[0]]} times; fetch each once.")
    workers = [t for t in web.threads if t is not caller]
    if len(urls) > 1 and n_threads > 1 and not workers:
        raise Wrong(
            "every page was fetched on the calling thread, so no thread did any work. Pass the "
            "function itself (target=worker, not target=worker()) and call start(), not run()."
        )
    if len(web.threads) > n_threads:
        raise Wrong(
            f"{where}, {len(web.threads)} threads made requests; use at most n_threads "
            "threads (give each thread several URLs)."
        )
    if n_threads > 1 and len(urls) > 1 and web.peak_in_flight == 1:
        raise Wrong(
            f"{where}, the requests ran one at a time. Did you join each thread right after "
            "starting it? Start them all first, then join them all."
        )
    lost = [url for url in urls if url not in pages and url not in errors]
    if lost and not errors and missing:
        raise Wrong(
            f"{where}, {len(lost)} URL(s) are in neither dict and errors is empty. An exception "
            "inside a thread ends that thread, and join() never sees it: catch it in the "
            "worker and store it in errors."
        )
    if lost:
        raise Wrong(f"{where}, these URLs are in neither dict: {lost[:3]}.")
    for url in missing:
        if url in pages:
            raise Wrong(f"{url} failed (404), so it belongs in errors, not in pages.")
        if not isinstance(errors.get(url), PageNotFound):
            raise Wrong(
                f"errors[{url!r}] should be the exception fetch raised (a PageNotFound); "
                f"got {errors.get(url)!r}."
            )
    extra = sorted(set(errors) - set(missing))
    if extra:
        raise Wrong(f"{extra[0]} did not fail, yet it is in errors.")
    for url in urls:
        if url not in missing and pages.get(url) != web.page(url):
            raise Wrong(
                f"pages[{url!r}] should be the text fetch returned; got {pages.get(url)!r:.60}."
            )
    if len(pages) != len(urls) - len(missing):
        raise Wrong(f"pages holds keys that are not URLs of this call: {sorted(pages)[:3]}.")


# --- exercise 2: a result or an error, back from a thread -------------------------------------


@checker
def check_call_in_thread(call_in_thread: object) -> Feedback:
    """``call_in_thread(fn, *args)``: run ``fn(*args)`` in a new thread; return or re-raise."""
    _defined(call_in_thread, "call_in_thread")
    ran_on: list[threading.Thread] = []
    caller: list[threading.Thread] = []

    def add_slowly(a: int, b: int) -> int:
        ran_on.append(threading.current_thread())
        time.sleep(0.05)  # long enough that a missing join() shows
        return a + b

    def call() -> Any:
        caller.append(threading.current_thread())
        return call_in_thread(add_slowly, 2, 3)

    try:
        result = call_with_timeout(call, timeout=5)
    finally:
        stopped = _stop_learner_threads(ran_on)
    if not stopped.clean:
        raise Wrong(
            f"the thread that ran fn did not end within {_JOIN_GRACE:g} s after call_in_thread "
            "returned" + _still_running(stopped) + ". Let the thread end once fn has returned."
        )
    if not ran_on:
        raise Wrong("fn was never called. Start a Thread whose target calls fn(*args).")
    if ran_on[0] is caller[0]:
        raise Wrong(
            "fn ran on the calling thread. Create a threading.Thread and call start() "
            "(run() runs the target in the current thread)."
        )
    if result is None:
        raise Wrong(
            "call_in_thread(add, 2, 3) returned None. A thread's return value is thrown away: "
            "store it somewhere the caller can read (a list, a dict, an attribute), join the "
            "thread, then return it."
        )
    if result != 5:
        raise Wrong(f"call_in_thread(add, 2, 3) should return 5; got {result!r}.")

    zero = call_with_timeout(call_in_thread, int, timeout=5)  # int() returns 0: falsy, not None
    if zero != 0 or zero is None:
        raise Wrong(
            f"call_in_thread(int) should return 0 (what int() returns); got {zero!r}. Do not "
            "use the truth of the result to decide whether fn failed."
        )

    problem = ValueError("bad input")

    def fail() -> None:
        raise problem

    try:
        outcome = call_with_timeout(call_in_thread, fail, timeout=5)
    except ValueError as error:
        if error is not problem:
            raise Wrong(
                "raise the very exception fn raised (keep it and `raise` it), not a new one."
            ) from None
    except Exception as error:
        raise Wrong(
            f"fn raised ValueError, but call_in_thread raised {type(error).__name__}. "
            "Re-raise the original exception."
        ) from None
    else:
        raise Wrong(
            f"fn raised ValueError, but call_in_thread returned {outcome!r}. An exception in a "
            "thread never reaches join(): catch it in the thread, keep it, and raise it again "
            "in the caller after join()."
        )
    return passed(
        "results and errors both come back to the caller. That is exactly what a "
        "concurrent.futures.Future does for you (notebook 07)."
    )


# --- exercise 3: a worker that starts and stops cleanly ---------------------------------------

_ENOUGH_TICKS = 3
_BUSY_LOOP_TICKS = 500


@checker
def check_start_ticker(start_ticker: object) -> Feedback:
    """``start_ticker(stop, ticks)`` starts and returns a thread that appends to ``ticks`` about
    every 10 ms until ``stop`` is set."""
    _defined(start_ticker, "start_ticker")
    stop_signal = threading.Event()  # the learner's `stop`
    ticks: list[object] = []
    try:
        try:
            thread = call_with_timeout(start_ticker, stop_signal, ticks, timeout=2)
        except CheckTimeout:
            raise Wrong(
                "start_ticker did not return within 2 s. It should start the thread and return "
                "it at once; joining it inside would wait forever, as nobody has set stop yet."
            ) from None
        if not isinstance(thread, threading.Thread):
            raise Wrong(
                f"start_ticker should return the Thread it started; got {type(thread).__name__}."
            )
        if thread.ident is None:
            raise Wrong("the thread was never started: call start() before returning it.")
        deadline = time.monotonic() + 2
        while len(ticks) < _ENOUGH_TICKS and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if len(ticks) < _ENOUGH_TICKS:
            ended = "the thread already ended" if not thread.is_alive() else "after 2 s"
            raise Wrong(
                f"{ended} with {len(ticks)} tick(s) in the list. Loop until stop is set, "
                "appending one tick each time round (about every 10 ms)."
            )
        if len(ticks) > _BUSY_LOOP_TICKS:
            raise Wrong(
                f"{len(ticks)} ticks already: the loop never pauses and keeps a core busy. "
                "Wait between ticks with stop.wait(0.01), which also wakes up at once on stop."
            )
        stop_signal.set()
        if not stop([thread], 1).clean:
            raise Wrong(
                "1 s after stop.set() the thread is still running: check the event in the loop "
                "(`while not stop.wait(0.01):`). It may keep running in the background; "
                "restart the kernel to clear it."
            )
    finally:
        stop_signal.set()  # release a ticker that is still waiting, whatever went wrong
    return passed(
        "the thread starts at once, ticks while it runs, and ends promptly when asked: "
        "Event.wait(timeout) is both the pause and the stop signal."
    )
