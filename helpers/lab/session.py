"""Carrier threads and the session that owns them and the patches, for one run or many.

Starting a thread costs more than a whole run of a small program, so the threads a program
names run on *carriers*: real threads that run one controlled thread per run, run after run.
Threads the code under test starts are real new threads (see :meth:`Execution.adopt`).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from . import primitives as p
from .records import Program


class Carrier:
    """A real thread that runs one controlled thread per run, run after run (starting a
    thread costs far more than a whole run of a small program)."""

    def __init__(self) -> None:
        self.wake = p.REAL_ALLOCATE_LOCK()
        self.wake.acquire()
        self.job: Callable[[], None] | None = None
        self.thread = threading.Thread(target=self._loop, name="lab-carrier", daemon=True)
        p.REAL_START(self.thread)

    def _loop(self) -> None:
        while True:
            self.wake.acquire()
            job, self.job = self.job, None
            if job is None:
                return
            job()

    def run(self, job: Callable[[], None]) -> None:
        self.job = job
        self.wake.release()

    def stop(self) -> None:
        self.job = None
        if self.wake.locked():
            self.wake.release()
        p.REAL_JOIN(self.thread, 1.0)


class Session:
    """The patches and the carrier threads for one or many runs of a program.

    Leaving it (``with``, or :meth:`close`) ends every carrier and restores every patch, also
    after an error or a ``KeyboardInterrupt``.
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        self.patches = p.Patches(program.step)
        self.carriers: list[Carrier] = []
        self.leftover: list[str] = []

    def open(self) -> Session:
        supported = support()
        if not supported.ok:
            raise p.LabError(f"the interleaving lab cannot run here: {supported.reason}")
        self.patches.apply()
        if self.program.granularity == "instruction":
            _prime_opcode_events()
        return self

    def carrier(self, index: int) -> Carrier:
        while len(self.carriers) <= index:
            self.carriers.append(Carrier())
        return self.carriers[index]

    def discard(self, index: int) -> None:
        """A carrier left stuck by a run (blocked in C): never use it again. If its thread
        ever comes back, it ends."""
        old = self.carriers[index]
        old.job = None
        if old.wake.locked():
            old.wake.release()
        self.leftover.append(old.thread.name)
        self.carriers[index] = Carrier()

    def close(self) -> None:
        try:
            for carrier in self.carriers:
                carrier.stop()
            self.leftover += [c.thread.name for c in self.carriers if c.thread.is_alive()]
            self.carriers = []
        finally:
            self.patches.restore()

    def __enter__(self) -> Session:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _prime_opcode_events() -> None:
    """Early 3.12 releases deliver opcode events only once some frame had ``f_trace_opcodes``
    set when ``sys.settrace`` was called (CPython gh-103615, gh-114480), and doing that while
    another thread waits inside a trace callback crashes them. So do it once, here, while no
    thread of the lab waits anywhere; the threads' own ``settrace`` calls then never need it.
    """
    if sys.version_info[:2] != (3, 12) or sys.gettrace() is not None:
        return
    frame = sys._getframe()
    frame.f_trace_opcodes = True
    sys.settrace(_no_trace)
    sys.settrace(None)
    frame.f_trace_opcodes = False


def _no_trace(frame: object, event: str, arg: object) -> None:
    return None


@dataclass(frozen=True)
class Support:
    """Whether the lab can run on this interpreter, and if not, why (in plain words)."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def support() -> Support:
    """What the engine needs: CPython (3.10+, as the course), per-instruction tracing, and
    the Python versions of ``RLock`` and ``SimpleQueue`` to make cooperative. (3.10 to 3.13
    and free-threaded 3.13t have all of it.)"""
    if sys.implementation.name != "cpython":
        return Support(False, f"it needs CPython; this is {sys.implementation.name}")
    if not hasattr(sys._getframe(), "f_trace_opcodes"):
        return Support(False, "this Python cannot trace one instruction at a time")
    missing = [
        name
        for module, name in ((threading, "_PyRLock"), (queue, "_PySimpleQueue"))
        if getattr(module, name, None) is None
    ]
    if missing:
        return Support(False, f"this Python has no {', '.join(missing)} to make cooperative")
    return Support(True)
