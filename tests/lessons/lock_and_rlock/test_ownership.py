"""Who may release a lock, probing a lock from another thread, and the RLock behaviour script."""

from __future__ import annotations

import threading

from helpers.lessons.lock_and_rlock.ownership import (
    release_from_another_thread,
    rlock_behaviour,
    try_acquire_elsewhere,
)
from helpers.teaching.rlock import RLock as TeachingRLock


def test_any_thread_may_release_a_lock() -> None:
    lock = threading.Lock()
    lock.acquire()
    assert release_from_another_thread(lock) is None
    assert not lock.locked()


def test_only_the_owner_may_release_an_rlock() -> None:
    rlock = threading.RLock()
    rlock.acquire()
    error = release_from_another_thread(rlock)
    assert isinstance(error, RuntimeError)
    assert try_acquire_elsewhere(rlock) is False  # still held by this thread
    rlock.release()
    assert try_acquire_elsewhere(rlock) is True


def test_releasing_an_unlocked_lock_is_an_error_from_any_thread() -> None:
    assert isinstance(release_from_another_thread(threading.Lock()), RuntimeError)


def test_try_acquire_elsewhere_leaves_the_lock_as_it_was() -> None:
    lock = threading.Lock()
    assert try_acquire_elsewhere(lock, 0.01) is True
    assert not lock.locked()


def test_rlock_behaviour_is_the_same_for_both_rlocks() -> None:
    stdlib = rlock_behaviour(threading.RLock)
    assert stdlib == rlock_behaviour(TeachingRLock)
    assert stdlib["another thread: release()"] == "RuntimeError"
    assert stdlib["after 2 of 3 releases, another thread: acquire"] is False
    assert stdlib["after 3 of 3 releases, another thread: acquire"] is True


class _SilentRLock:
    """A wrong RLock: a release by a non-owner is silently ignored instead of an error."""

    def __init__(self) -> None:
        self._inner = threading.RLock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._inner.acquire(blocking, timeout)

    def release(self) -> None:
        try:
            self._inner.release()
        except RuntimeError:
            if threading.current_thread() is threading.main_thread():
                raise

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()


def test_rlock_behaviour_notices_a_missing_owner_check() -> None:
    report = rlock_behaviour(_SilentRLock)
    assert report["another thread: release()"] == "no error"
    assert report != rlock_behaviour(threading.RLock)
