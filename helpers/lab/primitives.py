"""Cooperative primitives, and the patches that put them in place for a lab run.

Almost every standard primitive is Python code on top of ``_thread.allocate_lock``:
``threading.Condition``, ``Semaphore``, ``BoundedSemaphore``, ``Event``, ``Barrier``,
``queue.Queue`` and, in its Python version, ``threading.RLock`` (``_PyRLock``) and
``queue.SimpleQueue`` (``_PySimpleQueue``). So one cooperative lock, :class:`LabLock`, patched
in for ``allocate_lock`` while a run is active, makes all of them cooperative: an acquire that
would block becomes "blocked on X" for the scheduler instead of a wait in C.

A :class:`LabLock` is a real lock underneath. In a thread the lab does not control (the
kernel's, a test's, the controller's) it behaves exactly like ``_thread.lock``, so an object
created during a run keeps working after it. Only in a controlled thread does a blocked acquire
hand control back to the scheduler.

Also patched for the run: ``time.sleep`` (a scheduling point: a sleep of ``s`` seconds is a
wait that only a timeout ends), ``time.monotonic`` (a virtual clock that a timeout moves to the
waiter's deadline, so the standard library's "remaining time" arithmetic agrees with the
schedule), and ``Thread.start``/``Thread.join`` (a thread started by code under test joins the
run, paused; a join waits for it cooperatively). :class:`Patches` restores every name it
replaced, always.

Child-safe: standard library only.
"""

from __future__ import annotations

import _thread
import importlib
import queue
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

REAL_ALLOCATE_LOCK = _thread.allocate_lock
REAL_LOCK_TYPE = type(_thread.allocate_lock())
REAL_RLOCK = threading.RLock
REAL_SIMPLE_QUEUE = queue.SimpleQueue
REAL_SLEEP = time.sleep
REAL_MONOTONIC = time.monotonic
REAL_START = threading.Thread.start
REAL_JOIN = threading.Thread.join

#: Per thread: ``worker`` (the lab's record of a controlled thread), ``execution`` (the run a
#: controlled thread or the controller belongs to), ``observing`` (evaluating a callback such
#: as an invariant: locks must not wait).
_tls = threading.local()


class LabError(RuntimeError):
    """Something the lab cannot do: a step that never ends, a lock an invariant waits for ..."""


class Abandon(BaseException):
    """Raised inside a controlled thread to unwind it when its run is abandoned.

    A ``BaseException``, so ``except Exception`` in the code under test does not swallow it.
    """


def current_worker() -> Any:
    """The controlled thread running this code, if it is under cooperative control now."""
    worker = getattr(_tls, "worker", None)
    if worker is None or worker.atomic or getattr(_tls, "observing", False):
        return None
    if not worker.execution.active:
        return None
    return worker


def _observer() -> Any:
    """The run whose callback (invariant, shown values, setup) this thread is evaluating."""
    if not getattr(_tls, "observing", False):
        return None
    execution = getattr(_tls, "execution", None)
    return execution if execution is not None and execution.active else None


def _label() -> str:
    worker = getattr(_tls, "worker", None)
    if worker is not None:
        return worker.name
    # Not threading.current_thread(): a thread that is starting is not registered yet, and
    # asking would make it a _DummyThread.
    return "setup" if _observer() is not None else "a thread outside the run"


class LockFace:
    """What every lock stand-in answers the same way, from the real lock it wraps (``_real``):
    ``locked()`` and the ``with`` statement."""

    __slots__ = ()
    _real: Any

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def locked(self) -> bool:
        return self._real.locked()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


