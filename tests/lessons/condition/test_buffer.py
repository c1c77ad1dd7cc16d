"""helpers.lessons.condition.buffer: the bounded buffer delivers every item once, within its
capacity, first in first out, times out both ways, and validates its arguments."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest

from helpers.lessons.condition import buffer as buffers
from helpers.teaching.condition import Condition as TeachingCondition

pytestmark = pytest.mark.usefixtures("nothing_left")

CONDITIONS = {"threading": threading.Condition, "teaching": TeachingCondition}


@pytest.mark.parametrize("make", list(CONDITIONS.values()), ids=list(CONDITIONS))
def test_bounded_buffer_delivers_everything_once_within_capacity(make: Callable[..., Any]) -> None:
    run = buffers.run_bounded_buffer(3, 2, items=60, capacity=2, make_condition=make)
    assert run.delivered == tuple(range(60))
    assert 1 <= run.max_fill <= 2


def test_bounded_buffer_times_out_both_ways() -> None:
    buffer = buffers.BoundedBuffer(1)
    with pytest.raises(queue.Empty):
        buffer.get(timeout=0.01)
    buffer.put("a")
    with pytest.raises(queue.Full):
        buffer.put("b", timeout=0.01)
    assert len(buffer) == 1 and buffer.get() == "a"
    assert (buffer.full_waits, buffer.empty_waits) == (1, 1)


def test_bounded_buffer_is_fifo() -> None:
    buffer = buffers.BoundedBuffer(5)
    for item in "abc":
        buffer.put(item)
    assert [buffer.get(), buffer.get(), buffer.get()] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("kwargs", "error"), [({"capacity": 0}, ValueError), ({"items": "x"}, TypeError)]
)
def test_bounded_buffer_validates(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        buffers.run_bounded_buffer(**kwargs)
