"""The checkers of notebook 02 (threading): each accepts the reference solution and rejects the
typical wrong answers with a specific message, without ever raising."""

from __future__ import annotations

import contextlib
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


def test_fetch_all_accepts_the_reference(no_new_threads: None) -> None:
    feedback = ex02.check_fetch_all(reference_fetch_all)
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
        (thread_per_url, "use at most n_threads threads"),
        (errors_as_strings, "should be the exception fetch raised"),
        (failures_in_pages, "belongs in errors, not in pages"),
    ],
)
def test_fetch_all_rejects(answer: object, message: str, no_new_threads: None) -> None:
    feedback = ex02.check_fetch_all(answer)
    assert not feedback and message in feedback.message, feedback.message


# --- 02, exercise 2: call_in_thread ----------------------------------------------------------


def reference_call_in_thread(fn, *args):
    outcome = {}

    def target():
        try:
            outcome["value"] = fn(*args)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


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


def truthiness(fn, *args):
    outcome = {}

    def target():
        try:
            outcome["value"] = fn(*args)
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    return outcome.get("value") or None


def test_call_in_thread_accepts_the_reference(no_new_threads: None) -> None:
    feedback = ex02.check_call_in_thread(reference_call_in_thread)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "still None"),
        (not_started, "not started yet"),
        (lambda fn, *args: None, "fn was never called"),
        (runs_here, "fn ran on the calling thread"),
        (loses_the_result, "returned None"),
        (does_not_wait, "returned None"),
        (truthiness, "should return 0"),
        (swallows_errors, "never reaches join()"),
        (wraps_errors, "raised RuntimeError"),
        (new_error, "the very exception"),
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


def ignores_stop_for_a_while(stop, ticks):
    def tick():
        deadline = time.monotonic() + 1.6  # ends on its own, after the checker's 1 s patience
        while time.monotonic() < deadline:
            ticks.append(time.perf_counter())
            time.sleep(0.01)

    thread = threading.Thread(target=tick)
    thread.start()
    return thread


def test_start_ticker_accepts_the_reference(no_new_threads: None) -> None:
    feedback = ex02.check_start_ticker(reference_start_ticker)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "still None"),
        (not_started, "not started yet"),
        (joins_inside, "did not return within 2 s"),
        (returns_nothing, "should return the Thread it started; got NoneType"),
        (not_started_thread, "never started"),
        (ticks_once, "the thread already ended with 1 tick(s)"),
        (busy_loop, "never pauses"),
        (ignores_stop_for_a_while, "still running"),
    ],
)
def test_start_ticker_rejects(answer: object, message: str, no_new_threads: None) -> None:
    feedback = ex02.check_start_ticker(answer)
    assert not feedback and message in feedback.message, feedback.message
