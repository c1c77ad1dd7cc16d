"""How the syllabus's thread-pool sketches fail, shown safely, one scenario at a time.

The syllabus explains ``ThreadPoolExecutor`` with two small classes
(:mod:`helpers.sketches.executor`, BROKEN ON PURPOSE). They look plausible and are wrong in
ways that matter: keyword arguments vanish, ``shutdown`` can hang, a cancelled task kills a
worker, ``SystemExit`` leaves a future unresolved forever, ``submit`` races with
``shutdown``, and all threads start up front.

Notebook 07 runs each scenario here on both sketches, on the course's teaching executor and
on the standard one (:mod:`.comparison` puts them in one table), and shows each failure
*safely*: every wait has a timeout, threads that die are reported instead of printing
tracebacks, and stuck workers are rescued (woken with sentinels and joined) before a scenario
returns. :func:`exit_check` asks, in a child interpreter, whether a pool left without
``shutdown()`` lets the interpreter exit.
"""

from __future__ import annotations

import gc
import queue
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from ...core.domains import AnyInt, Choice, Seconds, validated
from ...core.lifecycle import Stopped, start_thread, stop
from ...sketches.executor import SyllabusSketch1, SyllabusSketch2
from ...teaching import executor as teaching

_MAX_PATIENCE_S = 10.0  # a failing scenario costs a few patience periods
#: How long a scenario waits for something that should happen at once.
Patience = Annotated[float, Seconds(_MAX_PATIENCE_S)]

# --- The pools compared ---------------------------------------------------------------------

Factory = Callable[[int], Any]
"""Makes a pool with the given number of workers."""

#: Every pool the comparison runs, by the label the table shows.
POOLS: dict[str, Factory] = {
    "sketch 1": SyllabusSketch1,
    "sketch 2": SyllabusSketch2,
    "teaching executor": lambda n: teaching.ThreadPoolExecutor(n, thread_name_prefix="teaching"),
    "standard executor": lambda n: ThreadPoolExecutor(n, thread_name_prefix="standard"),
}
SKETCHES = ("sketch 1", "sketch 2")
#: One of :data:`POOLS`.
PoolName = Annotated[str, Choice(POOLS)]


@dataclass(frozen=True)
class Outcome:
    """What one scenario did on one pool: ``ok`` if it behaved like the standard executor."""

    scenario: str
    pool: str
    ok: bool
    detail: str
    died: tuple[str, ...] = ()  # exceptions that killed worker threads, by type name


# --- Safety net -------------------------------------------------------------------------------


