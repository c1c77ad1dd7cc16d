"""Checkers of notebook 12: each accepts two different correct answers and rejects plausible
wrong ones, including one that works only by luck of timing. Nothing is left running.

They need no Dask: the checkers hand the answers a scripted ``concurrent.futures.Executor``.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, as_completed, wait
from typing import Any

import pytest
from checker_cases import Checker, assert_rejected, assert_solutions_pass  # tests/support/

from helpers.lessons.beyond_one_machine.exercises import (
    ScriptedExecutor,
    check_chunked_sum,
    check_first_done,
    check_results_in_order,
)

pytestmark = pytest.mark.usefixtures("nothing_left")


# --- Exercise 1 ----------------------------------------------------------------------------------


in_order = Checker(check_results_in_order)
in_order.also_rejects(None, "still None")


@in_order.accepts
def in_order_submit(executor: Any, fn: Any, items: list[Any], timeout: float) -> list[Any]:
    futures = [executor.submit(fn, item) for item in items]
    deadline = time.monotonic() + timeout
    return [f.result(timeout=max(0.0, deadline - time.monotonic())) for f in futures]


@in_order.accepts
def in_order_map(executor: Any, fn: Any, items: list[Any], timeout: float) -> list[Any]:
    return list(executor.map(fn, items, timeout=timeout))


@in_order.rejects("order the tasks finished")
def in_finishing_order(executor: Any, fn: Any, items: list[Any], timeout: float) -> list[Any]:
    # Luck of timing: right only when the tasks happen to finish in the order submitted.
    futures = [executor.submit(fn, item) for item in items]
    return [f.result() for f in as_completed(futures, timeout=timeout)]


@in_order.rejects("no bound")
def without_a_bound(executor: Any, fn: Any, items: list[Any], timeout: float) -> list[Any]:
    futures = [executor.submit(fn, item) for item in items]
    return [f.result() for f in futures]


@in_order.rejects("shut the executor down")
def shuts_it_down(executor: Any, fn: Any, items: list[Any], timeout: float) -> list[Any]:
    with executor:
        return list(executor.map(fn, items, timeout=timeout))


@in_order.rejects("one task per item")
def serial(executor: Any, fn: Any, items: list[Any], timeout: float) -> list[Any]:
    return [fn(item) for item in items]


test_in_order_accepts_correct_answers, test_in_order_rejects_mistakes = in_order.tests()


def test_the_reference_runs_on_a_real_pool_too() -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert in_order_submit(pool, abs, [-1, -2, 3], 5) == [1, 2, 3]


# --- Exercise 2 ----------------------------------------------------------------------------------


first_done = Checker(check_first_done)
first_done.also_rejects(None, "still None")


@first_done.accepts
def first_with_wait(executor: Any, fn: Any, items: list[Any], timeout: float) -> Any:
    futures = {executor.submit(fn, item): item for item in items}
    done, not_done = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
    for future in not_done:
        future.cancel()
    if not done:
        raise TimeoutError(f"no answer within {timeout} s")
    winner = done.pop()
    return futures[winner], winner.result()


@first_done.accepts
def first_with_as_completed(executor: Any, fn: Any, items: list[Any], timeout: float) -> Any:
    futures = {executor.submit(fn, item): item for item in items}
    try:
        winner = next(as_completed(futures, timeout=timeout))
    finally:
        for future in futures:
            future.cancel()
    return futures[winner], winner.result()


@first_done.rejects("first task it submitted")
def first_submitted(executor: Any, fn: Any, items: list[Any], timeout: float) -> Any:
    # Luck of timing: the first task submitted is not always the first to finish.
    futures = [executor.submit(fn, item) for item in items]
    try:
        return items[0], futures[0].result(timeout=timeout)
    finally:
        for future in futures[1:]:
            future.cancel()


@first_done.rejects("not cancelled")
def first_without_cancel(executor: Any, fn: Any, items: list[Any], timeout: float) -> Any:
    futures = {executor.submit(fn, item): item for item in items}
    done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
    winner = done.pop()
    return futures[winner], winner.result()


@first_done.rejects("first to finish")
def waits_for_all(executor: Any, fn: Any, items: list[Any], timeout: float) -> Any:
    futures = {executor.submit(fn, item): item for item in items}
    done, not_done = wait(futures, timeout=timeout)
    if not_done:
        raise TimeoutError("not all done")
    winner = next(iter(done))
    return futures[winner], winner.result()


test_first_done_accepts_correct_answers, test_first_done_rejects_mistakes = first_done.tests()


# --- Exercise 3 ----------------------------------------------------------------------------------


chunked_sum = Checker(check_chunked_sum)
chunked_sum.also_rejects(None, "still None")


@chunked_sum.accepts
def chunked_slices(executor: Any, fn: Any, numbers: list[int], chunks: int, timeout: float) -> int:
    size = -(-len(numbers) // chunks)  # rounded up: the last chunk takes the rest
    futures = [executor.submit(fn, numbers[i : i + size]) for i in range(0, len(numbers), size)]
    deadline = time.monotonic() + timeout
    return sum(f.result(timeout=max(0.0, deadline - time.monotonic())) for f in futures)


@chunked_sum.accepts
def chunked_stride(executor: Any, fn: Any, numbers: list[int], chunks: int, timeout: float) -> int:
    parts = [numbers[i::chunks] for i in range(chunks)]
    return sum(executor.map(fn, parts, timeout=timeout))


@chunked_sum.rejects("103 tasks")
def one_task_each(executor: Any, fn: Any, numbers: list[int], chunks: int, timeout: float) -> int:
    futures = [executor.submit(fn, [n]) for n in numbers]
    return sum(f.result(timeout=timeout) for f in futures)


@chunked_sum.rejects("exactly once")
def drops_the_rest(executor: Any, fn: Any, numbers: list[int], chunks: int, timeout: float) -> int:
    size = len(numbers) // chunks
    futures = [executor.submit(fn, numbers[i * size : (i + 1) * size]) for i in range(chunks)]
    return sum(f.result(timeout=timeout) for f in futures)


@chunked_sum.rejects("slow tasks")
def sums_what_is_done(
    executor: Any, fn: Any, numbers: list[int], chunks: int, timeout: float
) -> int:
    # Luck of timing: "0.1 s is plenty" holds on a quick executor only.
    parts = [numbers[i::chunks] for i in range(chunks)]
    futures = [executor.submit(fn, part) for part in parts]
    done, _ = wait(futures, timeout=0.1)
    return sum(f.result() for f in done)


test_chunked_sum_accepts_correct_answers, test_chunked_sum_rejects_mistakes = chunked_sum.tests()


def test_the_stubs_say_not_started_yet() -> None:
    def stub(*args: Any) -> Any:
        raise NotImplementedError

    for check in (check_results_in_order, check_first_done, check_chunked_sum):
        assert_rejected(check(stub), "not started yet")


def test_the_scripted_executor_ends_every_future() -> None:
    executor = ScriptedExecutor(lambda n: None, running=1)
    futures = [executor.submit(abs, -n) for n in range(3)]
    executor.finish_all()
    assert futures[0].result(timeout=1) == 0
    assert all(f.cancelled() for f in futures[1:])


def test_the_solutions_in_the_lesson_pass() -> None:
    assert_solutions_pass(
        "12_beyond_one_machine.md",
        {"time": time},
        {
            "results_in_order": check_results_in_order,
            "first_done": check_first_done,
            "chunked_sum": check_chunked_sum,
        },
    )
