"""Bad input (issue 9): every public helper refuses invalid arguments, by name, before it starts
anything.

``TABLE`` has one entry per public function (or class): arguments that are valid and cheap, and
for each argument that is a count, a size, a duration, a choice, a flag, a callable or an object
of a clear type, the domain it must come from. Hypothesis draws values from the complement of
that domain (ints below the minimum, floats where ints are needed, strings, None, bools, unknown
choices, lists holding one bad element ...); the call must raise ``ValueError`` or
``TypeError`` whose message names the argument, and must not start a thread, a process or a
subprocess on the way.

:func:`test_every_public_function_with_such_arguments_is_in_the_table` walks ``helpers`` with
``pkgutil`` and ``inspect``, so a new public function with such an argument fails the suite
until it is validated and added to ``TABLE`` (or, with a reason, to ``EXEMPT``).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import math
import os
import pkgutil
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import helpers
from helpers import (
    beyond_gil,
    checks,
    conditions,
    explore,
    fetch,
    gil,
    ipc,
    leftovers,
    locks,
    machine,
    plots,
    pools,
    procs,
    queues,
    races,
    semaphores,
    sketches,
    sketches_executor,
    source,
    timeline,
    timing,
    validate,
    widgets,
    workloads,
)

# A few dozen examples per argument find every gap a validator has (the domains are small and
# their edges are drawn on purpose) and keep the whole file well under 20 s.
BAD_INPUT = settings(max_examples=20, deadline=None, database=None)

MAX_TIMEOUT = validate.MAX_TIMEOUT_S


# --- Domains: what an argument may be, and (drawn by hypothesis) what it may not ---------------

#: Values of no use as a number, a choice, a flag or a callable.
JUNK = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.binary(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.just(object()),
)
NOT_A_NUMBER = st.one_of(JUNK, st.booleans(), st.complex_numbers(max_magnitude=10))


class Domain(Protocol):
    def invalid(self) -> st.SearchStrategy[Any]: ...


def _without_none(strategy: st.SearchStrategy[Any], optional: bool) -> st.SearchStrategy[Any]:
    return strategy.filter(lambda value: value is not None) if optional else strategy


@dataclass(frozen=True)
class Int:
    """An int from ``minimum`` to ``maximum`` (None: unbounded); bools and floats refused."""

    minimum: int | None = 1
    maximum: int | None = None
    optional: bool = False

    def invalid(self) -> st.SearchStrategy[Any]:
        bad = [st.floats(allow_nan=True), NOT_A_NUMBER]  # 2.0 is not an int either
        if self.minimum is not None:
            bad.append(st.integers(max_value=self.minimum - 1))
            bad.append(st.just(self.minimum - 1))  # the edge, every run
        if self.maximum is not None:
            bad.append(st.integers(min_value=self.maximum + 1))
            bad.append(st.just(self.maximum + 1))
        return _without_none(st.one_of(bad), self.optional)


@dataclass(frozen=True)
class Number:
    """A number in ``[minimum, maximum]`` (``(minimum, maximum]`` with ``above``); NaN refused."""

    minimum: float = -math.inf
    maximum: float = math.inf
    above: bool = False
    optional: bool = False

    def invalid(self) -> st.SearchStrategy[Any]:
        bad = [st.just(math.nan), NOT_A_NUMBER]
        if self.minimum != -math.inf:
            bad.append(st.floats(max_value=self.minimum, exclude_max=not self.above))
            edge = math.floor(self.minimum) if self.above else math.ceil(self.minimum) - 1
            bad.append(st.integers(max_value=edge))
        if self.maximum != math.inf:
            bad.append(st.floats(min_value=self.maximum, exclude_min=True))
            bad.append(st.integers(min_value=math.floor(self.maximum) + 1))
        return _without_none(st.one_of(bad), self.optional).filter(self._outside)

    def _outside(self, value: object) -> bool:
        """False for the few draws that are valid after all (-0.0 when 0 is allowed ...)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            return True
        low_ok = value > self.minimum if self.above else value >= self.minimum
        return not (low_ok and value <= self.maximum)


def seconds(maximum: float, *, optional: bool = False) -> Number:
    """A duration that must be positive: ``(0, maximum]`` seconds."""
    return Number(0, maximum, above=True, optional=optional)


def wait(maximum: float = MAX_TIMEOUT) -> Number:
    """A bound on a wait where 0 means "do not wait, just look": ``[0, maximum]`` seconds."""
    return Number(0, maximum)


def millis(minimum: float, maximum: float) -> Number:
    return Number(minimum, maximum)


@dataclass(frozen=True)
class Choice:
    """One of ``allowed`` (strings, or ints)."""

    allowed: tuple[Any, ...]
    optional: bool = False

    def invalid(self) -> st.SearchStrategy[Any]:
        allowed = self.allowed  # a tuple: membership by ==, so unhashable draws are fine
        if all(isinstance(a, str) for a in self.allowed):
            unknown = st.text(max_size=12).filter(lambda v: v not in allowed)
            other = st.one_of(st.integers(), st.floats(), st.booleans(), JUNK.filter(_not_str))
        else:
            unknown = st.integers().filter(lambda v: v not in allowed)
            other = st.one_of(st.floats(), st.booleans(), JUNK)
        bad = st.one_of(unknown, st.just("Cpu"), st.just(""), other)  # case matters
        return _without_none(bad.filter(lambda v: v not in allowed), self.optional)


def _not_str(value: object) -> bool:
    return not isinstance(value, str)


def choice(options: Mapping[Any, Any] | tuple[Any, ...] | list[Any], **kw: Any) -> Choice:
    return Choice(tuple(options), **kw)


START_METHOD = choice(machine.available_start_methods(), optional=True)


@dataclass(frozen=True)
class Flag:
    """``True`` or ``False``, nothing truthy or falsy."""

    def invalid(self) -> st.SearchStrategy[Any]:
        return st.one_of(st.integers(), st.floats(), JUNK)


@dataclass(frozen=True)
class Call:
    """Something callable (or None, when optional)."""

    optional: bool = False

    def invalid(self) -> st.SearchStrategy[Any]:
        bad = st.one_of(st.integers(), st.floats(), st.booleans(), JUNK)
        return _without_none(bad, self.optional).filter(lambda v: not callable(v))


PROGRESS = Call(optional=True)


@dataclass(frozen=True)
class Instance:
    """An instance of ``kinds`` (or None, when optional)."""

    kinds: type | tuple[type, ...]
    optional: bool = False

    def invalid(self) -> st.SearchStrategy[Any]:
        bad = st.one_of(st.integers(), st.floats(), st.booleans(), JUNK)
        return _without_none(bad, self.optional).filter(lambda v: not isinstance(v, self.kinds))


@dataclass(frozen=True)
class Duck:
    """Anything with these attributes (a lock, a queue ...); plain values have none of them."""

    attributes: tuple[str, ...]

    def invalid(self) -> st.SearchStrategy[Any]:
        bad = st.one_of(st.integers(), st.floats(), st.booleans(), JUNK)
        return bad.filter(lambda v: not all(hasattr(v, name) for name in self.attributes))


LOCK = Duck(("acquire", "release"))


@dataclass(frozen=True)
class Items:
    """A list (or tuple, range ...) of values from ``each``; ``example`` is a valid one."""

    each: Domain
    example: Any
    empty_ok: bool = False
    optional: bool = False

    def invalid(self) -> st.SearchStrategy[Any]:
        bad = [
            st.integers(),
            st.floats(),
            st.booleans(),
            st.text(min_size=1, max_size=6),  # a string is not a list of its letters
            st.builds(lambda v: [self.example, v], self.each.invalid()),
            st.builds(lambda v: (v,), self.each.invalid()),
        ]
        if not self.optional:
            bad.append(st.none())
        if not self.empty_ok:
            bad.append(st.sampled_from([[], ()]))
        return st.one_of(bad)