@contextmanager
def _thread_deaths() -> Iterator[list[tuple[str, str]]]:
    """Record (thread name, exception type) for threads that die, instead of printing tracebacks.

    The sketches' workers die from exceptions their loop does not catch; the default hook would
    print a traceback into whatever notebook cell runs next. Other threads are left alone.
    """
    deaths: list[tuple[str, str]] = []
    previous = threading.excepthook

    def record(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        if name.startswith("syllabus-sketch"):
            deaths.append((name, args.exc_type.__name__))
        else:
            previous(args)

    threading.excepthook = record
    try:
        yield deaths
    finally:
        threading.excepthook = previous


def _rescue(pool: Any, patience: float) -> Stopped:
    """Stop a sketch's workers from outside: set its flag, one sentinel per thread, join."""
    stuck = [t for t in pool._threads if t.is_alive()]
    pool._shutdown = True  # the first sketch's loop only exits when it sees the flag
    for _ in stuck:
        pool._work_queue.put(None)
    return stop(stuck, max(patience, 1.0))


def _close(pool: Any, patience: float) -> Stopped:
    """Clean up after a scenario, bounded; the report says whether every thread ended.

    A sketch's own ``shutdown`` may hang (that is one of the scenarios), so sketches are
    rescued directly. A real executor is shut down normally, in a helper thread, bounded.
    """
    if not isinstance(pool, (teaching.ThreadPoolExecutor, ThreadPoolExecutor)):
        return _rescue(pool, patience)
    return stop([start_thread(pool.shutdown, "sketch-closer")], 10 * patience)


def _result(future: Future[Any], patience: float) -> tuple[bool, Any]:
    """(resolved, value or exception) within ``patience`` seconds."""
    try:
        return True, future.result(timeout=patience)
    except FuturesTimeout:
        return False, None
    except BaseException as error:  # the task's own exception, even SystemExit
        return True, error


@validated
def scaled(x: AnyInt, factor: AnyInt = 1) -> int:
    """The task of the scenarios: ``scaled(3, factor=10)`` is 30, 3 if ``factor`` is lost."""
    return x * factor


def _exit_now() -> None:
    raise SystemExit("a task called sys.exit()")


# --- Scenarios: each returns (ok, detail); the runner adds deaths and rescues ------------------


def _lazy_threads(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(4)
    alive = sum(t.is_alive() for t in pool._threads)
    if alive:
        return pool, False, f"{alive} of 4 threads started before any task was submitted"
    return pool, True, "no thread until the first submit"


def _keyword_arguments(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(1)
    _, value = _result(pool.submit(scaled, 3, factor=10), patience)
    if value == 30:
        return pool, True, "scaled(3, factor=10) returned 30"
    return pool, False, f"scaled(3, factor=10) returned {value!r}: factor=10 was dropped"


def _shutdown_returns(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(2)
    _result(pool.submit(scaled, 1), patience)
    closer = start_thread(pool.shutdown, "sketch-closer")
    if not stop([closer], patience).clean:
        _rescue(pool, patience).check("the sketch's workers")  # lets the hung shutdown() return
        stop([closer], 10 * patience).check("the hung shutdown()")
        return (
            pool,
            False,
            f"shutdown(wait=True) still waiting after {patience:g} s: the idle workers sleep "
            "in get() and never see the flag",
        )
    return pool, True, "shutdown(wait=True) returned: the idle workers were woken"


def _cancelled_task(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(1)
    gate = threading.Event()
    ran: list[str] = []
    pool.submit(gate.wait, 10 * patience)  # keeps the only worker busy
    victim = pool.submit(ran.append, "victim")
    cancelled = victim.cancel()
    later = pool.submit(scaled, 2)
    gate.set()
    resolved, value = _result(later, patience)
    if cancelled and not ran and resolved and value == 2:
        return pool, True, "the cancelled task was skipped; the next task ran"
    if ran and not resolved:
        return (
            pool,
            False,
            "the cancelled task ran anyway, then set_result raised InvalidStateError and "
            "killed the worker; the next task never ran",
        )
    return pool, False, f"cancel() -> {cancelled}, task ran: {bool(ran)}, next task: {value!r}"


def _base_exception(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(1)
    resolved, error = _result(pool.submit(_exit_now), patience)
    _, value = _result(pool.submit(scaled, 2), patience) if resolved else (False, None)
    if resolved and isinstance(error, SystemExit) and value == 2:
        return pool, True, "the future holds the SystemExit; the worker lives on"
    if not resolved:
        return (
            pool,
            False,
            f"the future never resolved (result() still waiting after {patience:g} s): "
            "SystemExit is not an Exception, it killed the worker silently",
        )
    return pool, False, f"future: {error!r}; next task: {value!r}"


class _PausingQueue:
    """Wraps a pool's work queue to make the submit/shutdown race happen every time.

    The first real work item pauses inside ``put`` (after ``submit`` has checked the flag)
    until ``go`` is set. ``sentinel`` is set when anyone puts a ``None``. The same instrument
    is applied to every pool: only the pool's own locking decides the outcome.
    """

    def __init__(self, inner: Any, patience: float) -> None:
        self.inner = inner
        self.paused = threading.Event()
        self.go = threading.Event()
        self.sentinel = threading.Event()
        self.patience = patience

    def put(self, item: Any, *args: Any, **kwargs: Any) -> None:
        if item is None:
            self.sentinel.set()
        elif not self.paused.is_set():
            self.paused.set()
            self.go.wait(10 * self.patience)
        self.inner.put(item, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _submit_during_shutdown(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(1)
    _result(pool.submit(scaled, 1), patience)  # the real executors start their thread now
    wrapper = _PausingQueue(pool._work_queue, patience)
    pool._work_queue = wrapper
    box: dict[str, Any] = {}

    def submitter() -> None:
        try:
            box["future"] = pool.submit(scaled, 7)
        except RuntimeError as error:
            box["error"] = error

    a = start_thread(submitter, "sketch-submitter")
    wrapper.paused.wait(10 * patience)  # submit has passed its check, and waits inside put
    b = start_thread(lambda: pool.shutdown(wait=False), "sketch-closer")
    wrapper.sentinel.wait(patience)  # a sentinel now would be queued before the task
    shutdown_waited = b.is_alive()  # still blocked: shutdown waits for the submit to finish
    wrapper.go.set()
    stop([a, b], 10 * patience).check("the submit and the shutdown")
    pool._work_queue = wrapper.inner
    if "error" in box:
        return pool, True, "submit raised RuntimeError: it saw the shutdown"
    resolved, value = _result(box["future"], patience)
    if resolved and value == 7:
        if shutdown_waited:
            return (
                pool,
                True,
                "shutdown waited for the submit in progress (one lock covers check and enqueue)",
            )
        return (
            pool,
            True,
            "the task ran: this shutdown sends no sentinel, so a worker still blocked in get() "
            "took it (see the shutdown(wait=True) row for the price)",
        )
    return (
        pool,
        False,
        "submit passed its check, shutdown queued the sentinels, then the task was queued "
        "behind them: no worker will ever run it, its future never resolves",
    )


def _dropped_pool(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(2)
    _result(pool.submit(scaled, 1), patience)
    threads = list(pool._threads)
    ref = weakref.ref(pool)
    del pool  # dropped without shutdown()
    gc.collect()
    stopped = stop(threads, patience)  # they should end on their own
    if stopped.running:
        # Each thread's target is a bound method of the pool: the threads keep it alive.
        return (
            ref(),
            False,
            f"{len(stopped.running)} threads still blocked in get(): they hold the pool, "
            "nothing wakes them",
        )
    return None, True, "the workers exited once the pool was garbage-collected"


Scenario = Callable[[Factory, float], tuple[Any, bool, str]]

#: The scenarios, in the order the table shows them, with the question each one asks.
SCENARIOS: dict[str, tuple[str, Scenario]] = {
    "lazy threads": ("No thread before the first submit?", _lazy_threads),
    "keyword arguments": ("submit(scaled, 3, factor=10) passes factor?", _keyword_arguments),
    "shutdown(wait=True)": ("Returns when the workers are idle?", _shutdown_returns),
    "cancel a pending task": ("Task skipped, worker survives?", _cancelled_task),
    "task raises SystemExit": ("Future resolves, worker survives?", _base_exception),
    "submit during shutdown": ("The task runs or submit raises?", _submit_during_shutdown),
    "pool dropped without shutdown": ("Its threads exit?", _dropped_pool),
}


#: One of :data:`SCENARIOS`.
ScenarioName = Annotated[str, Choice(SCENARIOS)]


@validated
def run_scenario(scenario: ScenarioName, pool: PoolName, patience: Patience = 0.3) -> Outcome:
    """Run one scenario on one pool; bounded by a few ``patience`` periods, leaves nothing.

    Raises ``TimeoutError`` naming the threads if the rescue could not end them all.
    """
    _, run = SCENARIOS[scenario]
    with _thread_deaths() as deaths:
        made, ok, detail = run(POOLS[pool], patience)
        if made is not None:
            _close(made, patience).check(f"the threads of the {pool}")
        del made
        # A dead sketch worker's exception is reported through the hook as the thread ends.
        time.sleep(0.01)
    return Outcome(
        scenario=scenario,
        pool=pool,
        ok=ok,
        detail=detail,
        died=tuple(sorted({kind for _, kind in deaths})),
    )


# --- Interpreter exit, in a child process -----------------------------------------------------

_ROOT = Path(__file__).resolve().parents[3]
_CHILD = "helpers.lessons.thread_pool_executor.child"  # what the child interpreters run


@dataclass(frozen=True)
class ExitCheck:
    """Whether a Python process using ``pool`` (and never shutting it down) could exit."""

    pool: str
    finished_work: bool
    exited: bool
    returncode: int | None
    output: str

    def __str__(self) -> str:
        if not self.finished_work:
            return f"{self.pool}: the child did not finish its work in time:\n{self.output}"
        if self.exited:
            return f"{self.pool}: the interpreter exited (return code {self.returncode})"
        return f"{self.pool}: the interpreter hung at exit and was killed"


@validated
def exit_check(
    pool: PoolName,
    *,
    exit_timeout: Annotated[float, Seconds()] = 1.0,
    startup_timeout: Annotated[float, Seconds()] = 30.0,
) -> ExitCheck:
    """Run a child Python that uses ``pool`` and ends without ``shutdown()``
    (:func:`.child.exit_without_shutdown`); can it exit?

    The child may take up to ``startup_timeout`` seconds to start and run its task (a busy
    machine); after it prints ``main done`` it gets ``exit_timeout`` seconds to exit, then it
    is killed. Nothing outlives the call.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", _CHILD, "unshut", pool],
        cwd=_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def pump() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line)
        lines.put(None)

    reader = start_thread(pump, "exit-check-reader")
    output: list[str] = []
    finished = exited = False
    try:
        deadline = time.monotonic() + startup_timeout
        while not finished:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            output.append(line)
            finished = line.strip() == "main done"
        if finished:
            try:
                child.wait(timeout=exit_timeout)
                exited = True
            except subprocess.TimeoutExpired:
                exited = False
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=10)
        stop([reader], 10).check("the exit check's output reader")
        if child.stdout is not None:
            child.stdout.close()
    return ExitCheck(pool, finished, exited, child.returncode, "".join(output))


@dataclass(frozen=True)
class ExitOrder:
    """What a child interpreter printed, in order, and how it ended."""

    lines: tuple[str, ...]
    returncode: int | None

    def __str__(self) -> str:
        shown = "\n".join(f"  {n}. {line}" for n, line in enumerate(self.lines, 1))
        return f"the child printed, in this order:\n{shown}\nreturn code: {self.returncode}"


@validated
def exit_after_shutdown_nowait(*, timeout: Annotated[float, Seconds()] = 30.0) -> ExitOrder:
    """Run :func:`.child.exit_after_shutdown_nowait` in a child interpreter (bounded: killed
    after ``timeout`` seconds) and return what it printed."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", _CHILD, "nowait"],
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout or ""
        text = out.decode() if isinstance(out, bytes) else out
        return ExitOrder(tuple(text.splitlines()), None)
    return ExitOrder(tuple(done.stdout.splitlines()), done.returncode)
