"""What threads and processes do with each kind of work, measured on this machine.

* :func:`threads_at_work`: CPU-bound threads take turns, I/O-bound threads overlap;
* :func:`c_versus_python`: C code that releases the GIL speeds up on threads, Python does not;
* :func:`scaling`: speedup at 1..N workers, threads against processes, CPU-bound against I/O.

Each returns a matplotlib ``Figure`` together with the data behind it, so a notebook can
assert facts (counts, orders) and print numbers without ever asserting a timing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import Count, Int, Items, Progress, Where, validated
from ...core.machine import StartMethod
from ...core.timing import (
    EXECUTOR_KINDS,
    Measurement,
    ProgressFn,
    RunResult,
    TaskMs,
    chain_progress,
    measure,
    run_tasks,
)
from ...core.workloads import WORKLOAD_KINDS
from ...draw.plots import new_figure, plot_speedup
from ...draw.style import figure_size
from .figures import mosaic, plot_turns
from .turns import Threads, ThreadsRun, turns_of

#: The most workers one point of a speedup curve may have.
MAX_SWEEP_WORKERS = 16
_ONE_COUNT = Int(1, MAX_SWEEP_WORKERS)
WorkerCount = Annotated[int, _ONE_COUNT]
WorkerCounts = Annotated[Sequence[int], Items(_ONE_COUNT, what="worker count")]


def _flag_or_none(value: object, argument: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"{argument} must be True, False or None (detect); got {value!r}")


#: True or False, or None to detect it on this machine.
OptionalFlag = Annotated[bool | None, Where(_flag_or_none, None, (0, 1, "yes"))]


@validated
def threads_at_work(
    threads: Threads = 2, task_ms: TaskMs = 60, *, progress: Progress = None
) -> tuple[Figure, dict[str, ThreadsRun]]:
    """The same number of threads, each given one task: CPU-bound on the left, I/O-bound right.

    Returns the figure and ``{"cpu": ..., "io": ...}``.
    """
    seconds = task_ms / 1e3
    fig, axes = new_figure(ncols=2, height=1.5 + 0.5 * (threads + 1))
    fig.set_size_inches(*figure_size(13, fig.get_size_inches()[1]))
    runs: dict[str, ThreadsRun] = {}
    for step, (kind, ax) in enumerate(zip(("cpu", "io"), axes, strict=True)):
        result = run_tasks(kind, "threads", threads, tasks=threads, task_seconds=seconds)
        runs[kind] = ThreadsRun(result, tuple(turns_of(result)))
        title = f"{WORKLOAD_KINDS[kind]}: {threads} threads, one task each\n"
        if kind == "io":
            title += f"{result.wall * 1e3:.0f} ms in all; the waits overlap"
        elif machine.gil_enabled():
            title += (
                f"{result.wall * 1e3:.0f} ms in all; the GIL changed hands "
                f"{runs[kind].handoffs} times"
            )
        else:
            title += f"{result.wall * 1e3:.0f} ms in all; no GIL to hand over"
        plot_turns(result, ax=ax, title=title)
        if progress is not None:
            progress(step + 1, 2)
    return fig, runs


def _sweep(
    plan: Sequence[tuple[str, str]],
    counts: Sequence[int],
    tasks: int,
    seconds: float,
    start_method: str | None,
    progress: ProgressFn | None,
) -> dict[tuple[str, str], list[Measurement]]:
    """Measure every (kind, executor) at every worker count; one serial baseline per kind."""
    kinds = {kind for kind, _ in plan}
    total = tasks * (len(kinds) + len(plan) * len(counts))
    done = 0
    baselines: dict[str, RunResult] = {}
    found: dict[tuple[str, str], list[Measurement]] = {}
    for kind, executor in plan:
        for count in counts:
            m = measure(
                kind,
                executor,
                count,
                tasks,
                seconds,
                start_method=start_method,
                baseline=baselines.get(kind),
                progress=chain_progress(progress, done, total),
            )
            done += tasks if kind in baselines else 2 * tasks
            baselines[kind] = m.serial
            found.setdefault((kind, executor), []).append(m)
    return found


@validated
def c_versus_python(
    workers: WorkerCounts = (1, 2, 4),
    tasks: Count = 8,
    task_ms: TaskMs = 40,
    *,
    progress: Progress = None,
) -> tuple[Figure, dict[str, list[Measurement]]]:
    """Pure-Python work and hashlib work on the same thread pools: timelines at the largest
    worker count (left) and speedup over serial at every count (right).

    Returns the figure and ``{"cpu": [...], "hash": [...]}``, one measurement per worker count
    (sorted, each count once).
    """
    counts = sorted(set(workers))
    seconds = task_ms / 1e3
    found = _sweep(
        [("cpu", "threads"), ("hash", "threads")], counts, tasks, seconds, None, progress
    )
    data = {kind: found[(kind, "threads")] for kind in ("cpu", "hash")}
    top = counts[-1]
    fig, axes = mosaic(
        [["cpu", "speedup"], ["hash", "speedup"]], width=13, height=2.6 + 0.7 * min(top, 8)
    )
    for kind in ("cpu", "hash"):
        m = data[kind][-1]
        plot_turns(
            m.run,
            ax=axes[kind],
            title=f"{WORKLOAD_KINDS[kind]} on {top} threads: {m.speedup:.2f}x over serial",
        )
    plot_speedup(
        {"pure Python": data["cpu"], "hashlib (C, releases the GIL)": data["hash"]},
        ax=axes["speedup"],
        title="Speedup on threads: pure Python vs C that releases the GIL",
    )
    return fig, data


@validated
def scaling(
    max_workers: WorkerCount = 4,
    tasks: Count = 8,
    task_ms: TaskMs = 40,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
) -> tuple[Figure, dict[tuple[str, str], list[Measurement]]]:
    """Speedup at 1..max_workers workers: CPU-bound on threads and on processes (left), I/O-bound
    on threads (right), each against the ideal line and this machine's limit.

    Returns the figure and ``{(kind, executor): [measurement per worker count]}``.
    """
    seconds = task_ms / 1e3
    counts = list(range(1, max_workers + 1))
    plan = [("cpu", "threads"), ("cpu", "processes"), ("io", "threads")]
    data = _sweep(plan, counts, tasks, seconds, start_method, progress)
    fig, (left, right) = new_figure(ncols=2, height=3.8)
    plot_speedup(
        {EXECUTOR_KINDS[ex]: data[("cpu", ex)] for ex in ("threads", "processes")},
        ax=left,
        title=f"{WORKLOAD_KINDS['cpu']}: {tasks} tasks of ~{task_ms:g} ms",
    )
    plot_speedup(
        {EXECUTOR_KINDS["threads"]: data[("io", "threads")]},
        ax=right,
        title=f"{WORKLOAD_KINDS['io']}: {tasks} tasks of ~{task_ms:g} ms",
    )
    cores = machine.usable_cores()
    fig.suptitle(
        f"Measured on this machine: {cores} usable core{'s' * (cores != 1)}", fontsize="large"
    )
    return fig, data


_ONE = {"threads": "thread", "processes": "process", "interpreters": "interpreter"}


def _allowed(m: Measurement, gil: bool) -> float:
    """The best speedup this build and these cores allow for ``m``'s kind of work."""
    if gil and (m.run.kind, m.run.executor) == ("cpu", "threads"):
        return 1.0  # with the GIL, pure Python on threads never beats one after another
    return m.limit


