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

from helpers.lessons.threading import exercises as ex02


def not_started(*args: object) -> object:
    raise NotImplementedError


# --- 02, exercise 1: fetch_all ---------------------------------------------------------------


def reference_fetch_all(urls, n_threads, fetch):
    pages, errors = {}, {}

    def worker(first):
        for url in urls[first::n_threads]:
            try:
                pages[url] = fetch(url)
            except Exception as error:
                errors[url] = error

    workers = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    return pages, errors


def serial_fetch_all(urls, n_threads, fetch):
    pages, errors = {}, {}
    for url in urls:
        try:
            pages[url] = fetch(url)
        except Exception as error:
            errors[url] = error
    return pages, errors


def joined_too_early(urls, n_threads, fetch):
    pages, errors = {}, {}

    def worker(first):
        for url in urls[first::n_threads]:
            try:
                pages[url] = fetch(url)
            except Exception as error:
                errors[url] = error

    for k in range(n_threads):
        t = threading.Thread(target=worker, args=(k,))
        t.start()
        t.join(timeout=60)  # one at a time: no overlap
    return pages, errors


def uncaught(urls, n_threads, fetch):
    pages = {}
    previous = threading.excepthook
    threading.excepthook = lambda args: None  # keep the test output quiet

    def worker(first):
        for url in urls[first::n_threads]:
            pages[url] = fetch(url)

    try:
        workers = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(timeout=60)
    finally:
        threading.excepthook = previous
    return pages, {}


def no_join(urls, n_threads, fetch):
    pages, errors = {}, {}

    def worker(first):
        for url in urls[first::n_threads]:
            try:
                pages[url] = fetch(url)
            except Exception as error:
                errors[url] = error

    for k in range(n_threads):
        threading.Thread(target=worker, args=(k,)).start()
    return pages, errors


def thread_per_url(urls, n_threads, fetch):
    pages, errors = {}, {}

    def one(url):
        try:
            pages[url] = fetch(url)
        except Exception as error:
            errors[url] = error

    workers = [threading.Thread(target=one, args=(url,)) for url in urls]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    return pages, errors


def errors_as_strings(urls, n_threads, fetch):
    pages, errors = reference_fetch_all(urls, n_threads, fetch)
    return pages, {url: str(error) for url, error in errors.items()}


def failures_in_pages(urls, n_threads, fetch):
    pages, errors = reference_fetch_all(urls, n_threads, fetch)
    return {**pages, **dict.fromkeys(errors)}, errors


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


def _worker_for(urls, pages, errors):
    def fetch_one(url, fetch):
        try:
            pages[url] = fetch(url)
        except Exception as error:
            errors[url] = error

    return fetch_one


def sleeps_instead_of_joining(urls, n_threads, fetch):
    """Lucky with timing: 0.3 s is plenty for pages of about 10 ms, until one page is slow."""
    pages, errors = {}, {}
    one = _worker_for(urls, pages, errors)

    def worker(first):
        for url in urls[first::n_threads]:
            one(url, fetch)

    for k in range(n_threads):
        threading.Thread(target=worker, args=(k,)).start()
    time.sleep(0.3)
    return pages, errors


def joins_briefly(urls, n_threads, fetch):
    """Lucky with timing: join(timeout=0.3) returns whether or not the thread has finished."""
    pages, errors = {}, {}
    one = _worker_for(urls, pages, errors)

    def worker(first):
        for url in urls[first::n_threads]:
            one(url, fetch)

    workers = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=0.3)  # and no is_alive() check
    return pages, errors


def batches_spaced_by_sleep(urls, n_threads, fetch):
    """Lucky with timing: a batch of n threads, a pause "long enough", the next batch."""
    pages, errors = {}, {}
    one = _worker_for(urls, pages, errors)
    started = []
    for first in range(0, len(urls), n_threads):
        for url in urls[first : first + n_threads]:
            t = threading.Thread(target=one, args=(url, fetch))
            t.start()
            started.append(t)
        time.sleep(0.2)
    for t in started:
        t.join(timeout=60)
    return pages, errors


