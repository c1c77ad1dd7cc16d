"""Notebook 10: the same threads benchmark on every interpreter we can find, side by side.

Interpreters come from three places: the kernel's own Python; the paths in ``$LAB_PYTHONS``
(separated by ``os.pathsep``); and well-known names on ``PATH`` (``python3.13t``,
``python3.14t``, ``python3.14``...) plus the course's own build (``make freethreaded`` puts
``python3.13t`` in ``build/python3.13t``). Each runs the scripts in ``scripts/`` by path in a
subprocess (``threads_bench.py``, ``ft_races.py`` for the shared-counter demo,
``subinterpreters.py`` where ``concurrent.interpreters`` exists), so nothing here needs the
course installed in those interpreters, and every number shown comes from a run on this
machine. :func:`load_script` imports a script here too, so the notebook can show its source.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import (
    Bool,
    Choice,
    Count,
    Int,
    Items,
    Of,
    Progress,
    Seconds,
    Text,
    Where,
    Workers,
    validated,
)
from ...core.timing import TaskMs
from ...draw.plots import IDEAL_STYLE, LIMIT_STYLE, MARKERS, colour, finish, new_figure

PYTHONS_ENV = "LAB_PYTHONS"
WELL_KNOWN = ("python3.13t", "python3.14t", "python3.15t", "python3.14", "python3.15")
_HERE = Path(__file__).resolve().parent  # helpers/lessons/beyond_the_gil
REPO_BUILD = _HERE.parents[2] / "build" / "python3.13t" / "bin" / "python3.13t"
SCRIPTS_DIR = _HERE / "scripts"
BENCH_SCRIPT = SCRIPTS_DIR / "threads_bench.py"
RACE_SCRIPT = SCRIPTS_DIR / "ft_races.py"
SUBINTERPRETERS_SCRIPT = SCRIPTS_DIR / "subinterpreters.py"
SCRIPTS = {path.stem: path for path in (BENCH_SCRIPT, RACE_SCRIPT, SUBINTERPRETERS_SCRIPT)}
#: The most threads the benchmark runs at once.
MAX_BENCH_THREADS = 64
_PROBE = (
    "import importlib.util, json, sys, sysconfig;"
    "g = getattr(sys, '_is_gil_enabled', None);"
    "print(json.dumps({'executable': sys.executable,"
    " 'version': '.'.join(map(str, sys.version_info[:3])),"
    " 'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
    " 'gil_enabled': True if g is None else bool(g()),"
    " 'interpreters': importlib.util.find_spec('concurrent.interpreters') is not None}))"
)


@dataclass(frozen=True)
class Interpreter:
    """A Python found on this machine, and how it was run (``env`` adds variables).

    ``gil_enabled`` is what a fresh process of it reported; ``has_interpreters``: it has
    ``concurrent.interpreters`` (PEP 734, Python 3.14+).
    """

    path: str
    version: str
    free_threaded: bool
    gil_enabled: bool
    source: str
    env: tuple[tuple[str, str], ...] = ()
    has_interpreters: bool = False

    @property
    def label(self) -> str:
        build = "free-threaded" if self.free_threaded else "GIL build"
        forced = " with PYTHON_GIL=1" if dict(self.env).get("PYTHON_GIL") == "1" else ""
        return f"Python {self.version} ({build}{forced})"


#: An interpreter found by :func:`probe`.
AnInterpreter = Annotated[Interpreter, Of(Interpreter)]


def _env(value: Any, argument: str) -> dict[str, str] | None:
    """Environment variables for a child (or None): names and values are strings."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"{argument} must be a dict of names to strings, or None; got {value!r}")
    for name, setting in value.items():
        if not (isinstance(name, str) and isinstance(setting, str)):
            raise TypeError(
                f"{argument} must map names to string values; got {name!r}: {setting!r}"
            )
    return value


