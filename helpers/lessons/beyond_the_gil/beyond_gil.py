"""Notebook 10: the same threads benchmark on every interpreter we can find, side by side.

Interpreters come from three places: the kernel's own Python; the paths in ``$LAB_PYTHONS``
(separated by ``os.pathsep``); and well-known names on ``PATH`` (``python3.13t``,
``python3.14t``, ``python3.14``...) plus the course's own build (``make freethreaded`` puts
``python3.13t`` in ``build/python3.13t``). Each runs :mod:`helpers.threads_bench` in a
subprocess, so nothing here needs the course installed in those interpreters, and every number
shown comes from a run on this machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from matplotlib.figure import Figure

from ...core import machine
from ...core.timing import Progress
from ...core.validate import (
    validate_callable,
    validate_flag,
    validate_instance,
    validate_items,
    validate_positive_int,
    validate_seconds,
)
from ...draw.explore import task_seconds_from_ms
from ...draw.plots import IDEAL_STYLE, LIMIT_STYLE, MARKERS, colour, finish, new_figure

PYTHONS_ENV = "LAB_PYTHONS"
WELL_KNOWN = ("python3.13t", "python3.14t", "python3.15t", "python3.14", "python3.15")
REPO_BUILD = Path(__file__).resolve().parents[3] / "build" / "python3.13t" / "bin" / "python3.13t"
BENCH_SCRIPT = Path(__file__).resolve().parent / "threads_bench.py"
RACE_SCRIPT = Path(__file__).resolve().parent / "ft_races.py"
_PROBE = (
    "import json, sys, sysconfig;"
    "g = getattr(sys, '_is_gil_enabled', None);"
    "print(json.dumps({'executable': sys.executable,"
    " 'version': '.'.join(map(str, sys.version_info[:3])),"
    " 'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
    " 'gil_enabled': True if g is None else bool(g())}))"
)


@dataclass(frozen=True)
class Interpreter:
    """A Python found on this machine, and how it was run (``env`` adds variables)."""

    path: str
    version: str
    free_threaded: bool
    gil_enabled: bool
    source: str
    env: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        build = "free-threaded" if self.free_threaded else "GIL build"
        forced = " with PYTHON_GIL=1" if dict(self.env).get("PYTHON_GIL") == "1" else ""
        return f"Python {self.version} ({build}{forced})"


def probe(path: str, source: str, env: dict[str, str] | None = None) -> Interpreter | None:
    """Ask ``path`` what it is; None if it does not run or is not CPython 3."""
    validate_instance(path, "path", (str, os.PathLike))
    validate_instance(source, "source", str)
    _validate_env(env, "env", optional=True)
    try:
        done = subprocess.run(
            [path, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
            env={**os.environ, **(env or {})},
        )
        facts = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError):
        return None
    return Interpreter(
        path=facts["executable"] or path,
        version=facts["version"],
        free_threaded=facts["free_threaded"],
        gil_enabled=facts["gil_enabled"],
        source=source,
        env=tuple(sorted((env or {}).items())),
    )


def _validate_env(env: object, argument: str, *, optional: bool = False) -> None:
    """Environment variables for a child: names and values are strings."""
    if optional and env is None:
        return
    validate_instance(env, argument, dict)
    assert isinstance(env, dict)
    for name, value in env.items():
        if not (isinstance(name, str) and isinstance(value, str)):
            raise TypeError(f"{argument} must map names to string values; got {name!r}: {value!r}")


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


def find_interpreters(*, force_gil_variant: bool = True) -> list[Interpreter]:
    """Every distinct Python we can run. A free-threaded one also appears with the GIL forced
    back on (``PYTHON_GIL=1``): the same binary, so the difference is the GIL alone."""
    validate_flag(force_gil_variant, "force_gil_variant")
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


def run_bench(
    interpreter: Interpreter, threads: Sequence[int], task_seconds: float, repeats: int
) -> BenchResult:
    """Run the threads benchmark on ``interpreter`` in a subprocess (bounded in time)."""
    validate_instance(interpreter, "interpreter", Interpreter)
    counts = [validate_positive_int(t, "threads") for t in validate_items(threads, "threads")]
    if not counts:
        raise ValueError("threads must list at least one thread count")
    validate_seconds(task_seconds, "task_seconds", maximum=5)
    validate_positive_int(repeats, "repeats")
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
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=budget,
            check=True,
            env={**os.environ, **dict(interpreter.env)},
        )
        data = json.loads(done.stdout)
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
    )


def _failed(interpreter: Interpreter, counts: list[int], error: str) -> BenchResult:
    return BenchResult(interpreter, counts, [], [], [], interpreter.gil_enabled, 1, error=error)


def compare_interpreters(
    max_threads: int = 4,
    task_ms: float = 60,
    repeats: int = 3,
    *,
    interpreters: Sequence[Interpreter] | None = None,
    progress: Progress | None = None,
) -> tuple[Figure, list[BenchResult]]:
    """Speedup vs threads for CPU-bound pure Python, one line per interpreter found."""
    validate_positive_int(max_threads, "max_threads")
    if max_threads > 64:
        raise ValueError(f"max_threads must be <= 64; got {max_threads}")
    seconds = task_seconds_from_ms(task_ms)
    validate_positive_int(repeats, "repeats")
    validate_callable(progress, "progress", optional=True)
    if interpreters is None:
        found = find_interpreters()
    else:
        found = validate_items(interpreters, "interpreters")
        for interpreter in found:
            validate_instance(interpreter, "interpreters", Interpreter)
    if not found:
        raise ValueError("interpreters must name at least one Python")
    counts = thread_counts(max_threads)
    results = []
    for number, interpreter in enumerate(found, start=1):
        results.append(run_bench(interpreter, counts, seconds, repeats))
        if progress is not None:
            progress(number, len(found))
    return plot_comparison(results, counts), results


def thread_counts(max_threads: int) -> list[int]:
    """1, 2, 4, ... up to ``max_threads`` (always included)."""
    validate_positive_int(max_threads, "max_threads")
    counts, n = [], 1
    while n < max_threads:
        counts.append(n)
        n *= 2
    return [*counts, max_threads]


def plot_comparison(results: Sequence[BenchResult], counts: Sequence[int]) -> Figure:
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
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "#999999"},
        )
    ax.set_xticks(list(counts))
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper left")
    finish(
        ax,
        xlabel="threads (one equal CPU-bound task each)",
        ylabel="speedup over one thread (×)",
        title="Pure-Python CPU work on threads, per interpreter (measured here)",
    )
    return fig


@dataclass(frozen=True)
class RaceResult:
    interpreter: Interpreter
    expected: int
    counter: int
    appended: int
    error: str | None = None

    @property
    def lost_updates(self) -> int:
        return self.expected - self.counter


def run_races(interpreter: Interpreter, threads: int = 4, increments: int = 100_000) -> RaceResult:
    """``counter += 1`` and ``list.append`` from several threads, on ``interpreter``."""
    validate_instance(interpreter, "interpreter", Interpreter)
    validate_positive_int(threads, "threads")
    validate_positive_int(increments, "increments")
    command = [interpreter.path, str(RACE_SCRIPT), str(threads), str(increments)]
    expected = threads * increments
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={**os.environ, **dict(interpreter.env)},
        )
        data = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as error:
        return RaceResult(interpreter, expected, 0, 0, error=str(error))
    return RaceResult(interpreter, expected, data["counter"], data["appended"])


def with_env(interpreter: Interpreter, **env: str) -> Interpreter:
    """The same interpreter, run with the environment variables ``env`` added."""
    validate_instance(interpreter, "interpreter", Interpreter)
    _validate_env(env, "env")
    return replace(interpreter, env=tuple(sorted({**dict(interpreter.env), **env}.items())))
