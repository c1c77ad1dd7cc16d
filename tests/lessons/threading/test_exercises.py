"""The checkers of notebook 02 (threading): each accepts the reference solution and rejects the
typical wrong answers with a specific message, without ever raising. Answers marked "lucky with
timing" pass a naive checker on a quiet machine; these checkers reject them every time."""

from __future__ import annotations

import concurrent.futures
import contextlib
import queue
import threading
import time

import pytest
from checker_cases import Checker, not_started  # tests/support/

from helpers.lessons.threading import exercises as ex02

# --- 02, exercise 1: fetch_all ---------------------------------------------------------------


fetch_all = Checker(ex02.check_fetch_all, fixtures=("no_new_threads",))
fetch_all.also_rejects(None, "still None")
fetch_all.also_rejects(not_started, "not started yet")
fetch_all.also_rejects(lambda urls, n, fetch: [], "should return two dicts")


def fetch_into(pages, errors, url, fetch):
    """Fetch one URL, keeping the page or the error: the step every answer below shares (they
    differ in the threads that run it)."""
    try:
        pages[url] = fetch(url)
    except Exception as error:
        errors[url] = error


def striped(urls, n_threads, fetch, pages, errors):
    """Thread k's target: fetch URL k, then every n_threads-th one after it."""

    def worker(first):
        for url in urls[first::n_threads]:
            fetch_into(pages, errors, url, fetch)

    return worker


def start_and_join(threads, timeout=60):
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)


@fetch_all.accepts
def reference_fetch_all(urls, n_threads, fetch):
    pages, errors = {}, {}
    worker = striped(urls, n_threads, fetch, pages, errors)
    start_and_join([threading.Thread(target=worker, args=(k,)) for k in range(n_threads)])
    return pages, errors


@fetch_all.rejects("fetched on the calling thread")
def serial_fetch_all(urls, n_threads, fetch):
    pages, errors = {}, {}
    for url in urls:
        fetch_into(pages, errors, url, fetch)
    return pages, errors


@fetch_all.rejects("join each thread right after starting it")
def joined_too_early(urls, n_threads, fetch):
    pages, errors = {}, {}
    worker = striped(urls, n_threads, fetch, pages, errors)
    for k in range(n_threads):
        t = threading.Thread(target=worker, args=(k,))
        t.start()
        t.join(timeout=60)  # one at a time: no overlap
    return pages, errors


@fetch_all.rejects("join() never sees it")
def uncaught(urls, n_threads, fetch):
    pages = {}
    previous = threading.excepthook
    threading.excepthook = lambda args: None  # keep the test output quiet

    def worker(first):
        for url in urls[first::n_threads]:
            pages[url] = fetch(url)

    try:
        start_and_join([threading.Thread(target=worker, args=(k,)) for k in range(n_threads)])
    finally:
        threading.excepthook = previous
    return pages, {}


@fetch_all.rejects("join every thread before returning")
def no_join(urls, n_threads, fetch):
    pages, errors = {}, {}
    worker = striped(urls, n_threads, fetch, pages, errors)
    for k in range(n_threads):
        threading.Thread(target=worker, args=(k,)).start()
    return pages, errors


@fetch_all.rejects("of your threads were alive at the same time")
def thread_per_url(urls, n_threads, fetch):
    pages, errors = {}, {}
    start_and_join(
        [threading.Thread(target=fetch_into, args=(pages, errors, url, fetch)) for url in urls]
    )
    return pages, errors


@fetch_all.rejects("should be the exception fetch raised")
def errors_as_strings(urls, n_threads, fetch):
    pages, errors = reference_fetch_all(urls, n_threads, fetch)
    return pages, {url: str(error) for url, error in errors.items()}


@fetch_all.rejects("belongs in errors, not in pages")
def failures_in_pages(urls, n_threads, fetch):
    pages, errors = reference_fetch_all(urls, n_threads, fetch)
    return {**pages, **dict.fromkeys(errors)}, errors


@fetch_all.rejects("target=worker, not target=worker()")
def calls_target_now(urls, n_threads, fetch):
    pages, errors = {}, {}

    def worker(first=0, step=1):
        for url in urls[first::step]:
            try:
                pages[url] = fetch(url)
            except Exception as error:
                errors[url] = error

    t = threading.Thread(target=worker())  # runs everything here, then starts an empty thread
    t.start()
    t.join(timeout=60)
    return pages, errors


@fetch_all.rejects("was still fetching a slow page")
def sleeps_instead_of_joining(urls, n_threads, fetch):
    """Lucky with timing: 0.3 s is plenty for pages of about 10 ms, until one page is slow."""
    pages, errors = {}, {}
    worker = striped(urls, n_threads, fetch, pages, errors)
    for k in range(n_threads):
        threading.Thread(target=worker, args=(k,)).start()
    time.sleep(0.3)
    return pages, errors


