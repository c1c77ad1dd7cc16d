"""A toy event loop in a dozen lines: how ``await`` hands control back to a scheduler.

A coroutine is an object you can resume with ``send(None)``. It runs until it reaches a
``yield`` deep inside an ``await`` (that is all ``asyncio.sleep(0)`` does), and then ``send``
returns. A loop is a queue of coroutines that are ready: take one, resume it until it yields,
put it back at the end; drop it when it returns (``StopIteration``).

asyncio adds timers, I/O readiness (``selectors``), futures, tasks and cancellation, but its
heart is the same: ``BaseEventLoop._run_once`` runs every callback in its ready queue, in order.
Child-safe.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Coroutine, Generator
from typing import Annotated, Any

from ...core.domains import Items, Of, validated


class _Yield:
    """An awaitable that suspends its coroutine exactly once."""

    def __await__(self) -> Generator[None, None, None]:
        yield  # back to whoever called send(): the loop


async def sleep0() -> None:
    """The toy loop's ``asyncio.sleep(0)``: let every other ready coroutine run once."""
    await _Yield()


@validated
def run_all(
    coroutines: Annotated[list[Coroutine[Any, Any, Any]], Items(Of(Coroutine))],
) -> list[Any]:
    """Run the coroutines to their ends, round-robin; return their results, in order."""
    ready = deque(enumerate(coroutines))
    results: dict[int, Any] = {}
    while ready:
        number, coroutine = ready.popleft()
        try:
            coroutine.send(None)  # run it until its next yield
        except StopIteration as finished:
            results[number] = finished.value
        else:
            ready.append((number, coroutine))  # it yielded: its turn comes again
    return [results[n] for n in range(len(coroutines))]
