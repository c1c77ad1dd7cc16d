"""One run, stepped by hand: ``Run(program).step("A")``, a snapshot after every step, replay.

A :class:`Run` opens the patches, makes the shared state and the threads (each stopped before
its first step), and then does exactly what it is told: ``step(name)`` lets that thread run to
its next step point and returns a :class:`Snapshot` (every thread's next line and instruction,
whether it can run and if not why, the shared values, the schedule so far, the outcome once
the run is over). ``close()`` (or leaving ``with``) ends every thread and restores every patch.

:func:`replay` runs a whole schedule and records each step: the same schedule gives the same
run, every time. Undo is a replay of the schedule minus its last step.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from ..core.domains import Items, Of, Text, validated
from . import primitives as p
from .engine import Execution
from .records import Outcome, Program
from .session import Session
from .stepping import _LAB_DIR, Position
from .workers import Worker, _Join


@dataclass(frozen=True)
class BlockedOn:
    """What a blocked thread waits for, in the words of the code under test."""

    kind: str  # the primitive's type: "Lock", "Condition", "Semaphore", "Queue", "Thread" ...
    name: str  # how the shared state (or the waiting code) names it: "lock_b", "pool._work_queue"
    call: str  # the call that waits: "acquire", "wait", "get", "join", "sleep"
    holder: str | None  # for a lock held by another thread: who holds it
    waiting_for: str  # "a notify", "W1 to finish", "its timeout" ...
    deadline: float | None  # the virtual time at which its wait times out, if it has one

    def __str__(self) -> str:
        target = f"{self.kind} {self.name}" if self.name else self.kind
        text = f"blocked in {self.call}() on {target}" if self.call != "sleep" else "sleeping"
        if self.holder:
            text += f", held by {self.holder}"
        elif self.waiting_for:
            text += f", waiting for {self.waiting_for}"
        if self.deadline is not None:
            text += f" (times out at t={self.deadline:g})"
        return text


@dataclass(frozen=True)
class ThreadView:
    """One thread at one moment."""

    name: str
    label: str  # the real thread's name (for a thread the code under test started)
    status: str  # "ready", "blocked", "finished", "raised"
    position: Position | None  # the next line and instruction it runs
    blocked: BlockedOn | None
    can_step: bool
    step_kind: str  # "run", "resume" (its wait is over), "timeout" (its wait times out), ""
    reason: str  # why it cannot step, or what its step will do

    def __str__(self) -> str:
        where = str(self.position) if self.position else ""
        return f"{self.name:>4} {self.status:<8} {where}  {self.reason}".rstrip()


@dataclass(frozen=True)
class Step:
    """One step taken: who, how, what it ran, and how the thread stood afterwards."""

    index: int  # 1-based
    thread: str
    kind: str  # "run", "resume", "timeout"
    position: Position | None
    after: str  # "", "blocked in acquire() on Lock lock_b, held by A", "finished" ...
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """Everything a learner sees after a step."""

    threads: tuple[ThreadView, ...]
    values: dict[str, str]
    schedule: tuple[str, ...]
    outcome: Outcome | None
    clock: float

    def thread(self, name: str) -> ThreadView:
        for view in self.threads:
            if view.name == name:
                return view
        raise KeyError(name)

    @property
    def runnable(self) -> tuple[str, ...]:
        return tuple(view.name for view in self.threads if view.can_step)

    def __str__(self) -> str:
        lines = [str(view) for view in self.threads]
        lines += [f"  {name} = {value}" for name, value in self.values.items()]
        if self.outcome is not None:
            lines.append(f"  => {self.outcome.message}")
        return "\n".join(lines)


class Run:
    """One run of ``program``, stepped by hand. Use it in ``with``, or call :meth:`close`."""

    @validated
    def __init__(self, program: Annotated[Program, Of(Program)]) -> None:
        self.program = program
        self.steps: list[Step] = []
        self._session: Session | None = None
        self._execution: Execution | None = None
        self.leftover: list[str] = []

    def open(self) -> Snapshot:
        if self._execution is not None:
            raise p.LabError("this run is already open")
        self._session = Session(self.program).open()
        self._execution = Execution(self.program, self._session)
        try:
            self._execution.start()
            self._execution.conclude()
        except BaseException:
            self.close()
            raise
        return self.snapshot()

    def __enter__(self) -> Run:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def execution(self) -> Execution:
        if self._execution is None:
            raise p.LabError("this run is not open (open() it, or use it in a with block)")
        return self._execution

    @property
    def outcome(self) -> Outcome | None:
        return self.execution.outcome

    @validated
    def step(self, thread: Text) -> Snapshot:
        """Let ``thread`` take one step; ``ValueError`` if it cannot (unknown, finished,
        blocked)."""
        execution = self.execution
        if execution.outcome is not None:
            raise ValueError(
                f"thread {thread!r} cannot step: the run is over ({execution.outcome.message})"
            )
        worker = execution.by_name.get(thread)
        if worker is None:
            known = ", ".join(execution.by_name)
            raise ValueError(f"thread {thread!r} is not in this run (its threads: {known})")
        kinds = {w.name: kind for w, kind in execution.enabled()}
        if thread not in kinds:
            raise ValueError(f"thread {thread!r} cannot step: {_reason(execution, worker)}")
        before = worker.where()
        try:
            execution.run_controller(worker)
            execution.conclude()
        except BaseException:
            self.close()
            raise
        after = _reason(execution, worker) if worker.done or worker.blocked else ""
        self.steps.append(
            Step(len(self.steps) + 1, thread, kinds[thread], before, after, execution.values())
        )
        return self.snapshot()

    def snapshot(self) -> Snapshot:
        execution = self.execution
        kinds = {w.name: kind for w, kind in execution.enabled()}
        views = []
        for worker in execution.workers:
            kind = kinds.get(worker.name, "")
            blocked = describe_block(execution, worker) if worker.blocked else None
            if worker.done:
                status = "raised" if worker.error else "finished"
            else:
                status = "blocked" if worker.blocked else "ready"
            reason = _reason(execution, worker, kind)
            views.append(
                ThreadView(
                    worker.name,
                    worker.label,
                    status,
                    worker.where(),
                    blocked,
                    bool(kind) and execution.outcome is None,
                    kind,
                    reason,
                )
            )
        return Snapshot(
            tuple(views),
            execution.values(),
            tuple(execution.schedule),
            execution.outcome,
            execution.clock,
        )

    def close(self) -> None:
        """End every thread of the run and restore every patch (safe to call twice)."""
        try:
            if self._execution is not None:
                self.leftover = self._execution.close()
                self._execution = None
        finally:
            if self._session is not None:
                self._session.close()
                self.leftover += self._session.leftover
                self._session = None


@dataclass(frozen=True)
class Replay:
    """A schedule, run: every step, the snapshot at the end, and the outcome (None if the
    schedule stopped before the run was over)."""

    steps: tuple[Step, ...]
    snapshot: Snapshot
    outcome: Outcome | None


def _schedule(value: Any, argument: str) -> list[str]:
    return Items(Of(str), empty_ok=True).check(value, argument)


@validated
def replay(
    program: Annotated[Program, Of(Program)],
    schedule: Annotated[Sequence[str], Items(Of(str), empty_ok=True)],
) -> Replay:
    """Run ``schedule`` (one thread name per step) and record every step."""
    with Run(program) as run:
        for name in schedule:
            run.step(name)
        return Replay(tuple(run.steps), run.snapshot(), run.outcome)


def _reason(execution: Execution, worker: Worker, kind: str = "") -> str:
    if worker.done:
        if worker.error is not None:
            return f"raised {worker.error.type}: {worker.error.message}"
        return "finished"
    if worker.blocked is not None:
        text = str(describe_block(execution, worker))
        if kind == "timeout":
            text += "; its step times out"
        elif kind == "resume":
            text += "; free now, its step goes on"
        return text
    return "can run"


def describe_block(execution: Execution, worker: Worker) -> BlockedOn:
    """Name what ``worker`` waits for: the primitive the code under test called."""
    blocked = worker.blocked
    assert blocked is not None
    resource = blocked.resource
    if resource is p.SLEEP:
        return BlockedOn("sleep", "", "sleep", None, "its timeout", blocked.deadline)
    frames = _frames_outside_lab(worker.ident)
    callee: Any = None
    call = "acquire"
    caller_locals: dict[str, Any] = {}
    for frame in frames:
        if execution.stepping.info(frame.f_code) is not None:
            caller_locals = dict(frame.f_locals)
            break
        obj = frame.f_locals.get("self")
        if obj is None:
            if callee is not None:
                break  # the chain of calls on primitives ends here
            continue
        callee = obj
        call = "acquire" if frame.f_code.co_name == "__enter__" else frame.f_code.co_name
    if isinstance(resource, _Join):
        target = resource.worker
        return BlockedOn(
            "Thread", target.name, "join", None, f"{target.name} to finish", blocked.deadline
        )
    if callee is None:
        callee = resource
    kind = _kind_name(callee)
    name = _name_in(execution.state, callee) or _name_in_locals(caller_locals, callee)
    holder = None
    waiting_for = ""
    owner = resource.owner if isinstance(resource, p.LabLock) else None
    if kind in ("Queue", "SimpleQueue", "LifoQueue", "PriorityQueue") and call == "get":
        waiting_for = "an item"
    elif owner == worker.name:
        waiting_for = {"Event": "set()", "Semaphore": "a release()"}.get(kind, "a notify")
    elif owner is not None:
        holder = owner
    return BlockedOn(kind, name, call, holder, waiting_for, blocked.deadline)


def _frames_outside_lab(ident: int | None) -> list[Any]:
    frame = sys._current_frames().get(ident) if ident is not None else None
    frames = []
    while frame is not None:
        if not frame.f_code.co_filename.startswith(_LAB_DIR + os.sep) or (
            frame.f_code.co_name == "acquire" and "primitives" in frame.f_code.co_filename
        ):
            frames.append(frame)
        frame = frame.f_back
    return frames


def _kind_name(obj: Any) -> str:
    name = type(obj).__name__
    return {"LabLock": "Lock", "_RLock": "RLock", "_PySimpleQueue": "SimpleQueue"}.get(name, name)


def _name_in(state: Any, target: Any, depth: int = 3) -> str:
    """The path from the shared state to ``target`` (``"pool._work_queue"``), or ""."""
    if state is None:
        return ""
    seen = {id(state)}
    level: list[tuple[str, Any]] = [("", state)]
    for _ in range(depth):
        following: list[tuple[str, Any]] = []
        for path, obj in level:
            for key, value in _children(obj):
                child = f"{path}.{key}" if path and not key.startswith("[") else f"{path}{key}"
                if value is target:
                    return child
                if id(value) not in seen:
                    seen.add(id(value))
                    following.append((child, value))
        level = following
    return ""


def _children(obj: Any) -> list[tuple[str, Any]]:
    if isinstance(obj, dict):
        return [(str(k) if not isinstance(k, str) else k, v) for k, v in obj.items()][:50]
    if isinstance(obj, (list, tuple)):
        return [(f"[{i}]", v) for i, v in enumerate(obj[:50])]
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict) and not isinstance(obj, type):
        return list(attributes.items())[:50]
    return []


def _name_in_locals(local: dict[str, Any], target: Any) -> str:
    for name, value in local.items():
        if value is target:
            return name
    for name, value in local.items():
        found = _name_in(value, target, 2)
        if found:
            return f"{name}.{found}"
    return ""
