"""The engine: real threads, one at a time, each step chosen by a scheduler.

Each thread of a :class:`Program` runs on a real ``threading.Thread`` with a trace function
(``sys.settrace``, ``frame.f_trace_opcodes`` for one instruction per step, line events for one
line). At every step point of the code under test the thread stops and passes the *baton*: a
real lock that only the thread chosen next may take. So exactly one thread runs at a time, and
which one is the scheduler's choice alone: a schedule (a list of thread names, one per step)
reproduces a run exactly.

A thread that blocks on a cooperative primitive (see :mod:`.primitives`) stops too, marked
"blocked on X"; it can be chosen again once X is free or, if it waits with a timeout, *as a
timeout* (its wait returns False, and the virtual clock moves to its deadline). The earliest
deadline fires first.

One :class:`Execution` is one run. The interactive :class:`Run` (in :mod:`.run`) and the
search drive it. Nothing here imports matplotlib or ipywidgets.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from . import primitives as p
from .checking import Checks
from .records import Outcome, Program
from .session import Session
from .stepping import ALL, EMPTY, LOCAL, RETURN, SKIP, can_raise_here, code_of, start_position
from .workers import (
    Blocked,
    Chooser,
    Worker,
    _ended,
    _Join,
    _refuse_real_locks,
    _stuck_message,
    _thread_error,
)

#: The virtual clock of every run starts here (so shown deadlines are the same in every run).
CLOCK_START = 100.0


class Execution(Checks):
    """One run of a program, on real threads, one step at a time."""

    def __init__(self, program: Program, session: Session, chooser: Chooser | None = None) -> None:
        self.program = program
        self.session = session
        self.chooser = chooser or Chooser()
        self.stepping = program.stepping
        self.opcodes = program.granularity == "instruction"
        self.event = "opcode" if self.opcodes else "line"
        self.workers: list[Worker] = []
        self.by_name: dict[str, Worker] = {}
        self.by_thread: dict[threading.Thread, Worker] = {}
        self.schedule: list[str] = []
        self.clock = CLOCK_START
        self.progress = 0
        self.outcome: Outcome | None = None
        self.interrupt: BaseException | None = None
        self.state: Any = None
        self.active = False
        self.check_every_step = True
        self.last_shared = True
        self.leftover: list[str] = []
        self.ctl = p.REAL_ALLOCATE_LOCK()
        self.ctl.acquire()
        self._adopted = 0
        # Without the GIL another thread's frames cannot be walked safely (they may be freed
        # mid-walk: a segfault on 3.13t). So there every thread guards its own untraced
        # frames and stops itself once the run is abandoned; see _guard and close.
        self.self_stop = not _gil_enabled()
        self._foreign: dict[Any, bool] = {}

    # --- Life cycle (controller side) -------------------------------------------------------

    def start(self) -> None:
        """Make the shared state and every thread, each stopped before its first step."""
        self.active = True
        p._tls.execution = self
        self.state = self.call_user(self.program.setup) if self.program.setup else None
        _refuse_real_locks(self.state)
        args = () if self.program.setup is None else (self.state,)
        arrivals = []
        for index, (name, fn) in enumerate(self.program.threads):
            worker = self._new_worker(name, _bind(fn, args))
            worker.start = start_position(fn, name)
            worker.carrier = index
            carrier = self.session.carrier(index)
            carrier.thread.name = name
            worker.thread = carrier.thread
            self.by_thread[carrier.thread] = worker
            arrived = p.REAL_ALLOCATE_LOCK()
            arrived.acquire()
            worker.first = arrived
            arrivals.append((worker, arrived))
        # All at once: nothing a thread runs before its first stop is shared.
        for worker, _ in arrivals:
            self.session.carrier(worker.carrier).run(lambda w=worker: self._main(w, w.entry))
        for worker, arrived in arrivals:
            if not arrived.acquire(timeout=self.program.step_timeout):
                raise p.LabError(f"thread {worker.name} did not reach its first step")
        if self.interrupt is not None:
            raise self.interrupt

    def _new_worker(self, name: str, fn: Callable[[], Any] | None) -> Worker:
        worker = Worker(self, name, fn)
        worker.entry = dict(self.program.threads).get(name) if fn is not None else None
        self.workers.append(worker)
        self.by_name[name] = worker
        return worker

    def _launch(self, worker: Worker, thread: threading.Thread, starter: Worker | None) -> None:
        """Start ``thread`` and wait (for real) until it stops before its first step."""
        worker.thread = thread
        self.by_thread[thread] = worker
        arrived = p.REAL_ALLOCATE_LOCK()
        arrived.acquire()
        worker.first = arrived
        if starter is not None:
            starter.atomic += 1
        try:
            p.REAL_START(thread)
        finally:
            if starter is not None:
                starter.atomic -= 1
        if not arrived.acquire(timeout=self.program.step_timeout):
            raise p.LabError(f"thread {worker.name} did not reach its first step")
        if self.interrupt is not None:
            raise self.interrupt

    def adopt(self, thread: threading.Thread, starter: Worker | None) -> None:
        """A thread started during the run (by a thread of it, or by setup) joins the run."""
        if starter is not None and starter.abort:
            raise p.Abandon()
        self._adopted += 1
        name = f"W{self._adopted}"
        while name in self.by_name:
            self._adopted += 1
            name = f"W{self._adopted}"
        worker = self._new_worker(name, None)
        worker.label = thread.name
        original = thread.run
        entry = original
        if type(thread).run is threading.Thread.run and getattr(thread, "_target", None):
            entry = thread._target  # type: ignore[attr-defined]
        worker.start = start_position(entry, thread.name)
        thread.run = lambda: self._main(worker, entry, original)  # type: ignore[method-assign]
        observing = getattr(p._tls, "observing", False)
        p._tls.observing = False  # started by setup: wait for it for real, not as a callback
        try:
            self._launch(worker, thread, starter)
        finally:
            p._tls.observing = observing

    def _main(self, worker: Worker, entry: Any, call: Callable[[], Any] | None = None) -> None:
        """What every controlled thread runs."""
        p._tls.worker = worker
        p._tls.execution = self
        worker.ident = threading.get_ident()
        call = call or worker.fn
        try:
            try:
                code = code_of(entry)
                if code is None or self.stepping.info(code) is None:
                    self._stop_first(worker)  # nothing to step before the call: stop here
                sys.settrace(self._trace)
                try:
                    call()  # type: ignore[misc]
                finally:
                    sys.settrace(None)
            except p.Abandon:
                worker.status = "abandoned"
                return
            except BaseException as error:
                worker.exception = error
                worker.error = _thread_error(worker, error, self.stepping)
                worker.status = "raised"
            else:
                worker.status = "finished"
            if worker.abort:  # it went on after the run was abandoned: nobody waits for it
                worker.status = "abandoned"
            else:
                self._finish(worker)
        except p.Abandon:
            worker.status = "abandoned"
        finally:
            worker.done = True
            p._tls.worker = None
            p._tls.execution = None

    # --- Stops (each in its own thread) -----------------------------------------------------

    def _trace(self, frame: Any, event: str, arg: Any) -> Any:
        worker = p._tls.worker
        worker.calls += 1
        if worker.observing or self.stepping.info(frame.f_code) is None:
            # Not code under test, or a callback (an invariant) evaluated here.
            return self._guard if self.self_stop and self._is_foreign(frame.f_code) else None
        if self.opcodes:
            frame.f_trace_opcodes = True  # before f_trace: 3.12+ instruments the code now
        frame.f_trace = self._local
        return self._local

    def _guard(self, frame: Any, event: str, arg: Any) -> Any:
        """The line events of untraced code, GIL off: a thread stuck there (say, in a loop the
        lab does not step) sees that the run was abandoned and stops itself."""
        if p._tls.worker.abort and can_raise_here(frame):
            frame.f_trace = None
            raise p.Abandon()
        return self._guard

    def _is_foreign(self, code: Any) -> bool:
        """Code outside the lab: the lab's own code always reaches its next stop, and must
        never be interrupted halfway (a baton passed, a status set)."""
        foreign = self._foreign.get(code)
        if foreign is None:
            foreign = self._foreign[code] = not code.co_filename.startswith(_LAB_DIR)
        return foreign

    def _local(self, frame: Any, event: str, arg: Any) -> Any:
        if event == self.event and not p._tls.worker.observing:
            self._stop(frame)
        return self._local

    def _stop(self, frame: Any) -> None:
        worker: Worker = p._tls.worker
        code = frame.f_code
        info = self.stepping.info(code)
        if self.opcodes:
            opname, kind, fp = info.ops.get(frame.f_lasti, ("?", 2, ALL))  # type: ignore[union-attr]
            if kind == SKIP:
                return
        else:
            kind = info.lines.get(frame.f_lineno, 2)  # type: ignore[union-attr]
            opname = info.ops.get(frame.f_lasti, ("?", 2))[0]  # type: ignore[union-attr]
            fp = EMPTY if kind == LOCAL else ALL
        if kind == RETURN:
            back = frame.f_back
            kind = LOCAL if back is not None and self.stepping.info(back.f_code) else 2
            fp = EMPTY if kind == LOCAL else ALL
        line = frame.f_lineno
        if line is None:  # 3.11+: exception-handling instructions carry no line; keep the last
            line = worker.line if worker.code is code else code.co_firstlineno
        worker.code = code
        worker.line = line
        worker.opname = opname
        worker.kind = kind
        worker.fp = fp
        try:
            if worker.abort:
                raise p.Abandon()
            if worker.first is not None:
                self._stop_first(worker)
                return
            self._decide(worker)
        except p.Abandon:
            if not can_raise_here(frame):
                return  # raised at the thread's next line instead (can_raise_here)
            # Raising here makes CPython drop this thread's trace function. On 3.12 doing so
            # from a frame that asks for opcode events, while another thread waits in a call
            # from traced code, can crash the interpreter: ask for none first.
            frame.f_trace_opcodes = False
            raise

    def _stop_first(self, worker: Worker) -> None:
        arrived, worker.first = worker.first, None
        if worker.code is None:
            worker.kind = 2
            worker.fp = ALL
        arrived.release()
        worker.parked = True
        worker.go.acquire()
        worker.parked = False
        self._woken(worker)

    def block(self, worker: Worker, resource: Any, timeout: float | None) -> bool:
        """``worker`` waits for ``resource``; True once it is free, False on a timeout."""
        if worker.abort:
            raise p.Abandon()
        deadline = None if timeout is None else self.clock + max(timeout, 0.0)
        worker.blocked = Blocked(resource, deadline)
        worker.status = "blocked"
        worker.kind = 2
        worker.fp = ALL
        try:
            self._decide(worker)
        finally:
            worker.status = "ready" if not worker.abort else worker.status
        blocked, worker.blocked = worker.blocked, None
        if resource._lab_available():
            return True
        assert blocked is not None and blocked.deadline is not None
        self.clock = max(self.clock, blocked.deadline)
        return False

    def yield_point(self, worker: Worker) -> None:
        """A scheduling point with nothing to wait for (``time.sleep(0)``)."""
        if worker.abort:
            raise p.Abandon()
        worker.kind = 2
        worker.fp = ALL
        self._decide(worker)

    def join(self, worker: Worker, target: Worker, timeout: float | None) -> None:
        if not target.done:
            self.block(worker, _Join(target), timeout)
        if target.done and target.thread is not None:
            p.REAL_JOIN(target.thread, self.program.step_timeout)

    def _finish(self, worker: Worker) -> None:
        worker.kind = 2
        worker.fp = ALL
        self._decide(worker, finished=True)

    # --- Passing the baton ------------------------------------------------------------------

    def _decide(self, worker: Worker, finished: bool = False) -> None:
        self.progress += 1
        worker.last_fp = ALL if worker.calls else worker.step_fp
        if finished:
            worker.done = True
        nxt: Worker | None = None
        try:
            if self.outcome is None and (self.check_every_step or self.last_shared):
                self._check_invariant()
            if self.outcome is None:
                nxt = self.chooser.choose(self, worker)
        except p.Abandon:
            raise
        except BaseException as error:  # a callback was interrupted: stop the run, re-raise
            self.interrupt = error
            nxt = None
        if nxt is not None and len(self.schedule) >= self.program.max_steps:
            self.outcome = self._ending(
                "step-limit", f"stopped after {self.program.max_steps} steps"
            )
            nxt = None
        if nxt is worker and not finished:
            self.grant(worker)
            return
        if nxt is None:
            self.ctl.release()
        else:
            self.grant(nxt)
            nxt.go.release()
        if finished:
            return
        worker.parked = True
        worker.go.acquire()
        worker.parked = False
        self._woken(worker)

    def _woken(self, worker: Worker) -> None:
        if worker.abort:
            raise p.Abandon()

    def grant(self, worker: Worker) -> None:
        """Record that ``worker`` takes the next step."""
        self.schedule.append(worker.name)
        self.last_shared = worker.kind != LOCAL
        worker.step_fp = worker.fp
        worker.calls = 0

    def run_controller(self, worker: Worker | None) -> None:
        """From the controller: let ``worker`` (or the chooser's pick) run; wait for control."""
        if worker is None:
            worker = self.chooser.choose(self, None)
            if worker is None:
                return
        self.grant(worker)
        worker.go.release()
        self.wait_control()

    def wait_control(self) -> None:
        """Wait until control comes back; a step that never ends raises :class:`LabError`."""
        seen = self.progress
        while not self.ctl.acquire(timeout=self.program.step_timeout):
            if self.progress == seen:
                stuck = self._running()
                raise p.LabError(_stuck_message(stuck, self.program.step_timeout))
            seen = self.progress
        if self.interrupt is not None:
            raise self.interrupt

    def _running(self) -> Worker | None:
        name = self.schedule[-1] if self.schedule else None
        return self.by_name.get(name) if name else None

    # --- What may run -----------------------------------------------------------------------

    def enabled(self) -> list[tuple[Worker, str]]:
        """Who can take a step now, in thread order, and how: run, resume or time out."""
        timed = [
            w.blocked.deadline
            for w in self.workers
            if not w.done
            and w.blocked is not None
            and w.blocked.deadline is not None
            and not w.blocked.resource._lab_available()
        ]
        earliest = min(timed) if timed else None
        found = []
        for w in self.workers:
            if w.done:
                continue
            if w.blocked is None:
                found.append((w, "run"))
            elif w.blocked.resource._lab_available():
                found.append((w, "resume"))
            elif w.blocked.deadline is not None and w.blocked.deadline <= earliest:  # type: ignore[operator]
                found.append((w, "timeout"))
        return found

    def worker_of(self, thread: threading.Thread) -> Worker | None:
        return self.by_thread.get(thread)

    # --- Tear down --------------------------------------------------------------------------

    def _wait_ended(self, w: Worker, deadline: float, *, inject: bool) -> None:
        now = p.REAL_MONOTONIC
        if w.thread is None or _ended(w):
            return
        if inject and w.ident is not None and not w.done and not w.parked and not self.self_stop:
            _inject_abort(w.ident)
        while not _ended(w) and now() < deadline:
            if w.go.locked() and not w.done:
                with contextlib.suppress(RuntimeError):
                    w.go.release()
            if w.carrier is None:
                p.REAL_JOIN(w.thread, 0.02)
            else:
                p.REAL_SLEEP(0.0005)
            if not inject and not w.parked:
                return  # running, not waiting: the second pass deals with it

    def close(self, grace: float = 1.0) -> list[str]:
        """Abandon every unfinished thread, wait for each to end; the names of those that
        did not (blocked in C code: they are daemons). Always leaves the run inactive."""
        now = p.REAL_MONOTONIC  # the real clock: time.monotonic is the run's virtual one here
        try:
            for w in self.workers:
                w.abort = True
            deadline = now() + grace
            # First every thread that waits for the baton: it wakes, sees the abort, unwinds.
            for w in self.workers:
                self._wait_ended(w, deadline, inject=False)
            # Then a thread still running (stuck in a call the lab does not step): make its
            # next traced line raise. (Only now: on 3.12 changing a frame's tracing while
            # another thread waits inside a trace callback can crash the interpreter.) GIL
            # off, the thread's own _guard does it: nothing here touches its frames.
            for w in self.workers:
                self._wait_ended(w, deadline, inject=True)
            self.leftover = [w.name for w in self.workers if w.thread and not _ended(w)]
            for w in self.workers:
                if w.carrier is not None and not w.done and not w.discarded:
                    w.discarded = True
                    self.session.discard(w.carrier)
        finally:
            self.active = False
            if getattr(p._tls, "execution", None) is self:
                p._tls.execution = None
        return self.leftover


def _bind(fn: Callable[..., Any], args: tuple[Any, ...]) -> Callable[[], Any]:
    return (lambda: fn(*args)) if args else fn


_LAB_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _gil_enabled() -> bool:
    check = getattr(sys, "_is_gil_enabled", None)  # 3.13+
    return True if check is None else bool(check())


_current_frames = sys._current_frames  # a name of its own: a test makes sure GIL off never calls it


def _abort_trace(frame: Any, event: str, arg: Any) -> Any:
    if not can_raise_here(frame):
        return _abort_trace  # not here (stepping.can_raise_here): at the next line
    frame.f_trace_opcodes = False  # see Execution._stop
    raise p.Abandon()


def _inject_abort(ident: int) -> None:
    """Make a thread stuck in untraced Python code raise :class:`Abandon` at its next line."""
    frame = _current_frames().get(ident)
    while frame is not None and frame.f_code is not Execution._main.__code__:
        with contextlib.suppress(AttributeError, ValueError):
            frame.f_trace = _abort_trace
        frame = frame.f_back
