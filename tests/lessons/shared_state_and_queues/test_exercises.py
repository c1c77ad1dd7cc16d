"""The checkers of notebook 03 accept the reference answers and reject typical mistakes with a
specific message, without ever raising or hanging."""

from __future__ import annotations

import queue
import threading
from typing import Any

import pytest
from checker_cases import Checker, assert_rejected, not_started  # tests/support/

from helpers.lab import patched_now
from helpers.lessons.shared_state_and_queues import exercises as ex03
from helpers.lessons.shared_state_and_queues.connections import Pool


def test_safe_operations_reference() -> None:
    assert ex03.check_safe_operations({"a", "d", "e", "f"})
    assert ex03.check_safe_operations(["A", "f", "e", "d"])  # case and container do not matter


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "set safe"),
        ("adef", "set of letters"),
        ({"a", "d", "e", "f", "z"}, "not options"),
        ({"a", "b", "d", "e", "f"}, "counter += 1"),
        ({"a", "c", "d", "e", "f"}, "check-then-act"),
        ({"a", "d", "e", "f", "g"}, "dictionary changed size during iteration"),
        ({"d", "e", "f"}, "results.append"),
        ({"a", "e", "f"}, "single store"),
        ({"a", "d", "f"}, "queue.Queue takes its own lock"),
        ({"a", "d", "e"}, "popleft"),
    ],
)
def test_safe_operations_rejects(answer: object, message: str) -> None:
    assert_rejected(ex03.check_safe_operations(answer), message)


consumer = Checker(ex03.check_consumer)
consumer.also_rejects(None, "write the function")
consumer.also_rejects(42, "should be a function")
consumer.also_rejects(not_started, "not started yet")


@consumer.accepts
def consume_reference(q: queue.Queue[Any], results: list[int]) -> None:
    while True:
        item = q.get(timeout=5)  # the sentinel ends the loop; the timeout is a safety net
        if item is None:
            q.task_done()
            return
        results.append(item * item)
        q.task_done()


@consumer.rejects("still waiting in q.get()")
def consume_ignores_sentinel(q: queue.Queue[Any], results: list[int]) -> None:
    while True:  # the textbook consumer: no way out
        item = q.get()
        if item is not None:
            results.append(item * item)
        q.task_done()


@consumer.rejects("treated the sentinel None as an item")
def consume_processes_sentinel(q: queue.Queue[Any], results: list[int]) -> None:
    while True:
        item = q.get()
        results.append(item * item)
        q.task_done()
        if item is None:
            return


@consumer.rejects("stopped before it got its sentinel")
def consume_until_empty(q: queue.Queue[Any], results: list[int]) -> None:
    """Wrong, and lucky with timing: with a producer faster than its consumers (as in most
    quick tests) the queue is never empty before the end. The checker's producer is slower."""
    while True:
        try:
            item = q.get(timeout=0.0005)
        except queue.Empty:
            return  # "empty means done": wrong, the producer may just be slower
        if item is None:
            q.task_done()
            return
        results.append(item * item)
        q.task_done()


@consumer.rejects("never marked done")
def consume_without_task_done(q: queue.Queue[Any], results: list[int]) -> None:
    while (item := q.get()) is not None:
        results.append(item * item)


@consumer.rejects("the sentinel included")
def consume_forgets_sentinel_task_done(q: queue.Queue[Any], results: list[int]) -> None:
    while (item := q.get()) is not None:
        results.append(item * item)
        q.task_done()


@consumer.rejects("left in the queue")
def consume_puts_sentinel_back(q: queue.Queue[Any], results: list[int]) -> None:
    consume_reference(q, results)
    q.put(None)


@consumer.rejects("item * item")
def consume_wrong_value(q: queue.Queue[Any], results: list[int]) -> None:
    while (item := q.get()) is not None:
        results.append(item + item)
        q.task_done()
    q.task_done()


@consumer.accepts
def consume_task_done_in_finally(q: queue.Queue[Any], results: list[int]) -> None:
    """Correct, and not the reference: one task_done() per get(), in a finally."""
    while True:
        item = q.get(timeout=5)
        try:
            if item is None:
                return
            results.append(item * item)
        finally:
            q.task_done()


test_consumer_accepts_correct_answers, test_consumer_rejects = consumer.tests()