#: Variables added to a child's environment: ``{"PYTHON_GIL": "1"}``, or None.
Env = Annotated[
    dict[str, str] | None, Where(_env, {"PYTHON_GIL": "1"}, (0, "PYTHON_GIL=1", {"A": 1}, {1: "a"}))
]
#: The most threads one benchmark run goes up to.
MaxThreads = Annotated[int, Int(1, MAX_BENCH_THREADS)]


def _run_for_json(
    command: Sequence[str | os.PathLike[str]], *, timeout: float, env: Mapping[str, str]
) -> Any:
    """Run a child Python bounded in time, with ``env`` added to ours, and parse what it
    printed as JSON. Raises what ``subprocess.run`` and ``json.loads`` raise: each caller
    says what a failure means for its own result."""
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        env={**os.environ, **env},
    )
    return json.loads(done.stdout)


@validated
def probe(
    path: Annotated[str | os.PathLike[str], Of((str, os.PathLike))],
    source: Text,
    env: Env = None,
) -> Interpreter | None:
    """Ask ``path`` what it is; None if it does not run or is not CPython 3."""
    try:
        facts = _run_for_json([path, "-c", _PROBE], timeout=30, env=env or {})
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError):
        return None
    return Interpreter(
        path=facts["executable"] or path,
        version=facts["version"],
        free_threaded=facts["free_threaded"],
        gil_enabled=facts["gil_enabled"],
        source=source,
        env=tuple(sorted((env or {}).items())),
        has_interpreters=bool(facts.get("interpreters", False)),
    )


def candidate_paths() -> list[tuple[str, str]]:
    """(path, where it came from), in the order the notebook shows them."""
    found = [(sys.executable, "this kernel")]
    for entry in os.environ.get(PYTHONS_ENV, "").split(os.pathsep):
        if entry.strip():
            found.append((entry.strip(), f"${PYTHONS_ENV}"))
    for name in WELL_KNOWN:
        path = shutil.which(name)
        if path:
            found.append((path, "PATH"))
    if REPO_BUILD.exists():
        found.append((str(REPO_BUILD), "make freethreaded"))
    return found


@validated
def find_interpreters(*, force_gil_variant: Bool = True) -> list[Interpreter]:
    """Every distinct Python we can run. A free-threaded one also appears with the GIL forced
    back on (``PYTHON_GIL=1``): the same binary, so the difference is the GIL alone."""
    seen: set[str] = set()
    found: list[Interpreter] = []
    for path, source in candidate_paths():
        interpreter = probe(path, source)
        if interpreter is None:
            continue
        key = os.path.realpath(interpreter.path)
        if key in seen:
            continue
        seen.add(key)
        found.append(interpreter)
        if force_gil_variant and interpreter.free_threaded:
            forced = probe(path, source, env={"PYTHON_GIL": "1"})
            if forced is not None:
                found.append(forced)
    return found


@dataclass
class BenchResult:
    interpreter: Interpreter
    threads: list[int]
    speedups: list[float]
    low: list[float]
    high: list[float]
    gil_enabled: bool
    cores: int
    error: str | None = None
    raw: dict[str, object] = field(default_factory=dict)
    #: Per thread count: process CPU time over wall time (how many cores ran it at once).
    cores_busy: list[float] = field(default_factory=list)


