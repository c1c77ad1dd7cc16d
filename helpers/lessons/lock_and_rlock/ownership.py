"""Who holds a lock, and who may release it, seen from another thread.

* :func:`release_from_another_thread`: try ``lock.release()`` from a fresh thread (bounded).
  A ``Lock`` lets any thread release it; an ``RLock`` only its owner.
* :func:`try_acquire_elsewhere`: can another thread take the lock right now?
* :func:`rlock_behaviour`: one script of observable RLock behaviour, to compare the teaching
  RLock with ``threading.RLock``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from ...core.domains import Fn, Seconds, Timeout, validated
from ...core.lifecycle import start_thread, stop
from ...core.races import Lock
from ...core.validate import MAX_TIMEOUT_S

T = TypeVar("T")

#: How much longer than its own timeout a probing thread may take to report back.
_SLACK_S = 2.0


def _in_another_thread(call: Callable[[], T], name: str, timeout: float, what: str) -> T:
    """Run ``call()`` in a fresh thread named ``name`` and return its result; raise
    ``TimeoutError`` (naming ``what``) if it has not returned within ``timeout`` seconds."""
    outcome: list[T] = []
    thread = start_thread(lambda: outcome.append(call()), name)
    stopped = stop([thread], timeout)
    if not stopped.clean or not outcome:
        raise TimeoutError(f"{what} did not return within {timeout:g} s ({stopped})")
    return outcome[0]


@validated
def release_from_another_thread(
    lock: Lock, timeout: Annotated[float, Seconds(MAX_TIMEOUT_S)] = 2.0
) -> BaseException | None:
    """Call ``lock.release()`` in a new thread; return the exception it raised, or None.

    A ``Lock`` does not remember who acquired it, so any thread may release it. An ``RLock``
    has an owner and raises ``RuntimeError`` for anyone else.
    """

    def release() -> BaseException | None:
        try:
            lock.release()
        except BaseException as error:
            return error
        return None

    return _in_another_thread(release, "releaser", timeout, "release()")


@validated
def try_acquire_elsewhere(lock: Lock, timeout: Timeout = 0.0) -> bool:
    """Can *another* thread acquire ``lock`` right now? It releases it again if it could.

    ``timeout=0`` tries without blocking. Used to check who holds a lock without relying on
    private attributes.
    """

    def attempt() -> bool:
        got = lock.acquire(timeout=timeout) if timeout > 0 else lock.acquire(blocking=False)
        if got:
            lock.release()
        return got

    return _in_another_thread(attempt, "prober", timeout + _SLACK_S, "the probing thread")


@validated
def rlock_behaviour(factory: Annotated[Callable[[], Any], Fn()]) -> dict[str, object]:
    """Run one fixed script against a fresh lock from ``factory``; report what happened.

    Comparing the reports for ``threading.RLock`` and the teaching RLock shows they behave
    the same. Every step is bounded.
    """
    lock = factory()
    seen: dict[str, object] = {}

    def outcome(fn: Callable[[], object]) -> object:
        try:
            return fn()
        except Exception as error:
            return type(error).__name__

    seen["release() while unlocked"] = outcome(lock.release)
    seen["acquire()"] = lock.acquire()
    seen["acquire() again, same thread"] = lock.acquire()
    seen["acquire(blocking=False), same thread"] = lock.acquire(blocking=False)
    seen["another thread: acquire(blocking=False)"] = try_acquire_elsewhere(lock)
    seen["another thread: acquire(timeout=0.05)"] = try_acquire_elsewhere(lock, 0.05)
    seen["another thread: release()"] = _name(release_from_another_thread(lock))
    lock.release()
    lock.release()
    seen["after 2 of 3 releases, another thread: acquire"] = try_acquire_elsewhere(lock)
    lock.release()
    seen["after 3 of 3 releases, another thread: acquire"] = try_acquire_elsewhere(lock)
    seen["acquire(blocking=False, timeout=1)"] = outcome(
        lambda: lock.acquire(blocking=False, timeout=1)
    )
    seen["acquire(timeout=-2)"] = outcome(lambda: lock.acquire(timeout=-2))
    with lock as entered:
        seen["with lock as x: x"] = entered
        with lock:
            seen["nested with: another thread can acquire"] = try_acquire_elsewhere(lock)
    seen["after the with blocks, another thread can acquire"] = try_acquire_elsewhere(lock)
    return seen


def _name(error: BaseException | None) -> str:
    return "no error" if error is None else type(error).__name__
