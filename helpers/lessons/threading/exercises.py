"""Checkers for notebook 02 (threading basics).

Each checker runs the learner's function with :func:`helpers.core.checks.call_with_timeout`,
so a function that waits forever becomes feedback instead of a frozen notebook, and it cleans up
the threads it can (it stops them with :func:`helpers.core.lifecycle.stop` and sets stop events)
before answering.

Where an answer could pass by luck of timing (waiting with ``sleep`` instead of ``join``, a
``join(timeout)`` that gives up early), the checker does not rely on luck: it keeps one call of
the learner's work running (a :class:`_Hold`) until it has seen whether the answer waits for it,
so such an answer fails on every machine, fast or slow.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ...core import checks
from ...core.lifecycle import Stopped, stop
from .web import PageNotFound, SimulatedWeb, page_urls

_JOIN_GRACE = 5.0
#: How long a held call waits at most when nothing gives the answer away (seconds): longer than
#: any "wait a bit" an answer might sleep, short enough not to bore a learner whose answer is right.
HOLD_S = 1.0


def _defined(answer: object, name: str) -> None:
    if answer is None:
        raise checks.Wrong(f"define {name} first (it is still None).")
    checks.expect_callable(answer, name)


def _stop_learner_threads(threads: Sequence[threading.Thread]) -> Stopped:
    """Give threads the learner left running a moment to finish, so nothing is left behind;
    the report names any that are still running (threads cannot be killed)."""
    return stop([t for t in threads if t is not threading.current_thread()], _JOIN_GRACE)


def _still_running(stopped: Stopped) -> str:
    """A sentence for the feedback when a learner's thread outlived the grace period."""
    if stopped.clean:
        return ""
    return f" ({stopped}; restart the kernel to clear it)"


