"""The checkers of notebook 03 accept the reference answers and reject typical mistakes with a
specific message, without ever raising or hanging."""

from __future__ import annotations

import queue
from typing import Any

import pytest

from helpers.lessons.shared_state_and_queues import exercises as ex03


def test_safe_operations_reference() -> None:
    assert ex03.check_safe_operations({"a", "d", "e"})
    assert ex03.check_safe_operations(["A", "e", "d"])  # case and container do not matter


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "set safe"),
        ("ade", "set of letters"),
        ({"a", "d", "e", "z"}, "not options"),
        ({"a", "b", "d", "e"}, "counter += 1"),
        ({"a", "c", "d", "e"}, "check-then-act"),
        ({"d", "e"}, "results.append"),
        ({"a", "e"}, "single store"),
        ({"a", "d"}, "queue.Queue takes its own lock"),
    ],
)
def test_safe_operations_rejects(answer: object, message: str) -> None:
    feedback = ex03.check_safe_operations(answer)
    assert not feedback
    assert message in feedback.message


def consume_reference(q: queue.Queue[Any], results: list[int]) -> None:
    while True:
        item = q.get()
        if item is None:
            q.task_done()
            return
        results.append(item * item)
        q.task_done()


def consume_ignores_sentinel(q: queue.Queue[Any], results: list[int]) -> None:
    while True:  # the syllabus's consumer: no way out
        item = q.get()
        if item is not None:
            results.append(item * item)
        q.task_done()


def consume_processes_sentinel(q: queue.Queue[Any], results: list[int]) -> None:
    while True:
        item = q.get()
        results.append(item * item)
        q.task_done()
        if item is None:
            return


def consume_until_empty(q: queue.Queue[Any], results: list[int]) -> None:
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


def consume_without_task_done(q: queue.Queue[Any], results: list[int]) -> None:
    while (item := q.get()) is not None:
        results.append(item * item)


def consume_forgets_sentinel_task_done(q: queue.Queue[Any], results: list[int]) -> None:
    while (item := q.get()) is not None:
        results.append(item * item)
        q.task_done()


def consume_puts_sentinel_back(q: queue.Queue[Any], results: list[int]) -> None:
    consume_reference(q, results)
    q.put(None)


def consume_wrong_value(q: queue.Queue[Any], results: list[int]) -> None:
    while (item := q.get()) is not None:
        results.append(item + item)
        q.task_done()
    q.task_done()


def test_consumer_reference() -> None:
    feedback = ex03.check_consumer(consume_reference)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("consume", "message"),
    [
        (None, "write the function"),
        (42, "should be a function"),
        (consume_ignores_sentinel, "still waiting in q.get()"),
        (consume_processes_sentinel, "treated the sentinel None as an item"),
        (consume_until_empty, "stopped before it got its sentinel"),
        (consume_without_task_done, "never marked done"),
        (consume_forgets_sentinel_task_done, "the sentinel included"),
        (consume_puts_sentinel_back, "left in the queue"),
        (consume_wrong_value, "item * item"),
    ],
)
def test_consumer_rejects(consume: object, message: str) -> None:
    feedback = ex03.check_consumer(consume)
    assert not feedback
    assert message in feedback.message


def _not_started(*args: object) -> None:
    raise NotImplementedError


@pytest.mark.parametrize("check", [ex03.check_consumer])
def test_placeholders_say_not_started(check: Any) -> None:
    feedback = check(_not_started)
    assert not feedback
    assert "not started yet" in feedback.message


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
    feedback = ex03.check_bottleneck(*answer)
    assert not feedback
    assert message in feedback.message