@dataclass(frozen=True)
class Pairs:
    """(start, end) pairs of numbers, as :func:`helpers.timing.max_overlap` takes."""

    def invalid(self) -> st.SearchStrategy[Any]:
        bad_pair = st.one_of(
            st.none(),
            st.text(),
            st.booleans(),
            st.integers(),
            st.tuples(st.integers()),
            st.tuples(st.integers(), st.integers(), st.integers()),
            st.tuples(st.integers(), NOT_A_NUMBER),
            st.tuples(st.just(math.nan), st.integers()),
        )
        return st.one_of(
            st.integers(),
            st.none(),
            st.text(min_size=1),
            st.builds(lambda p: [(0, 1), p], bad_pair),
        )


@dataclass(frozen=True)
class Classes:
    """``{name: class or factory}``, as the fact tables take."""

    def invalid(self) -> st.SearchStrategy[Any]:
        not_callable = st.one_of(st.integers(), st.text(), st.none())
        return st.one_of(
            st.integers(),
            st.none(),
            st.lists(st.integers(), max_size=2),
            st.builds(lambda v: {"x": v}, not_callable),
            st.builds(lambda k: {k: object}, st.one_of(st.integers(), st.none())),
        )


@dataclass(frozen=True)
class Checks:
    """(fact, check function) pairs, as :func:`helpers.conditions.fact_table` takes."""

    def invalid(self) -> st.SearchStrategy[Any]:
        bad_entry = st.one_of(
            st.integers(), st.text(), st.tuples(st.text(), st.integers()), st.just(("a",))
        )
        return st.one_of(st.integers(), st.none(), st.builds(lambda e: [e], bad_entry))


@dataclass(frozen=True)
class Pattern:
    """A regular expression (a string that compiles), or None."""

    def invalid(self) -> st.SearchStrategy[Any]:
        broken = st.sampled_from(["(", "[a-", "*x", "a{2,1}", "(?P<>x)"])
        return st.one_of(broken, st.integers(), st.binary(min_size=1), st.lists(st.text()))


@dataclass(frozen=True)
class Version:
    """A (major, minor) tuple of ints."""

    def invalid(self) -> st.SearchStrategy[Any]:
        return st.one_of(
            NOT_A_NUMBER.filter(lambda v: not isinstance(v, tuple)),
            st.tuples(st.integers()),
            st.tuples(st.integers(), st.integers(), st.integers()),
            st.tuples(st.integers(), st.one_of(st.floats(), st.text(), st.booleans())),
            st.just("3.12"),
            st.just([3, 12]),
        )


@dataclass(frozen=True)
class Env:
    """Environment variables for a child: {name: value}, strings only (or None, when optional)."""

    optional: bool = False

    def invalid(self) -> st.SearchStrategy[Any]:
        bad = st.one_of(
            st.integers(),
            st.lists(st.text(), max_size=2),
            st.text(min_size=1),
            st.builds(lambda v: {"PYTHON_GIL": v}, st.one_of(st.integers(), st.none())),
            st.builds(lambda k: {k: "1"}, st.integers()),
        )
        return bad if self.optional else st.one_of(bad, st.none())


@dataclass(frozen=True)
class Legend:
    """A (solid, faded) pair of strings."""

    def invalid(self) -> st.SearchStrategy[Any]:
        return st.one_of(
            JUNK,
            st.tuples(st.text()),
            st.tuples(st.text(), st.integers()),
            st.lists(st.text(), min_size=2, max_size=2),
        )


@dataclass(frozen=True)
class Controls:
    """``{name: widget}`` for an :class:`helpers.widgets.Explorer`."""

    def invalid(self) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.integers(),
            st.none(),
            st.lists(st.integers(), max_size=2),
            st.builds(lambda v: {"n": v}, st.one_of(st.integers(), st.text(), st.none())),
        )


@dataclass(frozen=True)
class ThreadArgs:
    """One tuple of arguments per thread, at least one thread."""

    def invalid(self) -> st.SearchStrategy[Any]:
        not_args = st.one_of(st.integers(), st.none(), st.text(min_size=1))
        return st.one_of(
            st.integers(), st.none(), st.just([]), st.builds(lambda v: [(), v], not_args)
        )


@dataclass(frozen=True)
class VarLocks:
    """The ``*locks`` of :func:`helpers.locks.acquire_in_order`: at least one, each a lock."""

    def invalid(self) -> st.SearchStrategy[Any]:
        return st.one_of(st.just(()), st.builds(lambda v: (threading.Lock(), v), LOCK.invalid()))


@dataclass(frozen=True)
class AcquireTimeout:
    """-1 (wait forever, as ``Lock.acquire``) or 0 up to the longest timeout."""

    def invalid(self) -> st.SearchStrategy[Any]:
        below = st.floats(max_value=0, exclude_max=True).filter(lambda v: v != -1)
        return st.one_of(
            below, st.integers(max_value=-2), Number(-1, MAX_TIMEOUT).invalid(), st.just(-0.5)
        )


# --- Valid arguments that need objects -----------------------------------------------------------


