"""The syllabus's thread-pool sketches, BROKEN ON PURPOSE, and safe demonstrations of how they fail.

The syllabus explains ``ThreadPoolExecutor`` with two small classes. They look plausible and
are wrong in ways that matter (see ERRATA 8 and 14): keyword arguments vanish, ``shutdown``
can hang, a cancelled task kills a worker, ``SystemExit`` leaves a future unresolved forever,
``submit`` races with ``shutdown``, and all threads start up front.

They are reproduced here ONLY so notebook 07 can run them side by side with the standard
executor and the course's teaching executor, and show each failure *safely*: every wait has a
timeout, threads that die are reported instead of printing tracebacks, and stuck workers are
rescued (woken with sentinels and joined) before a demo returns. Never use them for real work.

Changes from the syllabus text, none of which affects the failures shown: worker threads get
a recognisable name, and the first sketch imports ``os`` (the syllabus forgot it).
"""

from __future__ import annotations

import gc
import html
import queue
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core.timing import Progress
from ...core.validate import validate_callable, validate_choice, validate_items, validate_seconds
from ...sketches.executor import SyllabusSketch1, SyllabusSketch2
from ...teaching import executor as teaching

_MAX_PATIENCE_S = 10.0  # a failing scenario costs a few patience periods

# --- The pools compared ---------------------------------------------------------------------

Factory = Callable[[int], Any]
"""Makes a pool with the given number of workers."""

#: Every pool the comparison runs, by the label the table shows.
POOLS: dict[str, Factory] = {
    "syllabus sketch 1": SyllabusSketch1,
    "syllabus sketch 2": SyllabusSketch2,
    "teaching executor": lambda n: teaching.ThreadPoolExecutor(n, thread_name_prefix="teaching"),
    "standard executor": lambda n: ThreadPoolExecutor(n, thread_name_prefix="standard"),
}
SKETCHES = ("syllabus sketch 1", "syllabus sketch 2")


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


def _rescue(pool: Any, threads: Sequence[threading.Thread], patience: float) -> None:
    """Stop a sketch's workers from outside: set its flag, one sentinel per thread, join."""
    stuck = [t for t in threads if t.is_alive()]
    pool._shutdown = True  # the first sketch's loop only exits when it sees the flag
    for _ in stuck:
        pool._work_queue.put(None)
    deadline = time.monotonic() + max(patience, 1.0)
    for thread in stuck:
        thread.join(max(0.0, deadline - time.monotonic()))


def _close(pool: Any, patience: float) -> None:
    """Clean up after a scenario, bounded.

    A sketch's own ``shutdown`` may hang (that is one of the scenarios), so sketches are
    rescued directly. A real executor is shut down normally, in a helper thread, bounded.
    """
    threads = list(pool._threads)
    if not isinstance(pool, (teaching.ThreadPoolExecutor, ThreadPoolExecutor)):
        _rescue(pool, threads, patience)
        return
    closer = threading.Thread(target=pool.shutdown, name="sketch-closer", daemon=True)
    closer.start()
    closer.join(10 * patience)


def _result(future: Future[Any], patience: float) -> tuple[bool, Any]:
    """(resolved, value or exception) within ``patience`` seconds."""
    try:
        return True, future.result(timeout=patience)
    except FuturesTimeout:
        return False, None
    except BaseException as error:  # the task's own exception, even SystemExit
        return True, error


def scaled(x: int, factor: int = 1) -> int:
    return x * factor


def _exit_now() -> None:
    raise SystemExit("a task called sys.exit()")


# --- Scenarios: each returns (ok, detail); the runner adds deaths and rescues ------------------