class _Watch:
    """The threads a learner's call starts, watched from inside the work the checker hands it.

    ``begin()`` is called on the calling thread just before the learner's function, ``end()``
    just after it returns or raises. Every ``note()`` counts the learner's threads alive at that
    moment; :meth:`hold` keeps the current call waiting until the learner's function has
    returned (it did not wait), more than ``limit`` of its threads are alive at once, or
    :data:`HOLD_S` has passed (nothing wrong seen).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.before: set[threading.Thread] = set()
        self.caller: threading.Thread | None = None
        self.returned = threading.Event()
        self.alive_at_return: list[threading.Thread] = []
        self.peak = 0
        self._lock = threading.Lock()

    def begin(self) -> None:
        self.caller = threading.current_thread()
        self.before = set(threading.enumerate())

    def learner_threads(self) -> list[threading.Thread]:
        return [
            t
            for t in threading.enumerate()
            if t not in self.before and t is not self.caller and t.is_alive()
        ]

    def note(self) -> int:
        alive = len(self.learner_threads())
        with self._lock:
            self.peak = max(self.peak, alive)
        return alive

    def end(self) -> None:
        # Before anything is released: which of the learner's threads are still running now.
        self.alive_at_return = self.learner_threads()
        self.returned.set()

    def hold(self) -> None:
        deadline = time.monotonic() + HOLD_S
        while time.monotonic() < deadline and not self.returned.wait(0.005):
            if self.note() > self.limit:
                return


# --- exercise 1: fetch many pages, keep the errors ---------------------------------------------

#: (number of URLs, n_threads, positions of the pages that answer 404, position held)
_FETCH_CASES: tuple[tuple[int, int, tuple[int, ...], int | None], ...] = (
    (12, 3, (4, 9), 0),
    (5, 8, (), None),
    (6, 1, (0,), None),
)


@checks.checker
def check_fetch_all(fetch_all: object) -> checks.Feedback:
    """``fetch_all(urls, n_threads, fetch)`` → ``(pages, errors)``, fetched on threads that run
    at the same time, never more than ``n_threads`` of them at once, all joined."""
    _defined(fetch_all, "fetch_all")
    for count, n_threads, missing_at, held_at in _FETCH_CASES:
        _check_fetch_case(fetch_all, count, n_threads, missing_at, held_at)
    return checks.passed(
        "every page fetched once, by threads that overlapped, never more than n_threads at "
        "the same time, each joined, and every error caught inside its thread and handed back."
    )


def _check_fetch_case(
    fetch_all: Callable[..., Any],
    count: int,
    n_threads: int,
    missing_at: tuple[int, ...],
    held_at: int | None,
) -> None:
    urls = page_urls(count)
    missing = [urls[i] for i in missing_at]
    held = urls[held_at] if held_at is not None else None
    web = SimulatedWeb(mean_latency_ms=10, missing=missing)
    watch = _Watch(limit=n_threads)

    def fetch(url: str) -> str:
        watch.note()
        try:
            if url == held:
                watch.hold()  # a slow page: does the answer wait for it?
            return web.fetch(url)
        finally:
            watch.note()

    def call() -> Any:
        watch.begin()
        try:
            return fetch_all(list(urls), n_threads, fetch)
        finally:
            watch.end()

    try:
        returned = checks.call_with_timeout(call, timeout=10)
    finally:
        stopped = _stop_learner_threads(watch.learner_threads())
    where = f"with {count} URLs and n_threads={n_threads}"
    if watch.alive_at_return:
        raise checks.Wrong(
            f"{where}, fetch_all returned while {watch.alive_at_return[0].name!r} was still "
            "fetching a slow page: join every thread before returning, and after a "
            "join(timeout) check is_alive(). Waiting a fixed time with sleep is a guess that a "
            "slower page or a busier machine proves wrong." + _still_running(stopped)
        )
    if watch.peak > n_threads:
        raise checks.Wrong(
            f"{where}, {watch.peak} of your threads were alive at the same time; at most "
            "n_threads may be. Give each thread several URLs (or start new threads only after "
            "earlier ones have been joined)."
        )
    _verify_fetch(returned, web, urls, missing, n_threads, watch.caller, where)


def _verify_fetch(
    returned: object,
    web: SimulatedWeb,
    urls: list[str],
    missing: list[str],
    n_threads: int,
    caller: threading.Thread | None,
    where: str,
) -> None:
    if not (
        isinstance(returned, (tuple, list))
        and len(returned) == 2
        and all(isinstance(part, dict) for part in returned)
    ):
        raise checks.Wrong(
            f"fetch_all should return two dicts, (pages, errors); got {returned!r:.80}."
        )
    pages, errors = returned
    calls = web.calls
    twice = [url for url, n in calls.items() if n > 1]
    if twice:
        raise checks.Wrong(
            f"{where}, {twice[0]} was fetched {calls[twice[0]]} times; fetch each once."
        )
    workers = [t for t in web.threads if t is not caller]
    if len(urls) > 1 and n_threads > 1 and not workers:
        raise checks.Wrong(
            "every page was fetched on the calling thread, so no thread did any work. Pass the "
            "function itself (target=worker, not target=worker()) and call start(), not run()."
        )
    if n_threads > 1 and len(urls) > 1 and web.peak_in_flight == 1:
        raise checks.Wrong(
            f"{where}, the requests ran one at a time. Did you join each thread right after "
            "starting it? Start them all first, then join them all."
        )
    lost = [url for url in urls if url not in pages and url not in errors]
    if lost and not errors and missing:
        raise checks.Wrong(
            f"{where}, {len(lost)} URL(s) are in neither dict and errors is empty. An exception "
            "inside a thread ends that thread, and join() never sees it: catch it in the "
            "worker and store it in errors."
        )
    if lost:
        raise checks.Wrong(f"{where}, these URLs are in neither dict: {lost[:3]}.")
    for url in missing:
        if url in pages:
            raise checks.Wrong(f"{url} failed (404), so it belongs in errors, not in pages.")
        if not isinstance(errors.get(url), PageNotFound):
            raise checks.Wrong(
                f"errors[{url!r}] should be the exception fetch raised (a PageNotFound); "
                f"got {errors.get(url)!r}."
            )
    extra = sorted(set(errors) - set(missing))
    if extra:
        raise checks.Wrong(f"{extra[0]} did not fail, yet it is in errors.")
    for url in urls:
        if url not in missing and pages.get(url) != web.page(url):
            raise checks.Wrong(
                f"pages[{url!r}] should be the text fetch returned; got {pages.get(url)!r:.60}."
            )
    if len(pages) != len(urls) - len(missing):
        raise checks.Wrong(f"pages holds keys that are not URLs of this call: {sorted(pages)[:3]}.")


# --- exercise 2: a result or an error, back from a thread -------------------------------------


@checks.checker
def check_call_in_thread(call_in_thread: object) -> checks.Feedback:
    """``call_in_thread(fn, *args)``: run ``fn(*args)`` in a new thread, wait for it, and
    return its result or raise the very exception it raised (whatever it raised)."""
    _defined(call_in_thread, "call_in_thread")
    ran_on: list[threading.Thread] = []
    watch = _Watch(limit=1)
    finished = threading.Event()

    def add_slowly(a: int, b: int) -> int:
        ran_on.append(threading.current_thread())
        watch.hold()  # does call_in_thread wait for fn, or only hope it is done?
        finished.set()
        return a + b

    fn_done_at_return: list[bool] = []

    def call() -> Any:
        watch.begin()
        try:
            return call_in_thread(add_slowly, 2, 3)
        finally:
            fn_done_at_return.append(finished.is_set())
            watch.end()

    try:
        result = checks.call_with_timeout(call, timeout=5)
    finally:
        stopped = _stop_learner_threads(ran_on)
    if not ran_on:
        raise checks.Wrong("fn was never called. Start a Thread whose target calls fn(*args).")
    if ran_on[0] is watch.caller:
        raise checks.Wrong(
            "fn ran on the calling thread. Create a threading.Thread and call start() "
            "(run() runs the target in the current thread)."
        )
    if not fn_done_at_return[0]:
        raise checks.Wrong(
            "call_in_thread returned while fn was still running. Wait with join(), and after a "
            "join(timeout) check is_alive(): sleeping a while, or a short timeout, only works "
            "when fn happens to be quick." + _still_running(stopped)
        )
    if not stopped.clean:
        raise checks.Wrong(
            f"the thread that ran fn did not end within {_JOIN_GRACE:g} s after call_in_thread "
            "returned" + _still_running(stopped) + ". Let the thread end once fn has returned."
        )
    if result is None:
        raise checks.Wrong(
            "call_in_thread(add, 2, 3) returned None. A thread's return value is thrown away: "
            "store it somewhere the caller can read (a list, a dict, an attribute), join the "
            "thread, then return it."
        )
    if result != 5:
        raise checks.Wrong(f"call_in_thread(add, 2, 3) should return 5; got {result!r}.")

    zero = checks.call_with_timeout(
        call_in_thread, int, timeout=5
    )  # int() returns 0: falsy, not None
    if zero != 0 or zero is None:
        raise checks.Wrong(
            f"call_in_thread(int) should return 0 (what int() returns); got {zero!r}. Do not "
            "use the truth of the result to decide whether fn failed."
        )
    _check_reraises(call_in_thread, ValueError("bad input"))
    _check_reraises(call_in_thread, SystemExit(3))
    return checks.passed(
        "results and errors, even SystemExit, come back to the caller. That is exactly what a "
        "concurrent.futures.Future does for you (notebook 07)."
    )


def _check_reraises(call_in_thread: Callable[..., Any], problem: BaseException) -> None:
    """``fn`` raises ``problem``: ``call_in_thread`` must raise that very object."""
    kind = type(problem).__name__

    def fail() -> None:
        raise problem

    try:
        outcome = checks.call_with_timeout(call_in_thread, fail, timeout=5)
    except BaseException as error:  # SystemExit too: it is what fn raised
        if error is problem:
            return
        if isinstance(problem, SystemExit) and isinstance(error, (KeyError, AttributeError)):
            raise checks.Wrong(
                "fn raised SystemExit, your thread ended without storing anything, and then "
                f"call_in_thread raised {type(error).__name__}. SystemExit is not an "
                "Exception: `except Exception:` lets it through, and the thread's except hook "
                "ignores it silently. Catch BaseException in the thread."
            ) from None
        if type(error) is type(problem):
            raise checks.Wrong(
                f"raise the very exception fn raised (keep it and `raise` it), not a new {kind}."
            ) from None
        raise checks.Wrong(
            f"fn raised {kind}, but call_in_thread raised {type(error).__name__}. Re-raise the "
            "original exception."
        ) from None
    raise checks.Wrong(
        f"fn raised {kind}, but call_in_thread returned {outcome!r}. An exception in a thread "
        "never reaches join(): catch it in the thread, keep it, and raise it again in the "
        "caller after join()."
    )


# --- exercise 3: a worker that starts and stops cleanly ---------------------------------------

#: The checker runs the ticker twice and sets stop after these many seconds: a thread that ends
#: on its own after a fixed time cannot end promptly after both.
_STOP_AFTER_S = (0.15, 0.8)
#: How soon after stop.set() the thread must have ended (a correct one needs about 10 ms).
_PROMPT_S = 0.5
#: The shortest gap between ticks must lie in here (seconds): "about every 10 ms".
_SHORTEST_GAP_S = (0.003, 0.06)
#: More ticks than this in one run means a loop that never pauses (10 ms apart, a run of the
#: checker has room for about 80): the checker stops it at once instead of filling memory.
_BUSY_TICKS = 500


class _Ticks(list):  # type: ignore[type-arg]
    """The learner's ``ticks`` list, which also notes when each append happened."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: object) -> None:
        if len(self.times) <= _BUSY_TICKS:
            self.times.append(time.perf_counter())
        super().append(item)