class LabLock(LockFace):
    """A lock that, in a controlled thread, waits by handing control to the scheduler."""

    __slots__ = ("__weakref__", "_owner", "_real")

    def __init__(self) -> None:
        self._real = REAL_ALLOCATE_LOCK()
        self._owner: str | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        worker = current_worker()
        if worker is None:
            if blocking and _observer() is not None:
                if self._real.acquire(False):
                    self._owner = _label()
                    return True
                raise LabError(
                    f"a callback (invariant, shown values, setup) tried to take a lock held by "
                    f"{self._owner}; it would wait forever. Read the state without locking."
                )
            got = self._real.acquire(blocking, timeout)
            if got:
                self._owner = _label()
            return got
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if timeout < 0 and timeout != -1:
            raise ValueError("timeout value must be a non-negative number")
        if self._real.acquire(False):
            self._owner = worker.name
            return True
        if not blocking:
            return False
        if worker.execution.block(worker, self, None if timeout == -1 else float(timeout)):
            if not self._real.acquire(False):  # the scheduler resumes us only when it is free
                raise LabError(f"internal: {worker.name} resumed but the lock is taken")
            self._owner = worker.name
            return True
        return False

    def release(self) -> None:
        if not self._real.locked():
            raise RuntimeError("release unlocked lock")
        self._owner = None
        self._real.release()

    acquire_lock = acquire
    release_lock = release
    locked_lock = LockFace.locked

    def _at_fork_reinit(self) -> None:
        self._real = REAL_ALLOCATE_LOCK()
        self._owner = None

    def _lab_available(self) -> bool:
        return not self._real.locked()

    @property
    def owner(self) -> str | None:
        """Who took it (a thread's name in the run, ``"setup"``), or None when free."""
        return self._owner if self._real.locked() else None

    def __repr__(self) -> str:
        if self._real.locked():
            return f"<Lock held by {self._owner}>"
        return "<Lock free>"