@fetch_all.rejects("after a join(timeout) check is_alive()")
def joins_briefly(urls, n_threads, fetch):
    """Lucky with timing: join(timeout=0.3) returns whether or not the thread has finished."""
    pages, errors = {}, {}
    worker = striped(urls, n_threads, fetch, pages, errors)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    start_and_join(threads, timeout=0.3)  # and no is_alive() check
    return pages, errors


@fetch_all.rejects("of your threads were alive at the same time")
def batches_spaced_by_sleep(urls, n_threads, fetch):
    """Lucky with timing: a batch of n threads, a pause "long enough", the next batch."""
    pages, errors = {}, {}
    started = []
    for first in range(0, len(urls), n_threads):
        for url in urls[first : first + n_threads]:
            t = threading.Thread(target=fetch_into, args=(pages, errors, url, fetch))
            t.start()
            started.append(t)
        time.sleep(0.2)
    for t in started:
        t.join(timeout=60)
    return pages, errors


@fetch_all.accepts
def batches_joined(urls, n_threads, fetch):
    """A different correct answer: a batch of at most n threads, joined, then the next batch
    (more than n threads in all, never more than n at once)."""
    pages, errors = {}, {}
    for first in range(0, len(urls), n_threads):
        batch = [
            threading.Thread(target=fetch_into, args=(pages, errors, url, fetch))
            for url in urls[first : first + n_threads]
        ]
        start_and_join(batch)
        assert not any(t.is_alive() for t in batch)
    return pages, errors


@fetch_all.accepts
def shared_queue(urls, n_threads, fetch):
    """A different correct answer: n workers take URLs from a shared queue until it is empty."""
    pages, errors = {}, {}
    todo = queue.SimpleQueue()
    for url in urls:
        todo.put(url)

    def worker():
        while True:
            try:
                url = todo.get_nowait()
            except queue.Empty:
                return
            fetch_into(pages, errors, url, fetch)

    start_and_join([threading.Thread(target=worker) for _ in range(min(n_threads, len(urls)))])
    return pages, errors


test_fetch_all_accepts_correct_answers, test_fetch_all_rejects = fetch_all.tests()


# --- 02, exercise 2: call_in_thread ----------------------------------------------------------


call_in_thread = Checker(ex02.check_call_in_thread, fixtures=("no_new_threads",))
call_in_thread.also_rejects(None, "still None")
call_in_thread.also_rejects(not_started, "not started yet")
call_in_thread.also_rejects(lambda fn, *args: None, "fn was never called")


def keeping(fn, args, outcome, catching=BaseException):
    """A thread target that keeps fn's value, or the exception it raised, in ``outcome``."""

    def target():
        try:
            outcome["value"] = fn(*args)
        except catching as error:
            outcome["error"] = error

    return target


def handed_over(outcome):
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@call_in_thread.accepts
def reference_call_in_thread(fn, *args):
    outcome = {}
    thread = threading.Thread(target=keeping(fn, args, outcome))
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    return handed_over(outcome)


@call_in_thread.rejects("should return 0")
def truthiness(fn, *args):
    outcome = {}
    thread = threading.Thread(target=keeping(fn, args, outcome))
    thread.start()
    thread.join(timeout=60)
    return outcome.get("value") or None


@call_in_thread.rejects(
    "SystemExit is not an Exception",
    # pytest's own except hook reports the SystemExit the default hook would ignore
    marks=pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
)
def catches_only_exceptions(fn, *args):
    """Plausible: `except Exception` keeps ValueError, but SystemExit ends the thread silently."""
    outcome = {}
    thread = threading.Thread(target=keeping(fn, args, outcome, catching=Exception))
    thread.start()
    thread.join(timeout=60)
    return handed_over(outcome)


@call_in_thread.rejects("returned while fn was still running")
def sleeps_then_reads(fn, *args):
    """Lucky with timing: 0.2 s is enough for a quick fn."""
    outcome = {}
    threading.Thread(target=keeping(fn, args, outcome)).start()
    time.sleep(0.2)
    return handed_over(outcome) if outcome else None


@call_in_thread.rejects("check is_alive()")
def joins_briefly_and_reads(fn, *args):
    """Lucky with timing: join(timeout=0.2) without asking is_alive() afterwards."""
    outcome = {}
    thread = threading.Thread(target=keeping(fn, args, outcome))
    thread.start()
    thread.join(timeout=0.2)
    return handed_over(outcome) if outcome else None


@call_in_thread.rejects("fn ran on the calling thread")
def runs_here(fn, *args):
    return fn(*args)


@call_in_thread.rejects("returned None")
def loses_the_result(fn, *args):
    thread = threading.Thread(target=fn, args=args)
    thread.start()
    thread.join(timeout=60)


@call_in_thread.rejects("returned while fn was still running")
def does_not_wait(fn, *args):
    box = []
    threading.Thread(target=lambda: box.append(fn(*args))).start()
    return box[0] if box else None


