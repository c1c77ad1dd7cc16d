"""helpers.lessons.condition.consumers: two consumers, one item. A consumer that checks with
``if`` takes an item that is gone; one that loops (``while`` or ``wait_for``) is correct."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from helpers.lessons.condition import consumers
from helpers.teaching.condition import Condition as TeachingCondition

pytestmark = pytest.mark.usefixtures("nothing_left")

CONDITIONS = {"threading": threading.Condition, "teaching": TeachingCondition}


def take_with_if(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        if not buffer:
            cond.wait(timeout)
        return buffer.pop()


def take_with_while(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        while not buffer:
            if not cond.wait(timeout):
                return None
        return buffer.pop()


def take_with_wait_for(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        if not cond.wait_for(lambda: buffer, timeout):
            return None
        return buffer.pop()


@pytest.mark.parametrize("make", list(CONDITIONS.values()), ids=list(CONDITIONS))
def test_if_consumer_takes_an_item_that_is_gone(make: Callable[..., Any]) -> None:
    race = consumers.two_consumers_one_item(take_with_if, make_condition=make)
    assert race.received == ("item 1",)
    assert race.errors == ("IndexError: pop from empty list",)
    assert race.second_item_needed is False


@pytest.mark.parametrize("make", list(CONDITIONS.values()), ids=list(CONDITIONS))
@pytest.mark.parametrize("consume", [take_with_while, take_with_wait_for])
def test_looping_consumers_are_correct(make: Callable[..., Any], consume: Any) -> None:
    race = consumers.two_consumers_one_item(consume, make_condition=make)
    assert sorted(race.received) == ["item 1", "item 2"]
    assert race.errors == ()
    assert race.left_in_buffer == ()
    assert race.second_item_needed is True


def test_a_consumer_that_never_waits_still_ends() -> None:
    race = consumers.two_consumers_one_item(lambda buffer, cond, timeout: "gave up", timeout=0.2)
    assert race.received == ("gave up", "gave up")
    assert race.left_in_buffer == ("item 1",)