def lazy_threads(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(4)
    alive = sum(t.is_alive() for t in pool._threads)
    if alive:
        return pool, False, f"{alive} of 4 threads started before any task was submitted"
    return pool, True, "no thread until the first submit"


def keyword_arguments(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(1)
    _, value = _result(pool.submit(scaled, 3, factor=10), patience)
    if value == 30:
        return pool, True, "scaled(3, factor=10) returned 30"
    return pool, False, f"scaled(3, factor=10) returned {value!r}: factor=10 was dropped"


def shutdown_returns(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(2)
    _result(pool.submit(scaled, 1), patience)
    closer = threading.Thread(target=pool.shutdown, name="sketch-closer", daemon=True)
    closer.start()
    closer.join(patience)
    if closer.is_alive():
        _rescue(pool, list(pool._threads), patience)  # lets the hung shutdown() return
        closer.join(10 * patience)
        return (
            pool,
            False,
            f"shutdown(wait=True) still waiting after {patience:g} s: the idle workers sleep "
            "in get() and never see the flag",
        )
    return pool, True, "shutdown(wait=True) returned: the idle workers were woken"


def cancelled_task(make: Factory, patience: float) -> tuple[Any, bool, str]:
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


def base_exception(make: Factory, patience: float) -> tuple[Any, bool, str]:
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


def submit_during_shutdown(make: Factory, patience: float) -> tuple[Any, bool, str]:
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

    a = threading.Thread(target=submitter, name="sketch-submitter", daemon=True)
    b = threading.Thread(
        target=pool.shutdown, kwargs={"wait": False}, name="sketch-closer", daemon=True
    )
    a.start()
    wrapper.paused.wait(10 * patience)  # submit has passed its check, and waits inside put
    b.start()
    wrapper.sentinel.wait(patience)  # a sentinel now would be queued before the task
    shutdown_waited = b.is_alive()  # still blocked: shutdown waits for the submit to finish
    wrapper.go.set()
    a.join(10 * patience)
    b.join(10 * patience)
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


def dropped_pool(make: Factory, patience: float) -> tuple[Any, bool, str]:
    pool = make(2)
    _result(pool.submit(scaled, 1), patience)
    threads = list(pool._threads)
    ref = weakref.ref(pool)
    del pool  # dropped without shutdown()
    gc.collect()
    deadline = time.monotonic() + patience
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = sum(t.is_alive() for t in threads)
    if alive:
        # Each thread's target is a bound method of the pool: the threads keep it alive.
        return (
            ref(),
            False,
            f"{alive} threads still blocked in get(): they hold the pool, nothing wakes them",
        )
    return None, True, "the workers exited once the pool was garbage-collected"


Scenario = Callable[[Factory, float], tuple[Any, bool, str]]

#: The scenarios, in the order the table shows them, with the question each one asks.
SCENARIOS: dict[str, tuple[str, Scenario]] = {
    "lazy threads": ("No thread before the first submit?", lazy_threads),
    "keyword arguments": ("submit(scaled, 3, factor=10) passes factor?", keyword_arguments),
    "shutdown(wait=True)": ("Returns when the workers are idle?", shutdown_returns),
    "cancel a pending task": ("Task skipped, worker survives?", cancelled_task),
    "task raises SystemExit": ("Future resolves, worker survives?", base_exception),
    "submit during shutdown": ("The task runs or submit raises?", submit_during_shutdown),
    "pool dropped without shutdown": ("Its threads exit?", dropped_pool),
}


def run_scenario(scenario: str, pool: str, patience: float = 0.3) -> Outcome:
    """Run one scenario on one pool; bounded by a few ``patience`` periods, leaves nothing."""
    validate_choice(scenario, "scenario", SCENARIOS)
    validate_choice(pool, "pool", POOLS)
    validate_seconds(patience, "patience", maximum=_MAX_PATIENCE_S)
    _, run = SCENARIOS[scenario]
    with _thread_deaths() as deaths:
        made, ok, detail = run(POOLS[pool], patience)
        if made is not None:
            _close(made, patience)
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


@dataclass(frozen=True, repr=False)
class Comparison:
    """Every scenario on every pool; displays as a table in a notebook."""

    pools: tuple[str, ...]
    outcomes: tuple[Outcome, ...] = field(default=())

    def outcome(self, scenario: str, pool: str) -> Outcome:
        for outcome in self.outcomes:
            if (outcome.scenario, outcome.pool) == (scenario, pool):
                return outcome
        raise KeyError((scenario, pool))

    def passed(self, pool: str) -> list[str]:
        return [o.scenario for o in self.outcomes if o.pool == pool and o.ok]

    def failed(self, pool: str) -> list[str]:
        return [o.scenario for o in self.outcomes if o.pool == pool and not o.ok]

    def _footer(self) -> str:
        if not set(self.pools) & set(SKETCHES):
            return ""
        return (
            "After each scenario the demo stops the sketches' threads itself (their flag plus "
            "one sentinel per thread) and joins them: their own shutdown cannot be trusted."
        )

    def _scenarios(self) -> list[str]:
        return list(dict.fromkeys(o.scenario for o in self.outcomes))

    @staticmethod
    def _cell_text(outcome: Outcome) -> str:
        extra = []
        if outcome.died:
            extra.append(f"worker died: {', '.join(outcome.died)}")
        suffix = f" [{'; '.join(extra)}]" if extra else ""
        return f"{'✔' if outcome.ok else '✘'} {outcome.detail}{suffix}"

    def __str__(self) -> str:
        lines = []
        for scenario in self._scenarios():
            lines.append(f"{scenario}: {SCENARIOS[scenario][0]}")
            for pool in self.pools:
                lines.append(f"    {pool:<18} {self._cell_text(self.outcome(scenario, pool))}")
        return "\n".join([*lines, self._footer()]).strip()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(p)}</th>" for p in self.pools)
        rows = []
        for scenario in self._scenarios():
            cells = []
            for pool in self.pools:
                outcome = self.outcome(scenario, pool)
                colour = "#009E73" if outcome.ok else "#D55E00"
                cells.append(
                    f"<td style='text-align:left;vertical-align:top;color:{colour}'>"
                    f"{html.escape(self._cell_text(outcome))}</td>"
                )
            question = html.escape(SCENARIOS[scenario][0])
            rows.append(
                f"<tr><th style='text-align:left;vertical-align:top'>{html.escape(scenario)}"
                f"<br><span style='font-weight:normal'>{question}</span></th>{''.join(cells)}</tr>"
            )
        footer = f"<p>{html.escape(self._footer())}</p>" if self._footer() else ""
        return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>{footer}"


def _validate_names(values: object, argument: str, allowed: dict[str, Any]) -> list[str]:
    """A list of names, each a key of ``allowed``."""
    names = validate_items(values, argument)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{argument} must hold strings, among {list(allowed)}; got {name!r}")
        if name not in allowed:
            raise ValueError(f"{argument} must be among {list(allowed)}; got {name!r}")
    return names


def compare(
    pools: Sequence[str] = tuple(POOLS),
    scenarios: Sequence[str] = tuple(SCENARIOS),
    *,
    patience: float = 0.3,
    progress: Progress | None = None,
) -> Comparison:
    """Run every scenario on every pool. A failure costs about ``patience`` seconds."""
    pools = _validate_names(pools, "pools", POOLS)
    scenarios = _validate_names(scenarios, "scenarios", SCENARIOS)
    if not pools or not scenarios:
        raise ValueError("pools and scenarios must each name at least one value")
    validate_seconds(patience, "patience", maximum=_MAX_PATIENCE_S)
    validate_callable(progress, "progress", optional=True)
    outcomes = []
    total = len(pools) * len(scenarios)
    for scenario in scenarios:
        for pool in pools:
            outcomes.append(run_scenario(scenario, pool, patience))
            if progress is not None:
                progress(len(outcomes), total)
    return Comparison(pools=tuple(pools), outcomes=tuple(outcomes))


# --- Interpreter exit, in a child process -----------------------------------------------------

_ROOT = Path(__file__).resolve().parents[3]
_CHILD = """
import sys
from helpers.lessons.thread_pool_executor.scenarios import POOLS
pool = POOLS[sys.argv[1]](2)
print(pool.submit(sum, [1, 2, 3]).result(timeout=10), flush=True)
print("main done", flush=True)
# No shutdown(): the pool is still referenced when the interpreter exits.
"""


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


def exit_check(pool: str, *, exit_timeout: float = 1.0, startup_timeout: float = 30.0) -> ExitCheck:
    """Run a child Python that uses ``pool`` and ends without ``shutdown()``; can it exit?

    The child may take up to ``startup_timeout`` seconds to start and run its task (a busy
    machine); after it prints ``main done`` it gets ``exit_timeout`` seconds to exit, then it
    is killed. Nothing outlives the call.
    """
    validate_choice(pool, "pool", POOLS)
    validate_seconds(exit_timeout, "exit_timeout")
    validate_seconds(startup_timeout, "startup_timeout")
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, pool],
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

    reader = threading.Thread(target=pump, name="exit-check-reader", daemon=True)
    reader.start()
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
        reader.join(10)
        if child.stdout is not None:
            child.stdout.close()
    return ExitCheck(pool, finished, exited, child.returncode, "".join(output))
