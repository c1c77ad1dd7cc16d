"""The lab's record of each controlled thread, what a blocked one waits for, and the
``Chooser`` protocol (who runs next). Standard library only."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from ..core.domains import Fn, Text, validated
from . import primitives as p
from .records import ThreadError
from .stepping import ALL, LOCAL, Position, Stepping, position

if TYPE_CHECKING:
    from .engine import Execution


class _Join:
    """What a ``join`` waits for: a thread of the run to finish."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def _lab_available(self) -> bool:
        return self.worker.done


@dataclass
class Blocked:
    resource: Any
    deadline: float | None
    call_frame: Any = None


class Worker:
    """The lab's record of one controlled thread."""

    @validated
    def __init__(
        self,
        execution: Execution,
        name: Text,
        fn: Annotated[Callable[[], Any] | None, Fn(optional=True)],
    ) -> None:
        self.execution = execution
        self.name = name
        self.fn = fn
        self.thread: threading.Thread | None = None
        self.ident: int | None = None
        self.go = p.REAL_ALLOCATE_LOCK()
        self.go.acquire()  # locked: the worker waits on it until given the baton
        self.first: Any = None  # a lock to release at the first stop (who started it waits)
        self.atomic = 0
        self.observing = False
        self.abort = False
        self.done = False
        self.status = "ready"  # ready | blocked | finished | raised | abandoned
        self.blocked: Blocked | None = None
        self.code: Any = None
        self.line = 0
        self.opname = "(start)"
        self.kind = LOCAL
        self.fp: Any = ALL  # footprint of the step it will take next
        self.step_fp: Any = ALL  # ... of the step it is taking
        self.last_fp: Any = ALL  # ... of the step it took last
        self.calls = 0  # Python frames started during its current step
        self.start: Position | None = None
        self.error: ThreadError | None = None
        self.exception: BaseException | None = None
        self.label = name
        self.carrier: int | None = None  # index of the session's carrier thread, if any
        self.entry: Any = None  # the function it starts with
        self.discarded = False  # its carrier was left stuck, and replaced
        self.parked = False  # waiting for the baton (not running, not stuck)

    def where(self) -> Position | None:
        if self.code is None:
            return self.start
        return position(self.code, self.line, self.opname)


class Chooser:
    """Picks the thread that runs next at each stop; None hands control to the controller."""

    def choose(self, execution: Execution, current: Worker | None) -> Worker | None:
        return None


def _ended(worker: Worker) -> bool:
    if worker.carrier is not None:
        return worker.done
    return worker.thread is not None and not worker.thread.is_alive()


def _thread_error(worker: Worker, error: BaseException, stepping: Stepping) -> ThreadError:
    where = ""
    tb = error.__traceback__
    while tb is not None:
        if stepping.info(tb.tb_frame.f_code) is not None:
            frame_pos = position(tb.tb_frame.f_code, tb.tb_lineno, "")
            where = f"{frame_pos.where} {frame_pos.text}"
        tb = tb.tb_next
    return ThreadError(worker.name, type(error).__name__, str(error), where)


def _stuck_message(worker: Worker | None, bound: float) -> str:
    if worker is None:
        return f"the run did not come back within {bound:g} s"
    where = worker.where()
    line = f" (its step started at {where.where}: {where.text})" if where else ""
    return (
        f"thread {worker.name} did not reach its next step within {bound:g} s{line}: it is "
        "blocked in C code (a lock created before the run? input()? a socket?) or loops "
        "forever inside a call the lab does not step"
    )


_REAL_KINDS = (p.REAL_LOCK_TYPE, type(p.REAL_RLOCK()), p.REAL_SIMPLE_QUEUE)


def _refuse_real_locks(state: Any, depth: int = 3) -> None:
    """A real lock in the shared state would block in C, out of the scheduler's sight: say so
    now, and how to fix it, instead of timing out later."""
    seen: set[int] = set()
    level: list[tuple[str, Any]] = [("state", state)]
    for _ in range(depth):
        following = []
        for path, obj in level:
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if isinstance(obj, _REAL_KINDS):
                raise p.LabError(
                    f"{path} is a real {type(obj).__name__}, made with a reference to "
                    "threading.Lock (or RLock, SimpleQueue) taken before the run. Call "
                    "threading.Lock() (threading.RLock(), queue.SimpleQueue()) inside setup, or "
                    "in a lambda, so the lab's cooperative version is made."
                )
            if isinstance(obj, dict):
                items = list(obj.items())[:50]
            elif isinstance(obj, (list, tuple)):
                items = list(enumerate(obj))[:50]
            elif hasattr(obj, "__dict__") and not isinstance(obj, type):
                items = [(k, v) for k, v in list(vars(obj).items())[:50] if not callable(v)]
            else:
                items = []
            following += [(f"{path}.{k}", v) for k, v in items]
        level = following
