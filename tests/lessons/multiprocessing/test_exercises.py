"""Checkers of notebook 08: each accepts the reference solution and a different correct answer,
and rejects plausible wrong answers (one of which only works by luck of timing, or of the start
method) with a specific message. Checkers that run processes are tested under the platform's
default start method and under ``spawn``."""

from __future__ import annotations

import functools
import multiprocessing.connection
import operator
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from helpers.core.checks import Feedback
from helpers.core.lifecycle import stop
from helpers.lessons.multiprocessing import child
from helpers.lessons.multiprocessing import exercises as ex08

pytestmark = pytest.mark.usefixtures("nothing_left")


def rejected(feedback: Feedback, *words: str) -> None:
    assert not feedback.ok, feedback.message
    for word in words:
        assert word in feedback.message, feedback.message


def status_of(exitcode: int | None) -> str:
    if exitcode is None:
        return "running"
    if exitcode == 0:
        return "ok"
    return "error" if exitcode > 0 else "signal"


# --- Exercise 1: wait_and_describe ---------------------------------------------------------------


def wait_and_describe(process: Any, timeout: float) -> str:  # the solution in the notebook
    process.join(timeout)
    if process.is_alive():
        return "running"
    return status_of(process.exitcode)


def test_wait_and_describe_accepts_the_solution(start_method: str) -> None:
    assert ex08.check_wait_and_describe(wait_and_describe).ok


def test_wait_and_describe_accepts_reading_the_exit_code_alone(start_method: str) -> None:
    def exit_code_only(process: Any, timeout: float) -> str:
        process.join(timeout)
        return status_of(process.exitcode)  # None while it runs

    assert ex08.check_wait_and_describe(exit_code_only).ok


def test_wait_and_describe_accepts_waiting_on_the_sentinel(start_method: str) -> None:
    def on_sentinel(process: Any, timeout: float) -> str:
        if not multiprocessing.connection.wait([process.sentinel], timeout):
            return "running"
        # The sentinel is ready once the child closed its end, a moment before the operating
        # system can report its exit status: reap it, briefly (is_alive() may still say True).
        process.join(5)
        return status_of(process.exitcode)

    assert ex08.check_wait_and_describe(on_sentinel).ok


def test_wait_and_describe_rejects_a_sleep_that_usually_suffices(start_method: str) -> None:
    # Lucky timing: a child that ends at once (under fork) is done after 0.3 s, so this
    # passes a quick check; the 2-second child is still running when it looks.
    def sleeps(process: Any, timeout: float) -> str:
        time.sleep(min(timeout, 0.3))
        return status_of(process.exitcode)

    rejected(ex08.check_wait_and_describe(sleeps), "not 'ok'")


def test_wait_and_describe_rejects_sleeping_the_whole_timeout(start_method: str) -> None:
    def sleeps_it_all(process: Any, timeout: float) -> str:
        time.sleep(timeout)
        return status_of(process.exitcode)

    rejected(ex08.check_wait_and_describe(sleeps_it_all), "a sleep does not")


def test_wait_and_describe_rejects_an_unbounded_join(start_method: str) -> None:
    def waits_forever(process: Any, timeout: float) -> str:
        process.join()
        return status_of(process.exitcode)

    rejected(ex08.check_wait_and_describe(waits_forever), "still waiting", "join(timeout)")


def test_wait_and_describe_rejects_sign_and_liveness_mistakes(start_method: str) -> None:
    def negative_is_error(process: Any, timeout: float) -> str:
        process.join(timeout)
        code = process.exitcode
        return "running" if code is None else "ok" if code == 0 else "error"

    def alive_is_all(process: Any, timeout: float) -> str:
        process.join(timeout)
        return "running" if process.is_alive() else "ok"

    def stops_it(process: Any, timeout: float) -> str:
        return status_of(stop([process], timeout).exitcodes[0])  # terminates a running child

    rejected(ex08.check_wait_and_describe(negative_is_error), "SIGKILL", "'signal'")
    rejected(ex08.check_wait_and_describe(alive_is_all), "sys.exit(3)", "'error'")
    rejected(ex08.check_wait_and_describe(stops_it), "for a minute", "'running'")
    rejected(ex08.check_wait_and_describe(None), "still None")
    rejected(ex08.check_wait_and_describe(lambda p, t: "fine"), "one of")


# --- Exercise 2: default start methods -----------------------------------------------------------

RIGHT_METHODS = {
    "Linux, Python 3.12": "fork",
    "Linux, Python 3.14": "forkserver",
    "macOS, Python 3.12": "spawn",
    "Windows, Python 3.12": "spawn",
}