def batches_joined(urls, n_threads, fetch):
    """A different correct answer: a batch of at most n threads, joined, then the next batch
    (more than n threads in all, never more than n at once)."""
    pages, errors = {}, {}
    one = _worker_for(urls, pages, errors)
    for first in range(0, len(urls), n_threads):
        batch = [
            threading.Thread(target=one, args=(url, fetch))
            for url in urls[first : first + n_threads]
        ]
        for t in batch:
            t.start()
        for t in batch:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in batch)
    return pages, errors


def shared_queue(urls, n_threads, fetch):
    """A different correct answer: n workers take URLs from a shared queue until it is empty."""
    pages, errors = {}, {}
    one = _worker_for(urls, pages, errors)
    todo = queue.SimpleQueue()
    for url in urls:
        todo.put(url)

    def worker():
        while True:
            try:
                url = todo.get_nowait()
            except queue.Empty:
                return
            one(url, fetch)

    workers = [threading.Thread(target=worker) for _ in range(min(n_threads, len(urls)))]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    return pages, errors


@pytest.mark.parametrize("answer", [reference_fetch_all, batches_joined, shared_queue])
def test_fetch_all_accepts_correct_answers(answer, no_new_threads: None) -> None:
    feedback = ex02.check_fetch_all(answer)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "still None"),
        (not_started, "not started yet"),
        (lambda urls, n, fetch: [], "should return two dicts"),
        (serial_fetch_all, "fetched on the calling thread"),
        (calls_target_now, "target=worker, not target=worker()"),
        (joined_too_early, "join each thread right after starting it"),
        (uncaught, "join() never sees it"),
        (no_join, "join every thread before returning"),
        (thread_per_url, "of your threads were alive at the same time"),
        (sleeps_instead_of_joining, "was still fetching a slow page"),
        (joins_briefly, "after a join(timeout) check is_alive()"),
        (batches_spaced_by_sleep, "of your threads were alive at the same time"),
        (errors_as_strings, "should be the exception fetch raised"),
        (failures_in_pages, "belongs in errors, not in pages"),
    ],
)
def test_fetch_all_rejects(answer: object, message: str, no_new_threads: None) -> None:
    feedback = ex02.check_fetch_all(answer)
    assert not feedback and message in feedback.message, feedback.message


# --- 02, exercise 2: call_in_thread ----------------------------------------------------------


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


def reference_call_in_thread(fn, *args):
    outcome = {}
    thread = threading.Thread(target=keeping(fn, args, outcome))
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    return handed_over(outcome)


def truthiness(fn, *args):
    outcome = {}
    thread = threading.Thread(target=keeping(fn, args, outcome))
    thread.start()
    thread.join(timeout=60)
    return outcome.get("value") or None


def catches_only_exceptions(fn, *args):
    """Plausible: `except Exception` keeps ValueError, but SystemExit ends the thread silently."""
    outcome = {}
    thread = threading.Thread(target=keeping(fn, args, outcome, catching=Exception))
    thread.start()
    thread.join(timeout=60)
    return handed_over(outcome)


def sleeps_then_reads(fn, *args):
    """Lucky with timing: 0.2 s is enough for a quick fn."""
    outcome = {}
    threading.Thread(target=keeping(fn, args, outcome)).start()
    time.sleep(0.2)
    return handed_over(outcome) if outcome else None


def joins_briefly_and_reads(fn, *args):
    """Lucky with timing: join(timeout=0.2) without asking is_alive() afterwards."""
    outcome = {}
    thread = threading.Thread(target=keeping(fn, args, outcome))
    thread.start()
    thread.join(timeout=0.2)
    return handed_over(outcome) if outcome else None


def runs_here(fn, *args):
    return fn(*args)


def loses_the_result(fn, *args):
    thread = threading.Thread(target=fn, args=args)
    thread.start()
    thread.join(timeout=60)


def does_not_wait(fn, *args):
    box = []
    threading.Thread(target=lambda: box.append(fn(*args))).start()
    return box[0] if box else None