@call_in_thread.rejects("never reaches join()")
def swallows_errors(fn, *args):
    box = [None]

    def target():
        with contextlib.suppress(Exception):  # the mistake: the error vanishes
            box[0] = fn(*args)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    return box[0]


@call_in_thread.rejects("raised RuntimeError")
def wraps_errors(fn, *args):
    try:
        return reference_call_in_thread(fn, *args)
    except Exception as error:
        raise RuntimeError("it failed") from error


@call_in_thread.rejects("the very exception")
def new_error(fn, *args):
    try:
        return reference_call_in_thread(fn, *args)
    except Exception as error:
        raise type(error)(*error.args) from None


@call_in_thread.accepts
def with_a_future(fn, *args):
    """A different correct answer: a one-thread pool's Future does the handing over."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result(timeout=60)


class ResultThread(threading.Thread):
    def __init__(self, fn, args):
        super().__init__()
        self.fn, self.fn_args, self.value, self.error = fn, args, None, None

    def run(self):
        try:
            self.value = self.fn(*self.fn_args)
        except BaseException as error:
            self.error = error


@call_in_thread.accepts
def with_a_subclass(fn, *args):
    """A different correct answer: a Thread subclass keeps the outcome in attributes."""
    thread = ResultThread(fn, args)
    thread.start()
    thread.join(timeout=60)
    if thread.is_alive():
        raise TimeoutError("fn did not finish within 60 s")
    if thread.error is not None:
        raise thread.error
    return thread.value


test_call_in_thread_accepts_correct_answers, test_call_in_thread_rejects = call_in_thread.tests()


# --- 02, exercise 3: start_ticker ------------------------------------------------------------


start_ticker = Checker(ex02.check_start_ticker, fixtures=("no_new_threads",))
start_ticker.also_rejects(None, "still None")
start_ticker.also_rejects(not_started, "not started yet")


@start_ticker.accepts
def reference_start_ticker(stop, ticks):
    def tick():
        while not stop.wait(0.01):
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=tick, name="ticker")
    thread.start()
    return thread


@start_ticker.rejects("did not return within 2 s")
def joins_inside(stop, ticks):
    thread = reference_start_ticker(stop, ticks)
    thread.join()  # waits until stop is set: the checker sets it after giving up
    return thread


@start_ticker.rejects("never started")
def not_started_thread(stop, ticks):
    return threading.Thread(target=lambda: None)


@start_ticker.rejects("should return the Thread it started; got NoneType")
def returns_nothing(stop, ticks):
    reference_start_ticker(stop, ticks)


@start_ticker.rejects("ended on its own after")
def ticks_once(stop, ticks):
    thread = threading.Thread(target=ticks.append, args=("tick",))
    thread.start()
    return thread


@start_ticker.rejects("never pauses")
def busy_loop(stop, ticks):
    def spin():
        while not stop.is_set():
            ticks.append(1)

    thread = threading.Thread(target=spin)
    thread.start()
    return thread


def ticking_for(seconds):
    """A ticker that ignores stop and ends on its own after ``seconds``."""

    def start_ticker(stop, ticks):
        def tick():
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                ticks.append(time.perf_counter())
                time.sleep(0.01)

        thread = threading.Thread(target=tick)
        thread.start()
        return thread

    return start_ticker


#: Ends on its own, long after stop was set.
ignores_stop_for_a_while = start_ticker.rejects("still running")(ticking_for(1.6))
#: Lucky with timing: ticks for 0.3 s and stops, stop or no stop; a checker that sets stop at
#: about that time and looks once sees a thread that "ended promptly".
ends_on_its_own = start_ticker.rejects("before stop was set")(ticking_for(0.3))


@start_ticker.rejects("about every 10 ms")
def ticks_slowly(stop, ticks):
    def tick():
        while not stop.wait(0.1):  # every 100 ms, not every 10
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=tick)
    thread.start()
    return thread


@start_ticker.accepts
def sleeps_between_ticks(stop, ticks):
    """A different correct answer: check the flag, tick, sleep 10 ms (ends within 10 ms)."""

    def tick():
        while not stop.is_set():
            ticks.append("tick")
            time.sleep(0.01)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    return thread


class Ticker(threading.Thread):
    def __init__(self, stop, ticks):
        super().__init__(name="ticker")
        self.stop, self.ticks = stop, ticks

    def run(self):
        while not self.stop.wait(0.01):
            self.ticks.append(len(self.ticks))


@start_ticker.accepts
def start_a_ticker_subclass(stop, ticks):
    """A different correct answer: a Thread subclass that ticks in run()."""
    thread = Ticker(stop, ticks)
    thread.start()
    return thread


test_start_ticker_accepts_correct_answers, test_start_ticker_rejects = start_ticker.tests()