@validated
def run_bench(
    interpreter: AnInterpreter,
    threads: Annotated[Sequence[int], Items(Int(1, MAX_BENCH_THREADS), what="thread count")],
    task_seconds: Annotated[float, Seconds(5)],
    repeats: Count,
) -> BenchResult:
    """Run the threads benchmark on ``interpreter`` in a subprocess (bounded in time)."""
    counts = list(threads)
    budget = 60 + 4 * repeats * task_seconds * sum(counts) * 2
    command = [
        interpreter.path,
        str(BENCH_SCRIPT),
        "--threads",
        ",".join(map(str, counts)),
        "--task-seconds",
        str(task_seconds),
        "--repeats",
        str(repeats),
    ]
    try:
        data = _run_for_json(command, timeout=budget, env=dict(interpreter.env))
    except subprocess.TimeoutExpired:
        return _failed(interpreter, counts, f"did not finish within {budget:.0f} s")
    except (subprocess.CalledProcessError, json.JSONDecodeError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        return _failed(interpreter, counts, detail.strip().splitlines()[-1:][0] if detail else "")
    rows = data["results"]
    return BenchResult(
        interpreter=interpreter,
        threads=[r["threads"] for r in rows],
        speedups=[r["speedup"] for r in rows],
        low=[r["speedup_min"] for r in rows],
        high=[r["speedup_max"] for r in rows],
        gil_enabled=bool(data["gil_enabled"]),
        cores=int(data["cores"]),
        raw=data,
        cores_busy=[r["cores_busy"] for r in rows],
    )


def _failed(interpreter: Interpreter, counts: list[int], error: str) -> BenchResult:
    return BenchResult(interpreter, counts, [], [], [], interpreter.gil_enabled, 1, error=error)


@validated
def compare_interpreters(
    max_threads: MaxThreads = 4,
    task_ms: TaskMs = 60,
    repeats: Count = 3,
    *,
    interpreters: Annotated[
        Sequence[Interpreter] | None, Items(Of(Interpreter), optional=True, what="Python")
    ] = None,
    progress: Progress = None,
) -> tuple[Figure, list[BenchResult]]:
    """Speedup vs threads for CPU-bound pure Python, one line per interpreter found
    (``interpreters``, or all that :func:`find_interpreters` finds)."""
    seconds = task_ms / 1e3
    found = find_interpreters() if interpreters is None else list(interpreters)
    if not found:
        raise ValueError("interpreters must name at least one Python")
    counts = thread_counts(max_threads)
    results = []
    for number, interpreter in enumerate(found, start=1):
        results.append(run_bench(interpreter, counts, seconds, repeats))
        if progress is not None:
            progress(number, len(found))
    return _plot_comparison(results, counts), results


@validated
def thread_counts(max_threads: MaxThreads) -> list[int]:
    """1, 2, 4, ... up to ``max_threads`` (always included)."""
    counts, n = [], 1
    while n < max_threads:
        counts.append(n)
        n *= 2
    return [*counts, max_threads]


def _plot_comparison(results: Sequence[BenchResult], counts: Sequence[int]) -> Figure:
    fig, (ax,) = new_figure(width=7.5, height=4.2)
    cores = machine.usable_cores()
    ax.plot(counts, counts, label="ideal: every thread in parallel", **IDEAL_STYLE)
    if cores < max(counts):
        ax.plot(
            counts,
            [min(c, cores) for c in counts],
            label=f"limit of this machine ({cores} usable cores)",
            **LIMIT_STYLE,
        )
    for i, result in enumerate(results):
        if result.error:
            continue
        ax.errorbar(
            result.threads,
            result.speedups,
            yerr=[
                [s - lo for s, lo in zip(result.speedups, result.low, strict=True)],
                [hi - s for s, hi in zip(result.speedups, result.high, strict=True)],
            ],
            marker=MARKERS[i % len(MARKERS)],
            color=colour(i),
            capsize=3,
            label=f"measured: {result.interpreter.label}",
        )
    if not any(r.interpreter.free_threaded and not r.gil_enabled and not r.error for r in results):
        ax.text(
            0.98,
            0.04,
            "No free-threaded Python found on this machine, so none is plotted.\n"
            "A free-threaded build would be expected near the ideal line, up to the\n"
            "usable cores; run `make freethreaded` or set $LAB_PYTHONS to measure it.",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize="small",
            bbox={"facecolor": "white", "edgecolor": "#999999"},
        )
    ax.set_xticks(list(counts))
    finish(
        ax,
        xlabel="threads (one equal CPU-bound task each)",
        ylabel="speedup over one thread (×)",
        title="Pure-Python CPU work on threads, per interpreter (measured here)",
        legend="upper left",
        y_from_zero=True,
    )
    return fig


@dataclass(frozen=True)
class FreeThreadedRace:
    """``counter += 1`` and ``list.append`` on several threads of one interpreter: what was
    expected, what the counter and the list ended with (``error`` if the run failed)."""

    interpreter: Interpreter
    expected: int
    counter: int
    appended: int
    error: str | None = None

    @property
    def lost_updates(self) -> int:
        return self.expected - self.counter


@validated
def run_races(
    interpreter: AnInterpreter, threads: Workers = 4, increments: Count = 100_000
) -> FreeThreadedRace:
    """``counter += 1`` and ``list.append`` from several threads, on ``interpreter``."""
    command = [interpreter.path, str(RACE_SCRIPT), str(threads), str(increments)]
    expected = threads * increments
    try:
        data = _run_for_json(command, timeout=60, env=dict(interpreter.env))
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as error:
        return FreeThreadedRace(interpreter, expected, 0, 0, error=str(error))
    return FreeThreadedRace(interpreter, expected, data["counter"], data["appended"])


#: The name of one of the scripts this lesson runs by path.
ScriptName = Annotated[str, Choice(sorted(SCRIPTS))]


@validated
def load_script(name: ScriptName) -> ModuleType:
    """Import ``scripts/<name>.py`` into this kernel, only to show its source
    (``source_of(load_script("threads_bench").run_threads)``); what runs, runs by path."""
    module_name = f"_beyond_the_gil_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, SCRIPTS[name])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    scripts = str(SCRIPTS[name].parent)
    sys.path.insert(0, scripts)  # a script may import its sibling module (subinterp_tasks)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(scripts)
    sys.modules[module_name] = module
    return module


def load_average() -> float | None:
    """The one-minute load average (runnable processes, on Unix), or None where there is none.

    Above the number of cores, other programs were competing for the CPUs while we measured.
    """
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


@dataclass(frozen=True)
class Subinterpreters:
    """What ``scripts/subinterpreters.py`` reported on one interpreter (``error`` if it failed).

    ``available`` is False where ``concurrent.interpreters`` does not exist (before 3.14); the
    other fields are then empty.
    """

    interpreter: Interpreter
    available: bool
    isolation: dict[str, list[str]] = field(default_factory=dict)
    raised: dict[str, str] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    parallel: dict[str, float] = field(default_factory=dict)
    pool: list[int] = field(default_factory=list)
    error: str | None = None


@validated
def run_subinterpreters(
    interpreter: AnInterpreter, workers: Workers = 2, task_ms: TaskMs = 60
) -> Subinterpreters:
    """Run ``scripts/subinterpreters.py`` on ``interpreter`` (bounded in time): isolation, an
    uncaught error, which extension modules a subinterpreter refuses, parallel CPU work, and
    ``InterpreterPoolExecutor``. The CPU-bound call takes about ``task_ms`` alone (calibrated
    there)."""
    command = [
        interpreter.path,
        str(SUBINTERPRETERS_SCRIPT),
        "--task-seconds",
        str(task_ms / 1e3),
        "--workers",
        str(workers),
    ]
    # The tasks module must be importable in every subinterpreter, not only in the script's.
    path = os.pathsep.join(filter(None, [str(SCRIPTS_DIR), os.environ.get("PYTHONPATH")]))
    try:
        data = _run_for_json(
            command, timeout=120, env={**dict(interpreter.env), "PYTHONPATH": path}
        )
    except subprocess.CalledProcessError as error:
        lines = (error.stderr or "").strip().splitlines()
        return Subinterpreters(interpreter, True, error=lines[-1] if lines else str(error))
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as error:
        return Subinterpreters(interpreter, True, error=str(error))
    if not data["available"]:
        return Subinterpreters(interpreter, False)
    return Subinterpreters(
        interpreter,
        True,
        isolation=data["isolation"],
        raised=data["error"],
        imports=data["imports"],
        parallel=data["parallel"],
        pool=data["pool"],
    )
