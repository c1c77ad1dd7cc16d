"""Start, join and stop threads and processes, always within a bound, and say what happened.

Every demo and checker in the course ends its workers through :func:`stop`: one deadline for
all of them, then processes still running are terminated (and killed if they ignore that).
Threads cannot be killed, so a thread still running is reported, never hidden. The
:class:`Stopped` report names who finished, who had to be terminated, and who is still
running; callers that promise a clean end call :meth:`Stopped.check`.

Child-safe: standard library only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Annotated, Any

from .domains import Fn, Has, Int, Items, Number, Of, Seconds, Text, Timeout, validated
from .validate import MAX_TIMEOUT_S

Worker = threading.Thread | BaseProcess

#: How long a terminated process gets to go before it is killed, and again after the kill.
GRACE_S = 2.0


@dataclass(frozen=True)
class Stopped:
    """What :func:`stop` found. Names are thread or process names, in the order given."""

    finished: tuple[str, ...]
    terminated: tuple[str, ...]
    running: tuple[str, ...]
    exitcodes: tuple[int | None, ...] = ()

    @property
    def clean(self) -> bool:
        """Everyone ended on their own within the bound."""
        return not self.terminated and not self.running

    def __bool__(self) -> bool:
        return self.clean

    def __str__(self) -> str:
        parts = [f"{len(self.finished)} finished"]
        if self.terminated:
            parts.append(f"terminated (did not end in time): {', '.join(self.terminated)}")
        if self.running:
            parts.append(f"still running (threads cannot be stopped): {', '.join(self.running)}")
        return "; ".join(parts)

    def check(self, what: str = "workers") -> Stopped:
        """Raise ``TimeoutError`` naming the stragglers unless the stop was clean."""
        if not self.clean:
            raise TimeoutError(f"{what} did not all end in time: {self}")
        return self


def _name(worker: Worker) -> str:
    return worker.name or repr(worker)


def _terminate(process: BaseProcess, grace: float) -> None:
    """Make sure ``process`` is gone: terminate, then kill, each with a bounded wait."""
    process.terminate()
    process.join(grace)
    if process.is_alive():
        process.kill()
        process.join(grace)


@validated
def stop(
    workers: Annotated[Iterable[Worker], Items(Of((threading.Thread, BaseProcess)), empty_ok=True)],
    timeout: Timeout = 30.0,
    *,
    grace: Annotated[float, Number(0, 60, unit="seconds")] = GRACE_S,
) -> Stopped:
    """Join every worker within one shared ``timeout``; terminate processes still running.

    ``timeout=0`` does not wait: it stops whatever is still running at once. A thread or
    process that was never started counts as finished.
    """
    listed: list[Worker] = list(workers)
    deadline = time.monotonic() + timeout
    for worker in listed:
        if _started(worker):
            worker.join(max(0.0, deadline - time.monotonic()))
    finished, terminated, running = [], [], []
    for worker in listed:
        if not _started(worker) or not worker.is_alive():
            finished.append(_name(worker))
        elif isinstance(worker, BaseProcess):
            _terminate(worker, grace)
            terminated.append(_name(worker))
        else:
            running.append(_name(worker))
    codes = tuple(w.exitcode for w in listed if isinstance(w, BaseProcess))
    return Stopped(tuple(finished), tuple(terminated), tuple(running), codes)


def _started(worker: Worker) -> bool:
    if isinstance(worker, threading.Thread):
        return worker.ident is not None
    return getattr(worker, "_popen", None) is not None


def ignore_interrupts() -> None:
    """A pool ``initializer``: this worker ignores SIGINT, so only its parent hears Stop.

    Jupyter's ■ (and Ctrl-C in a terminal) signals the kernel's whole process group. A pool
    worker that got the ``KeyboardInterrupt`` too would die between tasks, and the parent would
    then report a ``BrokenProcessPool`` instead of the interrupt; the parent ends its workers
    itself (:func:`stop_pool`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@validated
def stop_pool(pool: Annotated[Executor, Of(Executor)]) -> Stopped:
    """Shut a pool down without waiting for queued work; terminate its worker processes.

    For the end of a run that failed or was interrupted: pressing Stop in Jupyter must leave
    no child behind. Pool threads cannot be killed; the course's tasks are short, so waiting
    for the running ones is bounded by them.
    """
    if not isinstance(pool, ProcessPoolExecutor):
        pool.shutdown(wait=True, cancel_futures=True)
        return Stopped((), (), ())
    processes = list((getattr(pool, "_processes", None) or {}).values())
    alive = [p for p in processes if p.is_alive()]
    terminate_workers = getattr(pool, "terminate_workers", None)  # 3.14+
    if terminate_workers is not None:
        terminate_workers()
    for process in alive:
        if process.is_alive():
            process.terminate()
    if _manager_started(pool):
        pool.shutdown(wait=True, cancel_futures=True)
    else:
        _shutdown_unmanaged(pool)
    for process in processes:
        process.join(GRACE_S)
    still = [_name(p) for p in processes if p.is_alive()]
    for process in processes:
        if process.is_alive():
            _terminate(process, GRACE_S)
    return Stopped(
        tuple(_name(p) for p in processes if p not in alive),
        tuple(_name(p) for p in alive),
        tuple(still),
        tuple(p.exitcode for p in processes),
    )


def _manager_started(pool: ProcessPoolExecutor) -> bool:
    """Whether ``shutdown(wait=True)`` can join the pool's manager thread.

    Up to 3.13 ``submit`` assigns ``_executor_manager_thread`` before it calls ``start()``. A
    Stop (SIGINT) that lands between the two leaves a thread that never starts, and joining
    it raises ``RuntimeError: cannot join thread before it is started`` instead of letting the
    interrupt through. One that lands inside ``start()`` leaves a thread that starts a moment
    later, so it is given ``GRACE_S`` to do so.
    """
    manager = getattr(pool, "_executor_manager_thread", None)
    started = getattr(manager, "_started", None)
    if manager is None or not isinstance(started, threading.Event):
        return True  # no manager to join, or a Python whose internals we do not know
    return started.wait(GRACE_S)


def _shutdown_unmanaged(pool: ProcessPoolExecutor) -> None:
    """Shut down a pool whose manager thread never started, closing what it would have.

    The manager thread closes the wakeup pipe and the result queue when it ends; with no
    manager their pipes would stay open until garbage collection.
    """
    wakeup = getattr(pool, "_executor_manager_thread_wakeup", None)
    results = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for channel in (wakeup, results):
        close = getattr(channel, "close", None)
        if close is not None:
            with contextlib.suppress(OSError):
                close()


@validated
def start_thread(
    target: Annotated[Callable[[], object], Fn()],
    name: Text,
    *,
    daemon: Annotated[bool, Of(bool)] = True,
) -> threading.Thread:
    """Start ``target`` in a new thread named ``name``; daemon by default, so a stuck demo
    can never keep the interpreter from exiting."""
    thread = threading.Thread(target=target, name=name, daemon=daemon)
    thread.start()
    return thread


@validated
def run_threads(
    target: Annotated[Callable[..., object], Fn()],
    args_per_thread: Annotated[Sequence[tuple[Any, ...]], Items(Of((tuple, list)))],
    *,
    timeout: Annotated[float, Seconds(MAX_TIMEOUT_S)] = 60.0,
    name: Text = "lab-thread",
) -> None:
    """Run ``target(*args)`` in one thread per entry, started together, and join them all.

    The threads wait at a barrier so they really run at the same time (otherwise the first
    may finish before the last has started). An exception in a thread is re-raised here.
    Raises ``TimeoutError`` if they are not done within ``timeout`` seconds.
    """
    start_together = threading.Barrier(len(args_per_thread))
    errors: list[BaseException] = []

    def body(*args: object) -> None:
        try:
            start_together.wait(timeout)
            target(*args)
        except BaseException as error:  # reported to the caller, never lost in a thread
            errors.append(error)

    threads = [
        threading.Thread(target=body, args=tuple(args), name=f"{name}-{i + 1}")
        for i, args in enumerate(args_per_thread)
    ]
    for thread in threads:
        thread.start()
    stop(threads, timeout).check("threads")
    if errors:
        raise errors[0]


@validated
def wait_until(predicate: Annotated[Callable[[], bool], Fn()], timeout: Timeout) -> bool:
    """Poll ``predicate`` every millisecond until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.001)
    return True


@validated
def take(
    lock: Annotated[Any, Has(("acquire", "release"), "a lock")], timeout: Timeout = 10.0
) -> None:
    """Acquire ``lock`` (or a condition's lock), waiting at most ``timeout`` seconds (0: only
    if it is free now); raise ``TimeoutError`` instead of waiting forever."""
    if not lock.acquire(True, timeout):
        raise TimeoutError(f"could not get the lock within {timeout:g} s")


def waiting_count(primitive: object) -> int:
    """How many threads are queued on a condition or semaphore (peeking at private state).

    Works for the broken sketches, :mod:`helpers.teaching` and ``threading`` alike: all keep
    their waiters in ``_waiters`` (a semaphore's are on its condition, ``_cond``).
    """
    inner = getattr(primitive, "_cond", primitive)
    waiters = getattr(inner, "_waiters", None)
    if waiters is None:
        raise TypeError(f"primitive must be a condition or a semaphore; got {primitive!r}")
    return len(waiters)


@dataclass(frozen=True)
class ProgramRun:
    """What a program printed, and how it ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def tracker_lines(self) -> list[str]:
        """multiprocessing's resource-tracker warnings in its standard error, without paths."""
        return [
            line.split("UserWarning: ", 1)[1]
            for line in self.stderr.splitlines()
            if "UserWarning: resource_tracker" in line
        ]


@validated
def run_program(
    args: Annotated[Sequence[str | os.PathLike[str]], Items(Of((str, os.PathLike)))],
    *,
    timeout: Annotated[float, Seconds(600)] = 60.0,
    cwd: Annotated[Path | None, Of(os.PathLike, optional=True)] = None,
) -> ProgramRun:
    """Run ``python ARGS...`` as a program of its own (its own ``__main__``, its own resource
    tracker), with this interpreter, and capture what it prints. Output is plain text: 3.13+
    colours tracebacks when asked to, and a lesson compares the words."""
    done = subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
        env={**os.environ, "PYTHON_COLORS": "0", "NO_COLOR": "1"},
    )
    return ProgramRun(done.returncode, done.stdout, done.stderr)


@validated
def end_processes(
    pids: Annotated[Iterable[int], Items(Int(1), empty_ok=True)], grace: Timeout = 5.0
) -> tuple[int, ...]:
    """End processes by pid (pool workers an answer never shut down): terminate each, wait up
    to ``grace`` seconds, then kill what is left. Returns the pids that had to be killed."""
    listed = list(pids)
    for pid in listed:
        with contextlib.suppress(OSError):  # it may have ended meanwhile
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(pid) for pid in listed):
        time.sleep(0.02)
    killed = tuple(pid for pid in listed if _alive(pid))
    for pid in killed:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return killed


def _alive(pid: int) -> bool:
    """True while ``pid`` runs. A zombie (ended, not yet reaped by whoever started it) has
    ended: it is left for its parent to reap, so a ``Process`` object still sees its end."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)  # no /proc (macOS): a signal 0 says whether the pid exists
        except OSError:
            return False
        return True
    return state != "Z"