def _busy(ticks: _Ticks) -> checks.Wrong:
    gaps = [b - a for a, b in itertools.pairwise(ticks.times)]
    return checks.Wrong(
        f"{len(ticks)} ticks already, some {min(gaps) * 1e3:.2f} ms apart: the loop never "
        "pauses and keeps a core busy. Wait between ticks with stop.wait(0.01), which also "
        "wakes up at once when stop is set."
    )


@checks.checker
def check_start_ticker(start_ticker: object) -> checks.Feedback:
    """``start_ticker(stop, ticks)`` starts and returns a thread that appends to ``ticks`` about
    every 10 ms until ``stop`` is set, and ends promptly once it is."""
    _defined(start_ticker, "start_ticker")
    ticks: _Ticks = _Ticks()
    for stop_after in _STOP_AFTER_S:
        ticks = _run_ticker(start_ticker, stop_after)
    gaps = [b - a for a, b in itertools.pairwise(ticks.times)]
    if len(gaps) < 2:
        raise checks.Wrong(
            f"only {len(ticks)} tick(s) in {_STOP_AFTER_S[-1]:g} s. Append one tick each time "
            "round the loop, about every 10 ms."
        )
    shortest = min(gaps)
    if shortest < _SHORTEST_GAP_S[0]:
        raise _busy(ticks)
    if shortest > _SHORTEST_GAP_S[1]:
        raise checks.Wrong(
            f"the ticks came at best {shortest * 1e3:.0f} ms apart (typically "
            f"{statistics.median(gaps) * 1e3:.0f} ms); the exercise asks for about every 10 ms."
        )
    return checks.passed(
        "the thread starts at once, ticks while it runs, and ends promptly when asked: "
        "Event.wait(timeout) is both the pause and the stop signal."
    )