def test_bottleneck_reference() -> None:
    assert ex03.check_bottleneck(30, "consumers", 10)
    assert ex03.check_bottleneck(30.0, " Consumers ", 10)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((None, "consumers", 10), "throughput to a number"),
        ((100, "consumers", 10), "what the producers could make"),
        ((130, "consumers", 10), "do not add up"),
        ((10, "consumers", 10), "one consumer's rate"),
        ((50, "consumers", 10), "slower one"),
        ((30, "producers", 10), "slower stage"),
        ((30, "queue", 10), "'producers' or 'consumers'"),
        ((30, "consumers", 0), "consumers are faster"),
        ((30, "consumers", 4), "maxsize"),
        ((30, "consumers", None), "queue_length to a number"),
    ],
)
def test_bottleneck_rejects(answer: tuple[object, object, object], message: str) -> None:
    assert_rejected(ex03.check_bottleneck(*answer), message)


# --- Exercise 4: one connection, proven over every interleaving ----------------------------
# The answers live in this file, which the checker steps one instruction at a time, as it
# steps a notebook cell.

A_LOCK_MADE_IN_A_CELL = threading.Lock()


def nothing_patched() -> None:
    assert not patched_now()


connection = Checker(
    ex03.check_connection, says=("explored", "no violation"), after_rejecting=nothing_patched
)
connection.also_rejects(None, "write the function")


@connection.rejects("2 connections were opened")
def connection_as_given(pool: Pool, name: str) -> Any:
    """Wrong, and lucky with timing: one call at a time (as a quick test runs it) it is right,
    and two real threads almost never meet in the window between the check and the insert.
    The other answers wrap it in a lock, or not quite."""
    if name not in pool.connections:
        pool.connections[name] = pool.open(name)
    return pool.connections[name]


@connection.rejects("2 connections were opened")
def connection_lock_around_the_check_only(pool: Pool, name: str) -> Any:
    with pool.lock:
        missing = name not in pool.connections
    if missing:
        pool.connections[name] = pool.open(name)
    return pool.connections[name]


@connection.rejects("2 connections were opened")
def connection_checks_once_outside_the_lock(pool: Pool, name: str) -> Any:
    if name not in pool.connections:  # both threads can pass this check ...
        with pool.lock:  # ... and then open one each, one after the other
            pool.connections[name] = pool.open(name)
    return pool.connections[name]


@connection.rejects("2 connections were opened")
def connection_new_lock_per_call(pool: Pool, name: str) -> Any:
    with threading.Lock():  # nobody else ever waits for this one
        return connection_as_given(pool, name)


@connection.rejects("opens one on every call")
def connection_setdefault(pool: Pool, name: str) -> Any:
    return pool.connections.setdefault(name, pool.open(name))  # opens one on every call


@connection.rejects("pool.lock was still locked")
def connection_returns_holding_the_lock(pool: Pool, name: str) -> Any:
    pool.lock.acquire()
    if name in pool.connections:
        return pool.connections[name]  # returns with the lock still held
    pool.connections[name] = pool.open(name)
    pool.lock.release()
    return pool.connections[name]


@connection.rejects("Use pool.lock")
def connection_with_a_cell_lock(pool: Pool, name: str) -> Any:
    with A_LOCK_MADE_IN_A_CELL:  # shared by every thread, but made before the check
        return connection_as_given(pool, name)


@connection.accepts
def connection_model(pool: Pool, name: str) -> Any:
    with pool.lock:
        return connection_as_given(pool, name)


@connection.accepts
def connection_double_checked(pool: Pool, name: str) -> Any:
    """Correct, and not the model answer: a lock-free fast path, then check again inside."""
    found = pool.connections.get(name)
    if found is not None:
        return found
    with pool.lock:
        return connection_as_given(pool, name)


def test_the_lucky_answer_is_right_one_call_at_a_time() -> None:
    pool = Pool()
    first, second = connection_as_given(pool, "db"), connection_as_given(pool, "db")
    assert first is second and pool.opened == 1  # what a quick test sees


test_connection_accepts_correct_answers_with_a_proof, test_connection_rejects = connection.tests()


def test_a_race_is_shown_with_its_schedule_the_same_every_time() -> None:
    first = ex03.check_connection(connection_as_given)
    second = ex03.check_connection(connection_as_given)
    assert "⇄" in first.message  # the switches of the counterexample table
    assert first.message == second.message  # no timing anywhere: the same schedule
    verdict = ex03.prove_connection(connection_as_given)
    assert not verdict.ok and verdict.counterexample is not None
    assert verdict.counterexample.outcome.state.opened == 2
