"""Two consumers, one item: the race that makes ``if`` wrong and ``while`` right (notebook 05).

The demo bounds every wait and stops every thread it starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from ...core.domains import Fn, Seconds, validated
from ...core.lifecycle import start_thread, stop, wait_until, waiting_count
from ...core.validate import MAX_TIMEOUT_S
from .classes import MakeCondition

#: ``consume(buffer, cond, timeout)``: take one item from ``buffer``, waiting on ``cond``.
Consume = Annotated[Callable[[list[Any], Any, float], Any], Fn()]


@dataclass(frozen=True)
class ConsumerRace:
    """What happened when two waiting consumers were woken for a single item."""

    received: tuple[Any, ...]  # what the consumers returned, in the order they returned
    errors: tuple[str, ...]  # exceptions raised inside the consumers
    left_in_buffer: tuple[Any, ...]
    second_item_needed: bool  # a consumer went back to waiting, so a second item was sent


@validated
def two_consumers_one_item(
    consume: Consume,
    *,
    make_condition: MakeCondition = threading.Condition,
    timeout: Annotated[float, Seconds(MAX_TIMEOUT_S)] = 2.0,
) -> ConsumerRace:
    """Two consumers wait on an empty buffer; one item arrives and *both* are woken.

    1. Both consumers call ``consume(buffer, cond, timeout)`` and end up waiting.
    2. The producer appends one item and calls ``notify_all()``.
    3. Once each consumer has either returned or gone back to waiting, a second item is sent
       if someone is still waiting, so the demo always ends.
    """
    buffer: list[Any] = []
    cond = make_condition()
    received: list[Any] = []
    errors: list[str] = []
    finished: list[int] = []

    def consumer() -> None:
        try:
            received.append(consume(buffer, cond, timeout))
        except Exception as error:  # shown as a result, not a crash
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            finished.append(1)

    threads = [start_thread(consumer, f"consumer-{i}") for i in range(2)]
    wait_until(lambda: waiting_count(cond) == 2 or len(finished) == 2, timeout)
    with cond:
        buffer.append("item 1")
        cond.notify_all()
    wait_until(lambda: finished and len(finished) + waiting_count(cond) == 2, timeout)
    with cond:
        second = waiting_count(cond) > 0
        if second:
            buffer.append("item 2")
            cond.notify_all()
    stop(threads, min(2 * timeout + 1, MAX_TIMEOUT_S)).check("consumers")
    return ConsumerRace(tuple(received), tuple(errors), tuple(buffer), second)