def test_default_start_methods() -> None:
    assert ex08.check_default_start_methods(RIGHT_METHODS).ok
    check = ex08.check_default_start_methods
    rejected(check({**RIGHT_METHODS, "Linux, Python 3.14": "fork"}), "3.14")
    rejected(check({**RIGHT_METHODS, "Linux, Python 3.12": "forkserver"}), "up to 3.13")
    rejected(check({**RIGHT_METHODS, "macOS, Python 3.12": "fork"}), "3.8")
    rejected(check({**RIGHT_METHODS, "Windows, Python 3.12": "fork"}), "no fork")
    rejected(check({**RIGHT_METHODS, "Windows, Python 3.12": "thread"}), "not a")
    rejected(check({"Linux, Python 3.12": "fork"}), "missing")
    rejected(check(None), "still None")


# --- Exercise 3: tripler -------------------------------------------------------------------------


class _Times3:
    def __call__(self, x: int) -> int:
        return 3 * x


def test_tripler_accepts_partials_of_module_functions() -> None:
    assert ex08.check_tripler(functools.partial(child.scale, 3)).ok
    assert ex08.check_tripler(functools.partial(operator.mul, 3)).ok  # a different answer


def test_tripler_rejects_what_pickle_cannot_send() -> None:
    def make_local() -> Any:
        class Local:
            def __call__(self, x: int) -> int:
                return 3 * x

        return Local()

    rejected(ex08.check_tripler(lambda x: 3 * x), "could not send", "lambdas")
    rejected(ex08.check_tripler(child.make_scaler(3)), "could not send")
    rejected(ex08.check_tripler(make_local()), "could not send")


def triple(x: int) -> int:
    return 3 * x


def test_tripler_rejects_a_function_that_only_works_under_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Lucky start method: a function defined in a notebook cell pickles by name
    # (__main__.triple), and a forked worker, a copy of the kernel, finds it there.
    monkeypatch.setattr(triple, "__module__", "__main__")
    monkeypatch.setattr(sys.modules["__main__"], "triple", triple, raising=False)
    rejected(ex08.check_tripler(triple), "__main__", "spawned")
    rejected(ex08.check_tripler(functools.partial(triple)), "__main__")


def test_tripler_rejects_wrong_values() -> None:
    rejected(ex08.check_tripler(child.scale), "scale() missing")
    rejected(ex08.check_tripler(functools.partial(child.scale, 2)), "should be 12")
    rejected(ex08.check_tripler(None), "still None")
    rejected(ex08.check_tripler(3), "should be a function")


# --- Exercise 4: run_all -------------------------------------------------------------------------


def test_run_all_accepts_the_solution(ctx: Any) -> None:
    def run_all(task: Any, items: list[int], workers: int) -> list[Any]:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            return list(pool.map(task, items, timeout=60))

    assert ex08.check_run_all(run_all).ok


def test_run_all_accepts_try_finally_and_submit(ctx: Any) -> None:
    def run_all(task: Any, items: list[int], workers: int) -> list[Any]:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        try:
            futures = [pool.submit(task, item) for item in items]
            return [f.result(timeout=60) for f in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    assert ex08.check_run_all(run_all).ok


def test_run_all_rejects_a_shutdown_that_does_not_wait(ctx: Any) -> None:
    # Lucky timing: the workers exit a moment after shutdown(wait=False) returns, so a check
    # made a little later would find nothing left. Here the workers linger on exit.
    def no_wait(task: Any, items: list[int], workers: int) -> list[Any]:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        try:
            return list(pool.map(task, items, timeout=60))
        finally:
            pool.shutdown(wait=False)

    rejected(ex08.check_run_all(no_wait), "still running")


def test_run_all_rejects_a_pool_shut_down_only_on_success(ctx: Any) -> None:
    def happy_path_only(task: Any, items: list[int], workers: int) -> list[Any]:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        results = list(pool.map(task, items, timeout=60))
        pool.shutdown(wait=True)
        return results

    rejected(ex08.check_run_all(happy_path_only), "still running", "whatever happens")


def test_run_all_rejects_leaks_swallowed_errors_and_threads(ctx: Any) -> None:
    def never_shut_down(task: Any, items: list[int], workers: int) -> list[Any]:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        return list(pool.map(task, items, timeout=60))

    def swallows(task: Any, items: list[int], workers: int) -> list[Any]:
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                return list(pool.map(task, items, timeout=60))
        except Exception:
            return []

    def on_threads(task: Any, items: list[int], workers: int) -> list[Any]:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(task, items, timeout=60))

    rejected(ex08.check_run_all(never_shut_down), "still running")
    rejected(ex08.check_run_all(swallows), "returned normally", "error was lost")
    rejected(ex08.check_run_all(on_threads), "notebook's own process")
    rejected(ex08.check_run_all(None), "still None")


def test_the_injected_failures_are_real(ctx: Any) -> None:
    """The checker's tasks do what the messages say: raise, and kill their worker."""
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        assert pool.submit(child.square_or_fail, 3).result(timeout=60).square == 9
        assert isinstance(pool.submit(child.square_or_fail, -3).exception(timeout=60), ValueError)
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        error = pool.submit(child.square_or_die, -1).exception(timeout=60)
    assert type(error).__name__ == "BrokenProcessPool"
