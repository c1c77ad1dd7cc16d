"""Run a coroutine the way a script's ``asyncio.run`` does, from anywhere, within a bound.

A Jupyter kernel already runs an event loop in its main thread, so ``asyncio.run`` cannot be
called in a cell, nor in a widget callback, nor in a checker called from a cell. :func:`run`
gives the coroutine what a script gives it: a brand-new loop, on a thread of its own, closed
completely at the end (``asyncio.run`` also shuts down the loop's default thread pool, which
``asyncio.to_thread`` uses, so no pool thread outlives the call). The thread is joined before
:func:`run` returns.

Bounded twice: the coroutine is cancelled after ``timeout`` seconds; a coroutine that blocks
its loop (a ``time.sleep`` inside it) cannot be cancelled, so the thread is waited for a little
longer and then reported as stuck instead of waited for forever.

Child-safe: standard library and the core only.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Annotated, Any

from ...core.domains import Bool, Of, Seconds, validated

#: How long a thread whose loop is blocked gets, after its timeout, before we stop waiting.
GRACE_S = 2.0

#: A coroutine object: what calling an ``async def`` function returns.
CoroutineArg = Annotated[Coroutine, Of(Coroutine)]


class LoopBlocked(TimeoutError):
    """The coroutine's loop did not come back after its timeout: something blocks it."""


@validated
def run(
    main: CoroutineArg,
    *,
    timeout: Annotated[float, Seconds(600)] = 30.0,
    debug: Bool = False,
) -> Any:
    """Run ``main`` to its end on a new event loop in a new thread; return its result.

    Raises what ``main`` raised; ``TimeoutError`` if it was cancelled after ``timeout``
    seconds; :class:`LoopBlocked` if its loop stayed blocked even then. ``debug=True`` turns
    on asyncio's debug mode (it catches calls from the wrong thread, and slow callbacks).
    Pressing Stop in Jupyter cancels ``main`` and waits for its clean-up.
    """
    outcome: dict[str, Any] = {}
    started = threading.Event()
    handle: dict[str, Any] = {}

    async def bounded() -> Any:
        handle["loop"] = asyncio.get_running_loop()
        handle["task"] = asyncio.current_task()
        started.set()
        return await asyncio.wait_for(main, timeout)

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(bounded(), debug=debug)
        except BaseException as error:  # handed to the caller, never lost in the thread
            outcome["error"] = error
        finally:
            started.set()

    thread = threading.Thread(target=target, name="lab-asyncio-run", daemon=True)
    thread.start()
    try:
        thread.join(timeout + GRACE_S)
    except BaseException:  # KeyboardInterrupt from the Stop button: cancel, then wait a bit
        started.wait(GRACE_S)
        loop, task = handle.get("loop"), handle.get("task")
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in the meantime
                loop.call_soon_threadsafe(task.cancel)
        thread.join(GRACE_S)
        main.close()
        raise
    if thread.is_alive():
        raise LoopBlocked(
            f"the coroutine did not finish within {timeout:g} s, and its event loop did not "
            "come back to cancel it: something in it blocks the loop (time.sleep, a blocking "
            "call, a busy loop). Its thread ends when that call returns."
        )
    if "error" in outcome:
        error = outcome["error"]
        if isinstance(error, asyncio.TimeoutError) and not isinstance(error, TimeoutError):
            raise TimeoutError(f"cancelled after {timeout:g} s") from error  # 3.10
        raise error
    return outcome.get("value")