def _run_ticker(start_ticker: Callable[..., Any], stop_after: float) -> _Ticks:
    """Start the learner's ticker, set stop after ``stop_after`` seconds, see it end."""
    stop_signal = threading.Event()  # the learner's `stop`
    ticks = _Ticks()
    try:
        try:
            thread = checks.call_with_timeout(start_ticker, stop_signal, ticks, timeout=2)
        except checks.CheckTimeout:
            raise checks.Wrong(
                "start_ticker did not return within 2 s. It should start the thread and return "
                "it at once; joining it inside would wait forever, as nobody has set stop yet."
            ) from None
        if not isinstance(thread, threading.Thread):
            raise checks.Wrong(
                f"start_ticker should return the Thread it started; got {type(thread).__name__}."
            )
        if thread.ident is None:
            raise checks.Wrong("the thread was never started: call start() before returning it.")
        started = time.monotonic()
        while thread.is_alive() and time.monotonic() - started < stop_after:
            if len(ticks) > _BUSY_TICKS:
                stop_signal.set()
                stop([thread], _PROMPT_S)
                raise _busy(ticks)
            time.sleep(0.01)
        if not thread.is_alive():
            raise checks.Wrong(
                f"the thread ended on its own after {time.monotonic() - started:.2f} s, with "
                f"{len(ticks)} tick(s), before stop was set. Loop until stop is set, appending "
                "one tick each time round."
            )
        stop_signal.set()
        if not stop([thread], _PROMPT_S).clean:
            raise checks.Wrong(
                f"{_PROMPT_S:g} s after stop.set() the thread is still running: check the event "
                "in the loop (`while not stop.wait(0.01):`). It may keep running in the "
                "background; restart the kernel to clear it."
            )
    finally:
        stop_signal.set()  # release a ticker that is still waiting, whatever went wrong
    return ticks