def swallows_errors(fn, *args):
    box = [None]

    def target():
        with contextlib.suppress(Exception):  # the mistake: the error vanishes
            box[0] = fn(*args)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    return box[0]


def wraps_errors(fn, *args):
    try:
        return reference_call_in_thread(fn, *args)
    except Exception as error:
        raise RuntimeError("it failed") from error


def new_error(fn, *args):
    try:
        return reference_call_in_thread(fn, *args)
    except Exception as error:
        raise type(error)(*error.args) from None


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


@pytest.mark.parametrize("answer", [reference_call_in_thread, with_a_future, with_a_subclass])
def test_call_in_thread_accepts_correct_answers(answer, no_new_threads: None) -> None:
    feedback = ex02.check_call_in_thread(answer)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "still None"),
        (not_started, "not started yet"),
        (lambda fn, *args: None, "fn was never called"),
        (runs_here, "fn ran on the calling thread"),
        (loses_the_result, "returned None"),
        (does_not_wait, "returned while fn was still running"),
        (truthiness, "should return 0"),
        (swallows_errors, "never reaches join()"),
        (wraps_errors, "raised RuntimeError"),
        (new_error, "the very exception"),
        pytest.param(
            catches_only_exceptions,
            "SystemExit is not an Exception",
            # pytest's own except hook reports the SystemExit the default hook would ignore
            marks=pytest.mark.filterwarnings(
                "ignore::pytest.PytestUnhandledThreadExceptionWarning"
            ),
        ),
        (sleeps_then_reads, "returned while fn was still running"),
        (joins_briefly_and_reads, "check is_alive()"),
    ],
)
def test_call_in_thread_rejects(answer: object, message: str, no_new_threads: None) -> None:
    feedback = ex02.check_call_in_thread(answer)
    assert not feedback and message in feedback.message, feedback.message


# --- 02, exercise 3: start_ticker ------------------------------------------------------------


def reference_start_ticker(stop, ticks):
    def tick():
        while not stop.wait(0.01):
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=tick, name="ticker")
    thread.start()
    return thread


def joins_inside(stop, ticks):
    thread = reference_start_ticker(stop, ticks)
    thread.join()  # waits until stop is set: the checker sets it after giving up
    return thread


def not_started_thread(stop, ticks):
    return threading.Thread(target=lambda: None)


def returns_nothing(stop, ticks):
    reference_start_ticker(stop, ticks)


def ticks_once(stop, ticks):
    thread = threading.Thread(target=ticks.append, args=("tick",))
    thread.start()
    return thread


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
ignores_stop_for_a_while = ticking_for(1.6)
#: Lucky with timing: ticks for 0.3 s and stops, stop or no stop; a checker that sets stop at
#: about that time and looks once sees a thread that "ended promptly".
ends_on_its_own = ticking_for(0.3)


def ticks_slowly(stop, ticks):
    def tick():
        while not stop.wait(0.1):  # every 100 ms, not every 10
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=tick)
    thread.start()
    return thread


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


@pytest.mark.parametrize(
    "answer",
    [
        reference_start_ticker,
        sleeps_between_ticks,
        lambda stop, ticks: _started(Ticker(stop, ticks)),
    ],
)
def test_start_ticker_accepts_correct_answers(answer, no_new_threads: None) -> None:
    feedback = ex02.check_start_ticker(answer)
    assert feedback, feedback.message


def _started(thread):
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "still None"),
        (not_started, "not started yet"),
        (joins_inside, "did not return within 2 s"),
        (returns_nothing, "should return the Thread it started; got NoneType"),
        (not_started_thread, "never started"),
        (ticks_once, "ended on its own after"),
        (busy_loop, "never pauses"),
        (ignores_stop_for_a_while, "still running"),
        (ends_on_its_own, "before stop was set"),
        (ticks_slowly, "about every 10 ms"),
    ],
)
def test_start_ticker_rejects(answer: object, message: str, no_new_threads: None) -> None:
    feedback = ex02.check_start_ticker(answer)
    assert not feedback and message in feedback.message, feedback.message