@validated
def describe_scaling(
    data: dict[tuple[str, str], list[Measurement]],
    cores: Annotated[int | None, Int(1, optional=True)] = None,
    gil: OptionalFlag = None,
) -> str:
    """Say in words what :func:`scaling` measured (the numbers are measured; the reasons depend
    on ``cores`` and ``gil``, detected on this machine unless given)."""
    cores = machine.usable_cores() if cores is None else cores
    gil = machine.gil_enabled() if gil is None else gil

    def best(key: tuple[str, str]) -> Measurement:
        return max(data[key], key=lambda m: m.speedup)

    threads, processes, io = (
        best(("cpu", "threads")),
        best(("cpu", "processes")),
        best(("io", "threads")),
    )

    def count(m: Measurement, one: str, many: str) -> str:
        return f"{m.run.workers} {one if m.run.workers == 1 else many}"

    on_threads = (
        f"Pure Python on threads: at best {threads.speedup:.2f}x "
        f"(with {count(threads, 'thread', 'threads')})."
    )
    if gil:
        on_threads += " The GIL lets one thread at a time run Python, so threads take turns."

    elif cores == 1:
        on_threads += (
            " The GIL is off, but there is one usable core: the threads take turns on the core."
        )
    else:
        on_threads += (
            f" The GIL is off on this build, so threads run Python in parallel, up to the "
            f"{cores} usable cores."
        )
    lines = [
        on_threads,
        f"I/O-bound on threads: up to {io.speedup:.2f}x (with {count(io, 'thread', 'threads')}), "
        "because a waiting thread needs no core" + (" and releases the GIL." if gil else "."),
    ]
    own = "its own interpreter and its own GIL" if gil else "its own interpreter"
    if cores == 1:
        lines.append(
            f"Processes: at best {processes.speedup:.2f}x. This machine has one usable core, so "
            "processes take turns on it: they cannot beat threads here, they only add "
            "start-up cost."
        )
    else:
        used = count(processes, "process", "processes")
        lines.append(
            f"Processes: up to {processes.speedup:.2f}x (with {used}). Each has {own}; the "
            f"ceiling is the {cores} usable cores, so adding processes beyond {cores} does not "
            "help."
        )
    beyond = [
        f"{m.run.kind} on {count(m, _ONE[m.run.executor], m.run.executor)} {m.speedup:.2f}x"
        for ms in data.values()
        for m in ms
        if m.speedup > 1.2 * _allowed(m, gil)
    ]
    if beyond:
        lines.append(
            f"More than this build and these cores allow: {', '.join(beyond)}. Other programs "
            "slowed the serial runs down; run the cell again when the machine is quieter."
        )
    return "\n".join(lines)