class _Sleep:
    """What a sleeping thread waits for: nothing but its own deadline."""

    def _lab_available(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<sleep>"


SLEEP = _Sleep()


def _lab_sleep(secs: float) -> None:
    """``time.sleep`` for the run: a scheduling point; a positive sleep ends by timing out."""
    worker = current_worker()
    if worker is None:
        REAL_SLEEP(secs)
        return
    if isinstance(secs, (str, bytes)) or not hasattr(secs, "__float__"):
        raise TypeError(f"'{type(secs).__name__}' object cannot be interpreted as an integer")
    value = float(secs)
    if value != value:
        raise ValueError("Invalid value NaN (not a number)")
    if value < 0:
        raise ValueError("sleep length must be non-negative")
    if value == 0:
        worker.execution.yield_point(worker)
    else:
        worker.execution.block(worker, SLEEP, value)


def _lab_monotonic() -> float:
    """``time.monotonic`` for the run: the run's virtual clock, in its own threads."""
    execution = getattr(_tls, "execution", None)
    if execution is not None and execution.active:
        return execution.clock
    return REAL_MONOTONIC()


def _lab_start(self: threading.Thread) -> None:
    """``Thread.start`` for the run: a thread started by code under test joins the run."""
    worker = current_worker()
    execution = worker.execution if worker is not None else _observer()
    if execution is None:
        REAL_START(self)
        return
    execution.adopt(self, worker)


def _lab_join(self: threading.Thread, timeout: float | None = None) -> None:
    """``Thread.join`` for the run: waiting for a thread of the run is a cooperative wait."""
    worker = current_worker()
    target = worker.execution.worker_of(self) if worker is not None else None
    if target is None or self is threading.current_thread():
        REAL_JOIN(self, timeout)
        return
    worker.execution.join(worker, target, timeout)


# --- The patches ------------------------------------------------------------------------------

_MISSING = object()

#: ``name -> replacement`` on these objects, for every run.
_FIXED: tuple[tuple[Any, str, Any], ...] = (
    (_thread, "allocate_lock", LabLock),
    (_thread, "allocate", LabLock),
    (threading, "Lock", LabLock),
    (threading, "_allocate_lock", LabLock),
    (threading, "RLock", threading._PyRLock),  # type: ignore[attr-defined]
    (threading, "_time", _lab_monotonic),
    (threading.Thread, "start", _lab_start),
    (threading.Thread, "join", _lab_join),
    (queue, "SimpleQueue", queue._PySimpleQueue),  # type: ignore[attr-defined]
    (queue, "time", _lab_monotonic),
    (time, "sleep", _lab_sleep),
    (time, "monotonic", _lab_monotonic),
)

#: Module globals bound at import to one of these (``from _thread import allocate_lock``, as
#: ``helpers.teaching.rlock`` does) are rebound too, in the modules :class:`Patches` is given.
_REBIND: dict[int, Any] = {
    id(REAL_ALLOCATE_LOCK): LabLock,
    id(REAL_LOCK_TYPE): LabLock,
    id(REAL_RLOCK): threading._PyRLock,  # type: ignore[attr-defined]
    id(REAL_SIMPLE_QUEUE): queue._PySimpleQueue,  # type: ignore[attr-defined]
    id(REAL_SLEEP): _lab_sleep,
    id(REAL_MONOTONIC): _lab_monotonic,
}

#: Always searched for such globals: the course's own primitives and broken sketches.
COURSE_PRIMITIVES = (
    "helpers.teaching.condition",
    "helpers.teaching.executor",
    "helpers.teaching.rlock",
    "helpers.teaching.semaphore",
    "helpers.sketches.condition",
    "helpers.sketches.executor",
    "helpers.sketches.semaphore",
)

_patch_lock = REAL_ALLOCATE_LOCK()
_active_patches: list[Patches] = []


def patched_now() -> bool:
    """Whether any lab patch is in place right now (for tests: never after a run)."""
    return bool(_active_patches) or threading.Lock is LabLock or time.sleep is _lab_sleep


class Patches:
    """Put the cooperative primitives in place; ``restore()`` (or leaving ``with``) undoes it.

    ``modules`` (names or module objects) are searched for globals bound to a real primitive
    at import time, in addition to :data:`COURSE_PRIMITIVES`. Only one set of patches is
    active at a time: a second one raises :class:`LabError`.
    """

    def __init__(
        self,
        modules: Iterable[Any] = (),
        fixed: tuple[tuple[Any, str, Any], ...] | None = None,
        rebind: dict[int, Any] | None = None,
    ) -> None:
        self._fixed = _FIXED if fixed is None else fixed
        self._rebind = _REBIND if rebind is None else rebind
        self._modules = list(modules)
        self._saved: list[tuple[Any, str, Any]] = []
        self._holding = False

    def apply(self) -> Patches:
        if not _patch_lock.acquire(False):
            raise LabError("another lab run is active in this process; one at a time")
        self._holding = True
        try:
            for target, name, replacement in self._fixed:
                if hasattr(target, name):
                    self._replace(target, name, replacement)
            for module in self._targets():
                for name, value in list(vars(module).items()):
                    replacement = self._rebind.get(id(value))
                    if replacement is not None and not name.startswith("__"):
                        self._replace(module, name, replacement)
        except BaseException:
            self.restore()
            raise
        _active_patches.append(self)
        return self

    def _targets(self) -> list[Any]:
        found = []
        for module in [*COURSE_PRIMITIVES, *self._modules]:
            if isinstance(module, str):
                module = sys.modules.get(module) or importlib.import_module(module)
            if module not in (threading, queue, time, _thread) and module not in found:
                found.append(module)
        return found

    def _replace(self, target: Any, name: str, replacement: Any) -> None:
        original = (
            vars(target).get(name, _MISSING)
            if isinstance(target, type)
            else getattr(target, name, _MISSING)
        )
        self._saved.append((target, name, original))
        setattr(target, name, replacement)

    def restore(self) -> None:
        """Put every replaced name back, newest first. Safe to call twice."""
        try:
            while self._saved:
                target, name, original = self._saved.pop()
                if original is _MISSING:
                    delattr(target, name)
                else:
                    setattr(target, name, original)
        finally:
            if self in _active_patches:
                _active_patches.remove(self)
            if self._holding:
                self._holding = False
                _patch_lock.release()

    def __enter__(self) -> Patches:
        return self.apply()

    def __exit__(self, *exc_info: object) -> None:
        self.restore()