class Lazy:
    """A valid argument made on first use (a figure, a run, a snapshot), then reused."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = functools.cache(make)


def _serial_run(executor: str = "serial") -> timing.RunResult:
    run = timing.run_tasks("io", "serial", 1, 1, 0.001)  # a millisecond on the calling thread
    return dataclasses.replace(run, executor=executor)


def _measurement(executor: str) -> timing.Measurement:
    return timing.Measurement(serial=_serial_run(), run=_serial_run(executor))


RUN = Lazy(_serial_run)
MEASUREMENT = Lazy(lambda: _measurement("threads"))
SCALING_DATA = Lazy(
    lambda: {
        ("cpu", "threads"): [_measurement("threads")],
        ("cpu", "processes"): [_measurement("processes")],
        ("io", "threads"): [_measurement("threads")],
    }
)
PREVIEW = Lazy(lambda: [_measurement("threads"), _measurement("processes")])
AXES = Lazy(lambda: plots.new_figure()[1][0])
FIGURE = Lazy(lambda: plots.new_figure()[0])
SNAPSHOT = Lazy(leftovers.snapshot)
THREAD_POOL = Lazy(lambda: ThreadPoolExecutor(max_workers=1))  # no thread until a submit
INTERPRETER = beyond_gil.Interpreter(sys.executable, "3", False, True, "this test")
SPEC = workloads.TaskSpec(0, "io", 0.001)
WEB = fetch.SimulatedWeb(1)
URL = "https://example.org/articles/000"


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


# --- The table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One public function: valid keyword arguments, and the domain of each argument checked.

    ``args``: positional arguments before the keywords. ``varargs``: the name of a ``*args``
    parameter whose domain gives the whole tuple. ``context``: a context manager, which
    validates when the ``with`` block is entered. ``names``: the word a message uses for an
    argument when it differs from the parameter's name.
    """

    fn: Callable[..., Any]
    valid: dict[str, Any]
    domains: dict[str, Domain]
    args: tuple[Any, ...] = ()
    varargs: str | None = None
    context: bool = False
    names: dict[str, str] = field(default_factory=dict)

    @property
    def qualname(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


KINDS = choice(workloads.WORKLOAD_KINDS)
EXECUTORS = choice(timing.EXECUTOR_KINDS)
WORKERS = Int(1, 256)
TASK_MS = millis(1, 5_000)
RUN_OPTIONS = {"start_method": START_METHOD, "progress": PROGRESS}
# A batch of tasks, as every runner and explorer takes it.
BATCH = {"kind": KINDS, "executor": EXECUTORS, "workers": WORKERS, "tasks": Int(1)}

TABLE: list[Case] = [
    # workloads
    Case(workloads.validate_kind, {"kind": "cpu"}, {"kind": KINDS}),
    Case(workloads.seconds_per_unit, {"kind": "io"}, {"kind": KINDS}),
    Case(
        workloads.calibrate,
        {"kind": "io", "seconds": 0.01},
        {"kind": KINDS, "seconds": seconds(60)},
    ),
    Case(
        workloads.make_tasks,
        {"kind": "io", "tasks": 1, "task_seconds": 0.01},
        {"kind": KINDS, "tasks": Int(1), "task_seconds": seconds(60)},
    ),
    # timing
    Case(
        timing.summarize,
        {"samples": [0.1]},
        {"samples": Items(Number(0), 0.1)},
    ),
    Case(timing.repeat, {"fn": _nothing, "runs": 1}, {"fn": Call(), "runs": Int(1)}),
    Case(timing.validate_executor, {"executor": "threads"}, {"executor": EXECUTORS}),
    Case(timing.validate_workers, {"workers": 1}, {"workers": WORKERS}),
    Case(timing.ideal_speedup, {"workers": 2, "tasks": 8}, {"workers": Int(1), "tasks": Int(1)}),
    Case(
        timing.speedup_limit,
        {"kind": "cpu", "workers": 2, "tasks": 8, "cores": 2},
        {"kind": KINDS, "workers": Int(1), "tasks": Int(1), "cores": Int(1, optional=True)},
    ),
    Case(timing.max_overlap, {"intervals": [(0, 1)]}, {"intervals": Pairs()}),
    Case(timing.stop_pool, {"pool": THREAD_POOL}, {"pool": Instance(Executor)}),
    Case(
        timing.run_specs,
        {"specs": [SPEC], "executor": "serial", "workers": 1},
        {
            "specs": Items(Instance(workloads.TaskSpec), SPEC),
            "executor": EXECUTORS,
            "workers": WORKERS,
            "timeout": seconds(24 * 3600, optional=True),
            **RUN_OPTIONS,
        },
    ),
    Case(
        timing.run_tasks,
        {"kind": "io", "executor": "serial", "workers": 1, "tasks": 1, "task_seconds": 0.001},
        {
            **BATCH,
            "task_seconds": seconds(60),
            "timeout": seconds(24 * 3600, optional=True),
            **RUN_OPTIONS,
        },
    ),
    Case(
        timing.measure,
        {"kind": "io", "executor": "serial", "workers": 1, "tasks": 1, "task_seconds": 0.001},
        {
            **BATCH,
            "task_seconds": seconds(60),
            "baseline": Instance(timing.RunResult, optional=True),
            **RUN_OPTIONS,
        },
    ),
    Case(
        timing.sweep,
        {"kind": "io", "executor": "serial", "workers": [1], "tasks": 1, "task_seconds": 0.001},
        {
            **BATCH,
            "workers": Items(WORKERS, 1),
            "task_seconds": seconds(60),
            **RUN_OPTIONS,
        },
    ),
    # machine
    Case(
        machine.validate_start_method,
        {"method": machine.start_method()},
        {"method": choice(machine.available_start_methods())},
        names={"method": "start_method"},
    ),
    Case(machine.mp_context, {}, {"method": START_METHOD}, names={"method": "start_method"}),
    Case(machine.cpu_quota, {"root": Path("/no/such/cgroup")}, {"root": Instance(os.PathLike)}),
    # explore
    Case(explore.task_seconds_from_ms, {"task_ms": 40}, {"task_ms": TASK_MS}),
    Case(
        explore.explore_workers,
        {"kind": "io", "executor": "serial", "workers": 1, "tasks": 1, "task_ms": 1},
        {
            **BATCH,
            "task_ms": TASK_MS,
            "history": Instance(explore.SpeedupHistory, optional=True),
            **RUN_OPTIONS,
        },
    ),
    Case(
        explore.compare_executors,
        {"workers": 1, "tasks": 1, "task_ms": 1, "kinds": ("io",), "executors": ("serial",)},
        {
            "workers": WORKERS,
            "tasks": Int(1),
            "task_ms": TASK_MS,
            "kinds": Items(KINDS, "io"),
            "executors": Items(EXECUTORS, "serial"),
            **RUN_OPTIONS,
        },
    ),
    # gil
    Case(gil.switch_interval, {"seconds": 0.005}, {"seconds": seconds(1.0)}, context=True),
    Case(
        gil.plot_turns,
        {"result": RUN},
        {"result": Instance(timing.RunResult), "ax": Instance(Axes, optional=True)},
    ),
    Case(
        gil.threads_at_work,
        {"threads": 1, "task_ms": 1},
        {"threads": Int(1, 8), "task_ms": millis(1, 2_000), "progress": PROGRESS},
    ),
    Case(
        gil.wakeup_delays,
        {"samples": 1, "sleep_ms": 1},
        {"samples": Int(1, 1_000), "sleep_ms": millis(1, 2_000)},
    ),
    Case(
        gil.switch_interval_demo,
        {"intervals_ms": [5], "threads": 1, "task_ms": 1, "wakeups": 1},
        {
            "intervals_ms": Items(millis(1, 100), 5),
            "threads": Int(1, 8),
            "task_ms": millis(1, 2_000),
            "wakeups": Int(1, 100),
            "progress": PROGRESS,
        },
    ),
    Case(
        gil.c_versus_python,
        {"workers": [1], "tasks": 1, "task_ms": 1},
        {
            "workers": Items(Int(1, 16), 1),
            "tasks": Int(1),
            "task_ms": millis(1, 2_000),
            "progress": PROGRESS,
        },
    ),
    Case(
        gil.scaling,
        {"max_workers": 1, "tasks": 1, "task_ms": 1},
        {"max_workers": Int(1, 16), "tasks": Int(1), "task_ms": millis(1, 2_000), **RUN_OPTIONS},
    ),
    Case(
        gil.describe_scaling,
        {"data": SCALING_DATA, "cores": 2},
        {"cores": Int(1, optional=True)},
    ),
    # beyond_gil
    Case(
        beyond_gil.probe,
        {"path": sys.executable, "source": "this test"},
        {"path": Instance((str, os.PathLike)), "source": Instance(str), "env": Env(optional=True)},
    ),
    Case(beyond_gil.find_interpreters, {}, {"force_gil_variant": Flag()}),
    Case(
        beyond_gil.run_bench,
        {"interpreter": INTERPRETER, "threads": [1], "task_seconds": 0.01, "repeats": 1},
        {
            "interpreter": Instance(beyond_gil.Interpreter),
            "threads": Items(Int(1), 1),
            "task_seconds": seconds(5),
            "repeats": Int(1),
        },
    ),
    Case(
        beyond_gil.compare_interpreters,
        {"max_threads": 1, "task_ms": 1, "repeats": 1, "interpreters": [INTERPRETER]},
        {
            "max_threads": Int(1, 64),
            "task_ms": TASK_MS,
            "repeats": Int(1),
            "interpreters": Items(Instance(beyond_gil.Interpreter), INTERPRETER, optional=True),
            "progress": PROGRESS,
        },
    ),
    Case(beyond_gil.thread_counts, {"max_threads": 4}, {"max_threads": Int(1)}),
    Case(
        beyond_gil.run_races,
        {"interpreter": INTERPRETER, "threads": 1, "increments": 1},
        {
            "interpreter": Instance(beyond_gil.Interpreter),
            "threads": Int(1),
            "increments": Int(1),
        },
    ),
    Case(
        beyond_gil.with_env,
        {"interpreter": INTERPRETER},
        {"interpreter": Instance(beyond_gil.Interpreter)},
    ),
    # races
    Case(races.validate_mode, {"mode": "plain"}, {"mode": choice(races.MODES)}),
    Case(
        races.join_all,
        {"threads": [], "timeout": 0},
        {"threads": Items(Instance(threading.Thread), [], empty_ok=True), "timeout": wait()},
    ),
    Case(
        races.run_threads,
        {"target": _nothing, "args_per_thread": [()]},
        {
            "target": Call(),
            "args_per_thread": ThreadArgs(),
            "timeout": seconds(MAX_TIMEOUT),
            "name": Instance(str),
        },
    ),
    Case(
        races.race_counter,
        {"threads": 1, "increments": 1, "mode": "plain"},
        {
            "threads": WORKERS,
            "increments": Int(1),
            "mode": choice(races.MODES),
            "timeout": seconds(MAX_TIMEOUT),
        },
    ),
    Case(
        races.lost_updates,
        {"thread_counts": [1], "increments": 1, "modes": ["plain"]},
        {
            "thread_counts": Items(WORKERS, 1),
            "increments": Int(1),
            "modes": Items(choice(races.MODES), "plain"),
            "progress": PROGRESS,
        },
    ),
    Case(
        races.withdraw_race,
        {"threads": 1, "accounts": 1, "opening": 1, "amount": 1},
        {
            "threads": WORKERS,
            "accounts": Int(1),
            "opening": Int(1),
            "amount": Int(1),
            "locked": Flag(),
            "timeout": seconds(MAX_TIMEOUT),
        },
    ),
    # queues
    Case(
        queues.validate_stop,
        {"stop": "sentinel"},
        {"stop": choice(["sentinel", "shutdown"] if queues.has_shutdown() else ["sentinel"])},
    ),
    Case(
        queues.join_queue,
        {"q": Lazy(queue.Queue), "timeout": 0},
        {"q": Instance(queue.Queue), "timeout": wait()},
    ),
    Case(queues.RecordingQueue, {}, {"maxsize": Int(0)}),
    Case(
        queues.run_pipeline,
        {"producers": 1, "consumers": 1, "items": 1, "produce_ms": 0, "process_ms": 0},
        {
            "producers": Int(1, 8),
            "consumers": Int(1, 16),
            "items": Int(1, 1_000),
            "produce_ms": millis(0, 1_000),
            "process_ms": millis(0, 1_000),
            "maxsize": Int(0, 1_000),
            "stop": choice(["sentinel", "shutdown"] if queues.has_shutdown() else ["sentinel"]),
            "timeout": seconds(MAX_TIMEOUT, optional=True),
            "progress": PROGRESS,
        },
    ),
    Case(
        queues.explore_pipeline,
        {"producers": 1, "consumers": 1, "items": 1, "produce_ms": 0, "process_ms": 0},
        {
            "producers": Int(1, 8),
            "consumers": Int(1, 16),
            "items": Int(1, 1_000),
            "produce_ms": millis(0, 1_000),
            "process_ms": millis(0, 1_000),
            "maxsize": Int(0, 1_000),
            "progress": PROGRESS,
        },
    ),
    # locks
    Case(locks.validate_lock, {"lock": Lazy(threading.Lock)}, {"lock": LOCK}),
    Case(
        locks.release_from_another_thread,
        {"lock": Lazy(threading.Lock)},
        {"lock": LOCK, "timeout": seconds(MAX_TIMEOUT)},
    ),
    Case(
        locks.try_acquire_elsewhere,
        {"lock": Lazy(threading.Lock)},
        {"lock": LOCK, "timeout": wait()},
    ),
    Case(locks.opposite_order_deadlock, {}, {"timeout": seconds(10)}),
    Case(
        locks.in_lock_order,
        {"locks": []},
        {"locks": Items(LOCK, threading.Lock(), empty_ok=True)},
    ),
    Case(
        locks.acquire_in_order,
        {},
        {"locks": VarLocks(), "timeout": AcquireTimeout()},
        args=(threading.Lock(),),
        varargs="locks",
        context=True,
    ),
    Case(
        locks.lock_pair_rounds,
        {"rounds": 1, "ordered": True},
        {"rounds": Int(1), "ordered": Flag(), "timeout": seconds(10)},
    ),
    Case(
        locks.validate_granularity,
        {"granularity": "fine"},
        {"granularity": choice(locks.GRANULARITIES)},
    ),
    Case(
        locks.run_granularity,
        {"granularity": "fine", "threads": 1, "items": 1, "work_ms": 0},
        {
            "granularity": choice(locks.GRANULARITIES),
            "threads": WORKERS,
            "items": Int(1),
            "work_ms": millis(0, 1_000),
            "timeout": seconds(MAX_TIMEOUT),
        },
    ),
    Case(
        locks.explore_granularity,
        {"threads": 1, "items": 1, "work_ms": 0},
        {"threads": WORKERS, "items": Int(1), "work_ms": millis(0, 1_000), "progress": PROGRESS},
    ),
    Case(
        locks.lock_overhead,
        {"increments": 1, "threads": 1, "batch": 1},
        {"increments": Int(1), "threads": WORKERS, "batch": Int(1)},
    ),
    Case(locks.rlock_behaviour, {"factory": threading.RLock}, {"factory": Call()}),
    # conditions
    Case(
        conditions.condition_class,
        {"implementation": "threading"},
        {"implementation": choice(conditions.IMPLEMENTATIONS)},
    ),
    Case(
        conditions.two_consumers_one_item,
        {"consume": _nothing, "timeout": 0.1},
        {"consume": Call(), "make_condition": Call(), "timeout": seconds(MAX_TIMEOUT)},
    ),
    Case(
        conditions.BoundedBuffer,
        {"capacity": 1},
        {"capacity": Int(1), "make_condition": Call()},
    ),
    Case(
        conditions.run_bounded_buffer,
        {"producers": 1, "consumers": 1, "items": 1, "capacity": 1, "consume_ms": 0},
        {
            "producers": Int(1),
            "consumers": Int(1),
            "items": Int(1),
            "capacity": Int(1),
            "consume_ms": millis(0, 1_000),
            "make_condition": Call(),
            "timeout": seconds(MAX_TIMEOUT),
        },
    ),
    Case(
        conditions.fact_table,
        {"checks": [], "classes": {}},
        {"checks": Checks(), "classes": Classes()},
    ),
    Case(conditions.validate_classes, {"classes": {}}, {"classes": Classes()}),
    Case(conditions.compare_conditions, {"classes": {}}, {"classes": Classes()}),
    Case(
        conditions.fifo_wake_order,
        {"make_condition": threading.Condition, "waiters": 1},
        {"make_condition": Call(), "waiters": Int(1, 32)},
    ),
    Case(
        conditions.run_notify_rounds,
        {"waiters": 1, "mode": "notify", "n": 1, "work_ms": 0},
        {
            "waiters": Int(1, 32),
            "mode": choice(conditions.NOTIFY_MODES),
            "n": Int(1, 32),
            "work_ms": millis(0, 200),
            "implementation": choice(conditions.IMPLEMENTATIONS),
            "progress": PROGRESS,
        },
    ),
    Case(
        conditions.notify_timeline,
        {"waiters": 1, "mode": "notify", "n": 1, "work_ms": 0},
        {
            "waiters": Int(1, 32),
            "mode": choice(conditions.NOTIFY_MODES),
            "n": Int(1, 32),
            "work_ms": millis(0, 200),
            "implementation": choice(conditions.IMPLEMENTATIONS),
            "progress": PROGRESS,
        },
    ),
    # semaphores
    Case(
        semaphores.semaphore_class,
        {"implementation": "threading"},
        {"implementation": choice(semaphores.IMPLEMENTATIONS)},
    ),
    Case(
        semaphores.ConnectionPool,
        {"size": 1},
        {"size": Int(1), "make_semaphore": Call()},
    ),
    Case(
        semaphores.run_pool,
        {"workers": 1, "permits": 1, "tasks": 1, "task_ms": 1},
        {
            "workers": Int(1, 32),
            "permits": Int(1, 32),
            "tasks": Int(1, 256),
            "task_ms": millis(1, 500),
            "implementation": choice(semaphores.IMPLEMENTATIONS),
            "progress": PROGRESS,
        },
    ),
    Case(
        semaphores.pool_explorer,
        {"workers": 1, "permits": 1, "tasks": 1, "task_ms": 1},
        {
            "workers": Int(1, 32),
            "permits": Int(1, 32),
            "tasks": Int(1, 256),
            "task_ms": millis(1, 500),
            "implementation": choice(semaphores.IMPLEMENTATIONS),
            "progress": PROGRESS,
        },
    ),
    Case(
        semaphores.compare_limits,
        {"tasks": 1, "workers": 1, "permits": 1, "prepare_ms": 0, "use_ms": 1},
        {
            "tasks": Int(1, 256),
            "workers": Int(1, 32),
            "permits": Int(1, 32),
            "prepare_ms": millis(0, 500),
            "use_ms": millis(1, 500),
            "make_semaphore": Call(),
        },
    ),
    Case(semaphores.compare_semaphores, {"classes": {}}, {"classes": Classes()}),
    # sketches
    Case(
        sketches.waiting_count,
        {"primitive": Lazy(threading.Condition)},
        {"primitive": Duck(("_waiters",))},
    ),
    Case(
        sketches.wait_until,
        {"predicate": lambda: True, "timeout": 0},
        {"predicate": Call(), "timeout": wait()},
    ),
    Case(sketches.take, {"lock": Lazy(threading.Lock)}, {"lock": LOCK, "timeout": wait()}),
    Case(
        sketches.lost_wakeup,
        {"make_condition": threading.Condition},
        {"make_condition": Call(), "short_wait": seconds(sketches.SAFETY_CAP_S)},
    ),
    Case(
        sketches.wait_holding_rlock_twice,
        {"make_condition": threading.Condition},
        {"make_condition": Call(), "patience": seconds(sketches.SAFETY_CAP_S)},
    ),
    Case(
        sketches.article_semaphore_example,
        {"make_semaphore": threading.Semaphore, "permits": 3, "threads": 3},
        {"make_semaphore": Call(), "permits": Int(1, 32), "threads": Int(3, 64)},
    ),
    Case(
        sketches.lost_permit_deadlock,
        {"make_semaphore": threading.Semaphore},
        {"make_semaphore": Call(), "patience": seconds(sketches.SAFETY_CAP_S)},
    ),
    # sketches_executor
    Case(
        sketches_executor.run_scenario,
        {"scenario": "lazy threads", "pool": "standard executor"},
        {
            "scenario": choice(sketches_executor.SCENARIOS),
            "pool": choice(sketches_executor.POOLS),
            "patience": seconds(10),
        },
    ),
    Case(
        sketches_executor.compare,
        {"pools": ["standard executor"], "scenarios": ["lazy threads"]},
        {
            "pools": Items(choice(sketches_executor.POOLS), "standard executor"),
            "scenarios": Items(choice(sketches_executor.SCENARIOS), "lazy threads"),
            "patience": seconds(10),
            "progress": PROGRESS,
        },
    ),
    Case(
        sketches_executor.exit_check,
        {"pool": "standard executor"},
        {
            "pool": choice(sketches_executor.POOLS),
            "exit_timeout": seconds(60),
            "startup_timeout": seconds(60),
        },
    ),
    # pools
    Case(
        pools.worker_counts,
        {"tasks": 1, "workers": 1},
        {"tasks": Int(1), "workers": WORKERS},
    ),
    Case(
        pools.io_sweep,
        {"latency_ms": 1, "tasks": 1, "workers": 1},
        {
            "latency_ms": millis(1, 1_000),
            "tasks": Int(1, 128),
            "workers": Int(1, 64),
            "progress": PROGRESS,
        },
    ),
    Case(
        pools.explore_io_pool,
        {"latency_ms": 1, "tasks": 1, "workers": 1},
        {
            "latency_ms": millis(1, 1_000),
            "tasks": Int(1, 128),
            "workers": Int(1, 64),
            "progress": PROGRESS,
        },
    ),
    Case(
        pools.cpu_preview,
        {"workers": 1, "tasks": 1, "task_ms": 1},
        {"workers": WORKERS, "tasks": Int(1), "task_ms": TASK_MS, **RUN_OPTIONS},
    ),
    Case(
        pools.describe_cpu_preview,
        {"measurements": PREVIEW, "cores": 2},
        {"cores": Int(1, optional=True)},
    ),
    Case(
        pools.wait_for_idle_worker,
        {"pool": THREAD_POOL, "timeout": 0},
        {"pool": Duck(("_idle_semaphore",)), "timeout": wait()},
    ),
    Case(
        pools.per_task_overhead,
        {"executor": ThreadPoolExecutor, "tasks": 1, "workers": 1, "repeats": 1},
        {"executor": Call(), "tasks": Int(1), "workers": WORKERS, "repeats": Int(1)},
    ),
    # procs
    Case(
        procs.default_start_method,
        {"platform": "Linux", "version": (3, 12)},
        {"platform": choice(procs.DEFAULT_START_METHODS), "version": Version()},
    ),
    Case(procs.describe_exitcode, {"exitcode": 0}, {"exitcode": Int(None, optional=True)}),
    Case(procs.fork_and_record_warnings, {}, {"timeout": seconds(MAX_TIMEOUT)}),
    Case(
        procs.stop_processes,
        {"processes": []},
        {"processes": Items(Instance(BaseProcess), [], empty_ok=True)},
    ),
    Case(
        procs.guard_script,
        {"with_guard": True},
        {"with_guard": Flag(), "start_method": choice(machine.available_start_methods())},
    ),
    Case(
        procs.run_guard_script,
        {"with_guard": True},
        {
            "with_guard": Flag(),
            "start_method": choice(machine.available_start_methods()),
            "timeout": seconds(600),
        },
    ),
    Case(
        procs.startup_costs,
        {"methods": [machine.start_method()], "repeats": 1},
        {
            "methods": Items(
                choice(machine.available_start_methods()), machine.start_method(), optional=True
            ),
            "repeats": Int(1, 50),
            "progress": PROGRESS,
            "timeout": seconds(MAX_TIMEOUT),
        },
    ),
    Case(
        procs.speedup_workers,
        {"cores": 2},
        {"cores": Int(1, optional=True), "limit": Int(1)},
    ),
    Case(
        procs.speedup_curve,
        {"tasks": 1, "task_ms": 1, "workers": [1]},
        {
            "tasks": Int(1),
            "task_ms": Number(0, 60_000, above=True),
            "workers": Items(WORKERS, 1, optional=True),
            **RUN_OPTIONS,
        },
    ),
    Case(procs.iterations_for, {"task_us": 10}, {"task_us": Number(0.1, 1e6)}),
    Case(
        procs.pool_default_chunksize,
        {"tasks": 8, "workers": 2},
        {"tasks": Int(1), "workers": Int(1)},
    ),
    Case(
        procs.tasks_for,
        {"task_us": 10},
        {"task_us": Number(0.1, 1e6), "budget_seconds": seconds(10), "most": Int(1)},
    ),
    Case(
        procs.task_size_sweep,
        {"task_sizes_us": [10], "workers": 1, "repeats": 1},
        {
            "task_sizes_us": Items(Number(0.1, 1e6), 10),
            "workers": WORKERS,
            "budget_seconds": seconds(10),
            "repeats": Int(1, 20),
            "timeout": seconds(MAX_TIMEOUT),
            **RUN_OPTIONS,
        },
    ),
    Case(
        procs.chunksize_sweep,
        {"chunksizes": [1], "tasks": 1, "task_us": 1, "workers": 1, "repeats": 1},
        {
            "chunksizes": Items(Int(1), 1),
            "tasks": Int(1, 20_000),
            "task_us": Number(0.1, 1e6),
            "workers": WORKERS,
            "repeats": Int(1, 20),
            "apis": Items(choice(procs.MAP_APIS), "pool"),
            "timeout": seconds(MAX_TIMEOUT),
            **RUN_OPTIONS,
        },
    ),
    Case(
        procs.plot_chunksizes,
        {
            "points": [procs.ChunkPoint("pool", 1, 0.01)],
            "serial_seconds": 0.01,
            "tasks": 8,
            "workers": 2,
        },
        {"serial_seconds": Number(0, above=True), "tasks": Int(1), "workers": Int(1)},
    ),
    Case(
        procs.run_pool,
        {"workers": 1, "task_us": 1, "tasks": 1, "chunksize": 1},
        {
            "workers": WORKERS,
            "task_us": Number(0.1, 1e6),
            "tasks": Int(1, 20_000),
            "chunksize": Int(1),
            "api": choice(procs.MAP_APIS),
            "timeout": seconds(MAX_TIMEOUT),
            **RUN_OPTIONS,
        },
    ),
    Case(
        procs.explore_pool,
        {"workers": 1, "task_us": 1, "tasks": 1, "chunksize": 1},
        {
            "workers": WORKERS,
            "task_us": Number(0.1, 1e6),
            "tasks": Int(1, 20_000),
            "chunksize": Int(1),
            "api": choice(procs.MAP_APIS),
            **RUN_OPTIONS,
        },
    ),
    Case(
        procs.pool_explorer,
        {"workers": 1},
        {
            "workers": WORKERS,
            "task_us": choice(procs.TASK_SIZES_US),
            "tasks": Int(1, 20_000),
            "chunksize": choice(procs.CHUNKSIZES),
        },
    ),
    # ipc
    Case(
        ipc.collect,
        {"q": Lazy(queue.Queue), "count": 0},
        {"q": Duck(("get",)), "count": Int(0), "timeout": seconds(MAX_TIMEOUT)},
    ),
    Case(
        ipc.join_all,
        {"processes": [], "timeout": 0},
        {"processes": Items(Instance(BaseProcess), [], empty_ok=True), "timeout": wait()},
    ),
    Case(ipc.close_queue, {}, {"q": Duck(("close", "join_thread"))}),
    Case(
        ipc.join_within,
        {"q": Lazy(queue.Queue)},
        {"q": Duck(("join",)), "timeout": seconds(MAX_TIMEOUT)},
    ),
    Case(
        ipc.share_one_pipe_end,
        {"writers": 1, "messages": 1, "size": 1},
        {
            "writers": Int(1, 8),
            "messages": Int(1),
            "size": Int(1, 64 * 1024 * 1024),
            "guarded": Flag(),
            "start_method": START_METHOD,
            "timeout": seconds(MAX_TIMEOUT),
        },
    ),
    Case(
        ipc.operation_costs,
        {"repeats": 1},
        {"repeats": Int(1, 100_000), **RUN_OPTIONS},
    ),
    Case(ipc.size_label, {"size": 0}, {"size": Int(0)}),
    Case(ipc.validate_mechanism, {"mechanism": "pipe"}, {"mechanism": choice(ipc.MECHANISMS)}),
    Case(ipc.validate_size, {"size": 1}, {"size": Int(1, 64 * 1024 * 1024)}),
    Case(
        ipc.messages_for,
        {"size": 1, "count": 1, "budget_bytes": 1},
        {"size": Int(1), "count": Int(1), "budget_bytes": Int(1)},
    ),
    Case(
        ipc.measure_ipc,
        {"mechanisms": ["pipe"], "sizes": [1], "count": 1},
        {
            "mechanisms": Items(choice(ipc.MECHANISMS), "pipe"),
            "sizes": Items(Int(1, 64 * 1024 * 1024), 1),
            "count": Int(1, 100_000),
            "budget_bytes": Int(1),
            "timeout": seconds(3_600),
            **RUN_OPTIONS,
        },
    ),
    Case(
        ipc.explore_ipc,
        {"size": 1, "count": 1, "mechanism": "pipe"},
        {
            "size": Int(1, 64 * 1024 * 1024),
            "count": Int(1, 100_000),
            "mechanism": choice(["all", *ipc.MECHANISMS]),
            **RUN_OPTIONS,
        },
    ),
    Case(
        ipc.ipc_explorer,
        {"size": 1024},
        {"size": choice(ipc.MESSAGE_SIZES), "count": Int(1)},
    ),
    # fetch
    Case(fetch.page_urls, {"count": 1}, {"count": Int(1, 256)}),
    Case(
        fetch.SimulatedWeb,
        {"mean_latency_ms": 1},
        {"mean_latency_ms": millis(1, 1_000), "missing": Items(Instance(str), URL, empty_ok=True)},
    ),
    Case(
        fetch.fetch_serial,
        {"web": WEB, "urls": []},
        {"web": Instance(fetch.SimulatedWeb), "urls": Items(Instance(str), URL, empty_ok=True)},
    ),
    Case(
        fetch.fetch_threaded,
        {"web": WEB, "urls": [], "threads": 1},
        {
            "web": Instance(fetch.SimulatedWeb),
            "urls": Items(Instance(str), URL, empty_ok=True),
            "threads": Int(1, 64),
            "progress": PROGRESS,
            "timeout": seconds(3_600),
        },
    ),
    Case(
        fetch.run_fetch,
        {"pages": 1, "threads": 0, "latency_ms": 1},
        {
            "pages": Int(1, 256),
            "threads": Int(0, 64),
            "latency_ms": millis(1, 1_000),
            "progress": PROGRESS,
        },
    ),
    Case(
        fetch.explore_fetch,
        {"threads": 1, "pages": 1, "latency_ms": 1},
        {
            "threads": Int(1, 64),
            "pages": Int(1, 256),
            "latency_ms": millis(1, 1_000),
            "progress": PROGRESS,
            "history": Instance(fetch.FetchHistory, optional=True),
        },
    ),
    Case(
        fetch.fetch_explorer,
        {"threads": 1, "pages": 4, "latency_ms": 10},
        {"threads": Int(1, 64), "pages": Int(1, 256), "latency_ms": millis(1, 1_000)},
    ),
    # checks
    Case(checks.checker, {"check": _nothing}, {"check": Call()}),
    Case(
        checks.call_with_timeout,
        {"fn": _nothing},
        {"fn": Call(), "timeout": seconds(MAX_TIMEOUT)},
    ),
    # leftovers
    Case(leftovers.leftovers, {"baseline": SNAPSHOT}, {"baseline": Instance(leftovers.Snapshot)}),
    Case(
        leftovers.assert_nothing_left,
        {"baseline": SNAPSHOT, "grace": 0},
        {"baseline": Instance(leftovers.Snapshot), "grace": wait()},
    ),
    # source
    Case(
        source.source_of,
        {"obj": threading.Condition},
        {"mark": Pattern(), "start": Pattern(), "end": Pattern()},
    ),
    # timeline
    Case(timeline.rows_of, {"result": RUN}, {"result": Instance(timing.RunResult)}),
    Case(
        timeline.draw_rows,
        {"ax": AXES, "rows": [], "t0": 0.0},
        {"ax": Instance(Axes), "t0": Number(), "legend": Legend(), "show_running": Flag()},
    ),
    Case(
        timeline.plot_timeline,
        {"result": RUN},
        {"result": Instance(timing.RunResult), "ax": Instance(Axes, optional=True)},
    ),
    # plots
    Case(plots.colour, {"index": 0}, {"index": Int(None)}),
    Case(
        plots.new_figure,
        {},
        {
            "ncols": Int(1),
            "nrows": Int(1),
            "width": Number(0, above=True),
            "height": Number(0, above=True),
        },
    ),
    Case(
        plots.plot_lines,
        {"x": [1], "series": {"a": [1]}, "xlabel": "x", "ylabel": "y"},
        {
            "series": Instance(Mapping),
            "logx": Flag(),
            "logy": Flag(),
            "ax": Instance(Axes, optional=True),
        },
    ),
    Case(
        plots.plot_speedup,
        {"series": Lazy(lambda: [MEASUREMENT.make()])},
        {
            "ax": Instance(Axes, optional=True),
            "highlight": Instance(timing.Measurement, optional=True),
        },
    ),
    # widgets
    Case(
        widgets.int_slider,
        {"description": "n", "value": 1, "low": 0, "high": 5},
        {
            "description": Instance(str),
            "value": Int(None),
            "low": Int(None),
            "high": Int(0),
            "step": Int(1),
        },
    ),
    Case(
        widgets.dropdown,
        {"description": "d", "options": {"a": "A"}, "value": "a"},
        {"description": Instance(str), "options": Instance(Mapping), "value": choice(["a"])},
    ),
    Case(widgets.figure_png, {"figure": FIGURE}, {"figure": Instance(Figure)}),
    Case(
        widgets.Explorer,
        {"compute": _nothing, "controls": {}},
        {
            "compute": Call(),
            "controls": Controls(),
            "title": Instance(str),
            "run_label": Instance(str),
        },
    ),
    Case(
        widgets.worker_explorer,
        {"kind": "io", "executor": "serial", "workers": 1, "tasks": 1, "task_ms": 10},
        {
            **BATCH,
            "task_ms": TASK_MS,
        },
    ),
]

# --- What does not need the table -----------------------------------------------------------------

#: Functions with arguments that look like counts, durations or choices, which are not validated,
#: and why. Everything else public with such an argument must be in TABLE.
_CHILD = (
    "runs inside a child process or a pool worker, with arguments the course builds in the "
    "parent (which validates them); an error there would surface only inside the pool"
)
_THREAD_BODY = (
    "a thread body: run_threads / race_counter validate before any thread starts; "
    "checking inside the thread could only fail after it started"
)
_SCENARIO = "a scenario body, called only by run_scenario, which validates pool and patience"
_SYLLABUS = "the syllabus's sketch exactly as written (broken on purpose), to show its failures"
EXEMPT: dict[str, str] = {
    # Work functions: the inner loop of every task, run in workers with calibrated amounts.
    "helpers.workloads.spin": _CHILD,
    "helpers.workloads.cpu_with_running_intervals": _CHILD,
    "helpers.workloads.hash_blocks": _CHILD,
    "helpers.workloads.warm_up": _CHILD,
    # Child-side functions of notebook 08 (Process targets and pool tasks).
    "helpers.procs.slow_square": _CHILD,
    "helpers.procs.nap": _CHILD,
    "helpers.procs.pid_after": _CHILD,
    "helpers.procs.sleep_then_exit": _CHILD,
    "helpers.procs.timed_spin": _CHILD,
    # Child-side functions of notebook 09 (Process targets: their queues, pipes, barriers and
    # counts come from the parent's cell or from share_one_pipe_end / measure_ipc).
    "helpers.ipc.put_payload": _CHILD,
    "helpers.ipc.put_all": _CHILD,
    "helpers.ipc.square_items": _CHILD,
    "helpers.ipc.echo": _CHILD,
    "helpers.ipc.write_messages": _CHILD,
    "helpers.ipc.manager_work": _CHILD,
    "helpers.ipc.add_many": _CHILD,
    "helpers.ipc.fill_slice": _CHILD,
    "helpers.ipc.fill_shared": _CHILD,
    "helpers.ipc.shared_sum": _CHILD,
    "helpers.ipc.hold": _CHILD,
    "helpers.ipc.wait_for_event": _CHILD,
    "helpers.ipc.meet_at_barrier": _CHILD,
    "helpers.ipc.serve_queue": _CHILD,
    "helpers.ipc.serve_pipe": _CHILD,
    "helpers.ipc.serve_shared_memory": _CHILD,
    # Thread bodies of the counter race.
    "helpers.races.add_plain": _THREAD_BODY,
    "helpers.races.add_with_pause": _THREAD_BODY,
    "helpers.races.add_locked": _THREAD_BODY,
    # Scenario bodies of notebook 07's comparison.
    "helpers.sketches_executor.lazy_threads": _SCENARIO,
    "helpers.sketches_executor.keyword_arguments": _SCENARIO,
    "helpers.sketches_executor.shutdown_returns": _SCENARIO,
    "helpers.sketches_executor.cancelled_task": _SCENARIO,
    "helpers.sketches_executor.base_exception": _SCENARIO,
    "helpers.sketches_executor.submit_during_shutdown": _SCENARIO,
    "helpers.sketches_executor.dropped_pool": _SCENARIO,
    # The syllabus's executors, reproduced verbatim.
    "helpers.sketches_executor.SyllabusSketch1": _SYLLABUS,
    "helpers.sketches_executor.SyllabusSketch2": _SYLLABUS,
}

#: Packages and scripts outside the audit: teaching classes mirror the standard library's own
#: errors (tested against it in test_teaching_*), exercise checkers take learner answers and
#: never raise, and the standalone scripts validate with argparse.
OUT_OF_SCOPE = (
    "helpers.teaching",
    "helpers.exercises",
    "helpers.threads_bench",
    "helpers.ft_races",
)

#: Argument names that mark "such an argument": a count or size, a duration, a choice, a flag,
#: a callable. A public function with one of them must be in TABLE or EXEMPT.
COUNTS = {
    "workers", "threads", "tasks", "items", "producers", "consumers", "waiters", "permits", "k",
    "n", "repeats", "rounds", "increments", "pages", "count", "size", "sizes", "chunksize",
    "chunksizes", "maxsize", "capacity", "messages", "writers", "wakeups", "batch", "accounts",
    "opening", "amount", "runs", "cores", "max_workers", "max_threads", "thread_counts", "limit",
    "most", "budget_bytes", "times", "blocks", "iterations", "ncols", "nrows",
}  # fmt: skip
DURATIONS = {"seconds", "timeout", "patience", "grace", "delay", "short_wait"}
DURATION_SUFFIXES = ("_ms", "_us", "_seconds", "_timeout")
CHOICES = {
    "kind", "kinds", "executor", "executors", "mode", "modes", "mechanism", "mechanisms",
    "method", "methods", "start_method", "implementation", "api", "apis", "granularity", "stop",
    "scenario", "scenarios", "pool", "pools", "platform",
}  # fmt: skip
CALLABLES = {
    "fn", "compute", "target", "predicate", "factory", "check", "consume", "progress", "make",
    "make_condition", "make_semaphore",
}  # fmt: skip
FLAGS = {
    "locked", "guarded", "ordered", "with_guard", "force_gil_variant", "logx", "logy",
    "show_running",
}  # fmt: skip


def is_such_an_argument(name: str) -> bool:
    return name in COUNTS | DURATIONS | CHOICES | CALLABLES | FLAGS or name.endswith(
        DURATION_SUFFIXES
    )


def public_callables() -> dict[str, Any]:
    """Every public function and class defined in ``helpers`` (outside OUT_OF_SCOPE).

    Left out by rule: dataclasses (records the course fills in with results, never an entry
    point), exception classes, and protocols (type hints only).
    """
    found: dict[str, Any] = {}
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        if info.name.startswith(OUT_OF_SCOPE):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != info.name:
                continue
            if inspect.isclass(obj):
                if dataclasses.is_dataclass(obj) or issubclass(obj, BaseException):
                    continue
                if getattr(obj, "_is_protocol", False):
                    continue
            elif not inspect.isfunction(obj):
                continue
            found[f"{info.name}.{name}"] = obj
    return found


def such_arguments(obj: Any) -> set[str]:
    return {name for name in inspect.signature(obj).parameters if is_such_an_argument(name)}


# --- Running a bad call ---------------------------------------------------------------------------


class StartedTooEarly(BaseException):
    """A thread, process or subprocess was started before the arguments were validated.

    A ``BaseException``, so no ``except Exception`` in the helper can swallow it.
    """


@contextmanager
def nothing_may_start() -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise StartedTooEarly("started a thread, process or subprocess before validating")

    with (
        mock.patch.object(threading.Thread, "start", refuse),
        mock.patch.object(BaseProcess, "start", refuse),
        mock.patch.object(subprocess.Popen, "_execute_child", refuse),
    ):
        yield


def _resolve(value: Any) -> Any:
    return value.make() if isinstance(value, Lazy) else value


def arguments_with(case: Case, argument: str, bad: Any) -> tuple[tuple[Any, ...], dict]:
    """The valid arguments of ``case``, with ``argument`` replaced by ``bad``."""
    kwargs = {name: _resolve(value) for name, value in case.valid.items()}
    args = tuple(_resolve(value) for value in case.args)
    if argument == case.varargs:
        args = tuple(bad)
    else:
        kwargs[argument] = bad
    return args, kwargs


def call(case: Case, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if case.context:
        with case.fn(*args, **kwargs):
            pass
    else:
        case.fn(*args, **kwargs)


def _case_id(case: Case) -> str:
    return case.qualname.removeprefix("helpers.")


# Each strategy is built once: hypothesis validates a new strategy (and reads the source of its
# filters) on first use, which would cost more than the examples themselves.
ARGUMENTS = [
    pytest.param(case, argument, domain.invalid(), id=f"{_case_id(case)}-{argument}")
    for case in TABLE
    for argument, domain in case.domains.items()
]


@pytest.mark.parametrize(("case", "argument", "invalid"), ARGUMENTS)
@BAD_INPUT
@given(data=st.data())
def test_bad_values_are_refused_by_name_before_anything_starts(
    case: Case, argument: str, invalid: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    bad = data.draw(invalid, label=argument)
    word = case.names.get(argument, argument)
    args, kwargs = arguments_with(case, argument, bad)  # made before the guard: a figure, a run
    with nothing_may_start(), pytest.raises((ValueError, TypeError)) as raised:
        call(case, args, kwargs)
    message = str(raised.value)
    assert re.search(rf"(?<![\w$]){re.escape(word)}(?!\w)", message), (
        f"{case.qualname}({argument}={bad!r}) raised {raised.type.__name__}: {message!r}, "
        f"which does not name {word!r}"
    )


# --- The table covers helpers ---------------------------------------------------------------


def test_every_public_function_with_such_arguments_is_in_the_table() -> None:
    tabled = {case.qualname for case in TABLE}
    missing = {
        qualname: sorted(such_arguments(obj))
        for qualname, obj in public_callables().items()
        if such_arguments(obj) and qualname not in tabled and qualname not in EXEMPT
    }
    assert not missing, (
        "public helpers with counts, durations, choices, flags or callables that are neither "
        f"validated in TABLE nor EXEMPT (with a reason): {missing}"
    )


def test_each_table_entry_checks_every_such_argument_of_its_function() -> None:
    gaps = {}
    for case in TABLE:
        parameters = inspect.signature(case.fn).parameters
        unknown = set(case.domains) - set(parameters)
        assert not unknown, f"{case.qualname} has no parameters {sorted(unknown)}"
        unchecked = such_arguments(case.fn) - set(case.domains)
        if unchecked:
            gaps[case.qualname] = sorted(unchecked)
    assert not gaps, f"arguments without a domain in TABLE: {gaps}"


def test_the_table_and_the_exemptions_name_real_distinct_functions() -> None:
    public = public_callables()
    tabled = [case.qualname for case in TABLE]
    assert len(tabled) == len(set(tabled)), "a function is in TABLE twice"
    assert set(tabled) <= set(public), f"not public helpers: {set(tabled) - set(public)}"
    assert set(EXEMPT) <= set(public), f"stale exemptions: {set(EXEMPT) - set(public)}"
    assert not set(EXEMPT) & set(tabled), "a function is both validated and exempt"
    for qualname in EXEMPT:
        assert such_arguments(public[qualname]), f"{qualname} needs no exemption"


# --- The shared validators, on valid input too ---------------------------------------------


@BAD_INPUT
@given(
    low=st.integers(-1_000, 1_000),
    span=st.integers(0, 1_000),
    offset=st.integers(0, 1_000),
)
def test_validate_int_accepts_exactly_its_range(low: int, span: int, offset: int) -> None:
    high = low + span
    inside = low + offset % (span + 1)
    assert validate.validate_int(inside, "n", low, high) == inside
    for outside in (low - 1 - offset, high + 1 + offset):
        with pytest.raises(ValueError, match=rf"^n must be between {low} and {high}; got"):
            validate.validate_int(outside, "n", low, high)


@BAD_INPUT
@given(value=st.floats(min_value=1e-9, max_value=60))
def test_validate_seconds_accepts_every_positive_duration_up_to_its_maximum(value: float) -> None:
    assert validate.validate_seconds(value, "timeout") == value


@BAD_INPUT
@given(value=st.one_of(st.integers(0, 1_000), st.floats(0, 1_000)))
def test_validate_ms_accepts_its_closed_range(value: float) -> None:
    assert validate.validate_ms(value, "work_ms", 0, 1_000) == float(value)


def test_messages_keep_the_course_style() -> None:
    cases = [
        (lambda: validate.validate_positive_int(0, "workers"), "workers must be >= 1; got 0"),
        (
            lambda: validate.validate_positive_int("3", "tasks"),
            "tasks must be an int >= 1; got '3'",
        ),
        (
            lambda: validate.validate_choice("c", "mode", ["a", "b"]),
            "mode must be one of ['a', 'b']; got 'c'",
        ),
        (
            lambda: validate.validate_seconds(0, "timeout"),
            "timeout must be > 0 and <= 60 seconds; got 0",
        ),
        (
            lambda: validate.validate_ms(-1, "work_ms", 0, 1_000),
            "work_ms must be between 0 and 1000 milliseconds; got -1",
        ),
        (lambda: validate.validate_flag(1, "locked"), "locked must be True or False; got 1"),
        (lambda: validate.validate_callable(3, "fn"), "fn must be callable; got 3"),
        (
            lambda: validate.validate_items("cpu", "kinds"),
            "kinds must be a list or tuple; got 'cpu'",
        ),
    ]
    for call, expected in cases:
        with pytest.raises((ValueError, TypeError)) as raised:
            call()
        assert str(raised.value) == expected


def test_bools_are_not_numbers_and_nan_is_in_no_range() -> None:
    with pytest.raises(TypeError, match="workers"):
        validate.validate_positive_int(True, "workers")
    with pytest.raises(TypeError, match="task_ms"):
        validate.validate_ms(False, "task_ms", 0, 10)
    with pytest.raises(ValueError, match="timeout"):
        validate.validate_seconds(math.nan, "timeout")
    with pytest.raises(TypeError, match="chunksize"):
        validate.validate_choice(True, "chunksize", [1, 2])
